package io.github.switchboard.pool;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a request needs from a node: a language pair, and optionally a preferred region, tags every
 * candidate must carry, an adapter to prefer nodes that have it loaded, and an affinity key. Immutable:
 * every {@code with}-style method returns a new request.
 */
public final class RoutingRequest {
  private final String source;
  private final String target;
  private final @Nullable String region;
  private final List<String> requiredTags;
  private final @Nullable String adapter;
  private final @Nullable String affinityKey;
  private final Optional<String> regionOptional;
  private final Optional<String> adapterOptional;
  private final Optional<String> affinityKeyOptional;

  private RoutingRequest(
      String source,
      String target,
      @Nullable String region,
      List<String> requiredTags,
      @Nullable String adapter,
      @Nullable String affinityKey) {
    this.source = source;
    this.target = target;
    this.region = region;
    this.requiredTags = requiredTags;
    this.adapter = adapter;
    this.affinityKey = affinityKey;
    // the getters' Optionals made once: select reads them on every call and allocates only its result
    this.regionOptional = Optional.ofNullable(region);
    this.adapterOptional = Optional.ofNullable(adapter);
    this.affinityKeyOptional = Optional.ofNullable(affinityKey);
  }

  /**
   * Returns a request for a language pair.
   *
   * @param sourceLanguage the source language code, such as {@code en} or {@code pt-BR}
   * @param targetLanguage the target language code
   * @return the request
   * @throws IllegalArgumentException if a code is not a language code
   */
  public static RoutingRequest of(String sourceLanguage, String targetLanguage) {
    return new RoutingRequest(
        Validation.language(sourceLanguage, "source language"),
        Validation.language(targetLanguage, "target language"),
        null,
        List.of(),
        null,
        null);
  }

  /**
   * Returns a copy that prefers nodes in a region (others are used when the region has none).
   *
   * @param preferredRegion the region
   * @return the copy
   * @throws IllegalArgumentException if the region is empty or contains spaces
   */
  public RoutingRequest preferRegion(String preferredRegion) {
    return new RoutingRequest(
        source, target, Validation.label(preferredRegion, "region"), requiredTags, adapter, affinityKey);
  }

  /**
   * Returns a copy that only accepts nodes carrying every given tag (in addition to any already required).
   *
   * @param tags the tags
   * @return the copy
   * @throws IllegalArgumentException if a tag is empty or contains spaces
   */
  public RoutingRequest requireTags(String... tags) {
    List<String> all = new java.util.ArrayList<>(requiredTags);
    all.addAll(Validation.copy(tags, "tags"));
    return new RoutingRequest(source, target, region, Validation.labels(all, "tags"), adapter, affinityKey);
  }

  /**
   * Returns a copy that prefers, at equal footing, a node that reports the adapter as loaded.
   *
   * @param adapterName the adapter
   * @return the copy
   */
  public RoutingRequest preferAdapter(String adapterName) {
    return new RoutingRequest(
        source, target, region, requiredTags, Validation.label(adapterName, "adapter"), affinityKey);
  }

  /**
   * Returns a copy with an affinity key: requests with the same key always fall in the same A/B group
   * (for example a user or document id), instead of a random draw.
   *
   * @param key any non-empty text
   * @return the copy
   */
  public RoutingRequest affinityKey(String key) {
    Objects.requireNonNull(key, "affinityKey");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("affinityKey must not be empty");
    }
    return new RoutingRequest(source, target, region, requiredTags, adapter, key);
  }

  /**
   * Returns the source language.
   *
   * @return the code
   */
  public String sourceLanguage() {
    return source;
  }

  /**
   * Returns the target language.
   *
   * @return the code
   */
  public String targetLanguage() {
    return target;
  }

  /**
   * Returns the preferred region.
   *
   * @return the region, empty if none
   */
  public Optional<String> preferredRegion() {
    return regionOptional;
  }

  /**
   * Returns the tags every candidate must carry.
   *
   * @return an immutable list
   */
  public List<String> requiredTags() {
    return requiredTags;
  }

  /**
   * Returns the adapter to prefer.
   *
   * @return the adapter, empty if none
   */
  public Optional<String> adapter() {
    return adapterOptional;
  }

  /**
   * Returns the affinity key.
   *
   * @return the key, empty if none
   */
  public Optional<String> affinityKey() {
    return affinityKeyOptional;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RoutingRequest r
        && source.equals(r.source)
        && target.equals(r.target)
        && Objects.equals(region, r.region)
        && requiredTags.equals(r.requiredTags)
        && Objects.equals(adapter, r.adapter)
        && Objects.equals(affinityKey, r.affinityKey);
  }

  @Override
  public int hashCode() {
    return Objects.hash(source, target, region, requiredTags, adapter, affinityKey);
  }

  @Override
  public String toString() {
    return "RoutingRequest[" + source + "->" + target
        + (region == null ? "" : ", region=" + region)
        + (requiredTags.isEmpty() ? "" : ", tags=" + requiredTags)
        + (adapter == null ? "" : ", adapter=" + adapter)
        + (affinityKey == null ? "" : ", affinityKey")
        + "]";
  }
}
