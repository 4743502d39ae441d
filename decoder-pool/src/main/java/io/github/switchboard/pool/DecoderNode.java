package io.github.switchboard.pool;

import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The configuration of one decoder node: where it is, what it serves and how it is preferred. Immutable
 * and thread-safe; build one with {@link #builder(String, URI)}.
 *
 * <p>Runtime facts about a node (health, load, heartbeats) are not part of its configuration: they are
 * in {@link NodeRuntime}, and {@link NodeView} joins the two.
 *
 * <p>Rules checked by {@link Builder#build()}:
 *
 * <ul>
 *   <li>{@code node_id}: {@value #NODE_ID_RULE} ({@link #isValidNodeId(String)});
 *   <li>{@code endpoint} and {@code health_url}: absolute {@code http} or {@code https} URIs with a host and
 *       without credentials ({@code user:password@} is refused: node URIs are shown and logged);
 *   <li>{@code capacity} &gt; 0 (default {@value #DEFAULT_CAPACITY}); {@code priority} &ge; 0 (default
 *       {@value #DEFAULT_PRIORITY}; a <em>lower</em> number is preferred);
 *   <li>{@code languages}: codes of 2-3 lower-case letters with an optional subtag ({@code en},
 *       {@code pt-BR}, {@code zh-Hant}, {@code es-419}); none means the node serves every language;
 *   <li>{@code region}, {@code gpu_type} and each tag: 1 to 128 characters without spaces.
 * </ul>
 */
public final class DecoderNode {

  /** The capacity of a node that does not say, in the units of its load. */
  public static final int DEFAULT_CAPACITY = 100;

  /** The priority of a node that does not say (as in the original's example file). */
  public static final int DEFAULT_PRIORITY = 1;

  /**
   * The rule of node ids, as errors state it: an id is a segment of the node's URL path
   * ({@code /api/v1/decoders/{node_id}}) as it is written, so whatever registers can be addressed and
   * removed.
   */
  public static final String NODE_ID_RULE = Validation.NODE_ID_RULE;

  private final String nodeId;
  private final URI endpoint;
  private final @Nullable URI healthUrl;
  private final NodeStatus status;
  private final List<String> languages;
  private final int priority;
  private final @Nullable String region;
  private final @Nullable String gpuType;
  private final int capacity;
  private final List<String> tags;

  private DecoderNode(Builder b) {
    this.nodeId = Validation.nodeId(b.nodeId);
    this.endpoint = Validation.httpUri(b.endpoint, "endpoint");
    this.healthUrl = b.healthUrl == null ? null : Validation.httpUri(b.healthUrl, "health_url");
    this.status = b.status;
    this.languages = Validation.languages(b.languages, "languages");
    if (b.priority < 0) {
      throw new IllegalArgumentException("priority must be >= 0, was " + b.priority);
    }
    this.priority = b.priority;
    this.region = b.region == null ? null : Validation.label(b.region, "region");
    this.gpuType = b.gpuType == null ? null : Validation.label(b.gpuType, "gpu_type");
    if (b.capacity <= 0) {
      throw new IllegalArgumentException("capacity must be > 0, was " + b.capacity);
    }
    this.capacity = b.capacity;
    this.tags = Validation.labels(b.tags, "tags");
  }

  /**
   * Starts a node with its two required fields; everything else has a default (status active, no
   * languages = all, priority {@value #DEFAULT_PRIORITY}, capacity {@value #DEFAULT_CAPACITY}, no tags).
   *
   * @param nodeId the node's id, unique in its pool (checked by {@link Builder#build()})
   * @param endpoint the node's base URI (checked by {@link Builder#build()})
   * @return a builder
   */
  public static Builder builder(String nodeId, URI endpoint) {
    return new Builder(Objects.requireNonNull(nodeId, "nodeId"), Objects.requireNonNull(endpoint, "endpoint"));
  }

  /**
   * Returns whether a text is a valid node id ({@value #NODE_ID_RULE}).
   *
   * @param nodeId the text, may be null
   * @return true if {@link Builder#build()} accepts it as an id
   */
  public static boolean isValidNodeId(@Nullable String nodeId) {
    return Validation.isNodeId(nodeId);
  }

  /**
   * Returns a builder holding this node's fields, to derive a changed copy.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder(nodeId, endpoint);
    b.healthUrl = healthUrl;
    b.status = status;
    b.languages = languages;
    b.priority = priority;
    b.region = region;
    b.gpuType = gpuType;
    b.capacity = capacity;
    b.tags = tags;
    return b;
  }

  /**
   * Returns a copy of this node with another status.
   *
   * @param newStatus the status
   * @return this node if the status is the same, else a copy
   */
  public DecoderNode withStatus(NodeStatus newStatus) {
    Objects.requireNonNull(newStatus, "status");
    return newStatus == status ? this : toBuilder().status(newStatus).build();
  }

  /**
   * Returns the node's id ({@code node_id}).
   *
   * @return the id
   */
  public String nodeId() {
    return nodeId;
  }

  /**
   * Returns the node's base URI ({@code endpoint}).
   *
   * @return the endpoint
   */
  public URI endpoint() {
    return endpoint;
  }

  /**
   * Returns the health URL as configured ({@code health_url}).
   *
   * @return the configured health URL, empty if none
   */
  public Optional<URI> healthUrl() {
    return Optional.ofNullable(healthUrl);
  }

  /**
   * Returns the URL health checks use: {@code health_url}, or else {@code endpoint + "/health"}.
   *
   * @return the URL to probe
   */
  public URI effectiveHealthUrl() {
    if (healthUrl != null) {
      return healthUrl;
    }
    String base = endpoint.toString();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return URI.create(base + "/health");
  }

  /**
   * Returns the administrative status ({@code status}).
   *
   * @return the status
   */
  public NodeStatus status() {
    return status;
  }

  /**
   * Returns the languages the node serves ({@code languages}); empty means every language.
   *
   * @return an immutable list without duplicates, in the given order
   */
  public List<String> languages() {
    return languages;
  }

  /**
   * Returns the priority ({@code priority}); a lower number is preferred, 0 is the most preferred.
   *
   * @return the priority, at least 0
   */
  public int priority() {
    return priority;
  }

  /**
   * Returns the region ({@code region}).
   *
   * @return the region, empty if none
   */
  public Optional<String> region() {
    return Optional.ofNullable(region);
  }

  /**
   * Returns the GPU type ({@code gpu_type}).
   *
   * @return the GPU type, empty if none
   */
  public Optional<String> gpuType() {
    return Optional.ofNullable(gpuType);
  }

  /**
   * Returns the capacity ({@code capacity}), in the units of the load the node reports.
   *
   * @return the capacity, at least 1
   */
  public int capacity() {
    return capacity;
  }

  /**
   * Returns the tags ({@code tags}).
   *
   * @return an immutable list without duplicates, in the given order
   */
  public List<String> tags() {
    return tags;
  }

  /**
   * Returns whether the node serves a language: it lists no language, lists the code itself, or lists
   * the code's primary language (a node listing {@code pt} serves {@code pt-BR}).
   *
   * @param code a language code
   * @return true if the node serves it
   */
  public boolean servesLanguage(String code) {
    if (languages.isEmpty() || languages.contains(code)) {
      return true;
    }
    int dash = code.indexOf('-');
    return dash > 0 && languages.contains(code.substring(0, dash));
  }

  /**
   * Returns whether the node serves both languages of a pair.
   *
   * @param source the source language code
   * @param target the target language code
   * @return true if it serves both
   */
  public boolean servesPair(String source, String target) {
    return servesLanguage(source) && servesLanguage(target);
  }

  /**
   * Returns whether the node carries every given tag (true for an empty collection).
   *
   * @param required the tags
   * @return true if all are present
   */
  public boolean hasAllTags(Collection<String> required) {
    return tags.containsAll(required);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof DecoderNode n)) {
      return false;
    }
    return priority == n.priority
        && capacity == n.capacity
        && nodeId.equals(n.nodeId)
        && endpoint.equals(n.endpoint)
        && Objects.equals(healthUrl, n.healthUrl)
        && status == n.status
        && languages.equals(n.languages)
        && Objects.equals(region, n.region)
        && Objects.equals(gpuType, n.gpuType)
        && tags.equals(n.tags);
  }

  @Override
  public int hashCode() {
    return Objects.hash(nodeId, endpoint, healthUrl, status, languages, priority, region, gpuType, capacity, tags);
  }

  @Override
  public String toString() {
    return "DecoderNode[" + nodeId + " " + endpoint + ", status=" + status.jsonName()
        + (region == null ? "" : ", region=" + region)
        + (gpuType == null ? "" : ", gpu_type=" + gpuType)
        + ", capacity=" + capacity + ", priority=" + priority
        + (languages.isEmpty() ? "" : ", languages=" + languages)
        + (tags.isEmpty() ? "" : ", tags=" + tags)
        + "]";
  }

  /** Builds a {@link DecoderNode}; setters take any value, {@link #build()} checks them all. */
  public static final class Builder {
    private final String nodeId;
    private final URI endpoint;
    private @Nullable URI healthUrl;
    private NodeStatus status = NodeStatus.ACTIVE;
    private List<String> languages = List.of();
    private int priority = DEFAULT_PRIORITY;
    private @Nullable String region;
    private @Nullable String gpuType;
    private int capacity = DEFAULT_CAPACITY;
    private List<String> tags = List.of();

    private Builder(String nodeId, URI endpoint) {
      this.nodeId = nodeId;
      this.endpoint = endpoint;
    }

    /**
     * Sets the URL health checks probe; by default {@code endpoint + "/health"}.
     *
     * @param url an absolute http or https URI, or null for the default
     * @return this builder
     */
    public Builder healthUrl(@Nullable URI url) {
      this.healthUrl = url;
      return this;
    }

    /**
     * Sets the status (default {@link NodeStatus#ACTIVE}).
     *
     * @param value the status
     * @return this builder
     */
    public Builder status(NodeStatus value) {
      this.status = Objects.requireNonNull(value, "status");
      return this;
    }

    /**
     * Sets the languages the node serves; none (the default) means every language.
     *
     * @param codes language codes such as {@code en}, {@code pt-BR}
     * @return this builder
     */
    public Builder languages(String... codes) {
      this.languages = Validation.copy(codes, "languages");
      return this;
    }

    /**
     * Sets the languages the node serves; none means every language.
     *
     * @param codes language codes
     * @return this builder
     */
    public Builder languages(Collection<String> codes) {
      this.languages = List.copyOf(codes);
      return this;
    }

    /**
     * Sets the priority (default {@value DecoderNode#DEFAULT_PRIORITY}); lower is preferred.
     *
     * @param value at least 0
     * @return this builder
     */
    public Builder priority(int value) {
      this.priority = value;
      return this;
    }

    /**
     * Sets the region.
     *
     * @param value the region, or null for none
     * @return this builder
     */
    public Builder region(@Nullable String value) {
      this.region = value;
      return this;
    }

    /**
     * Sets the GPU type.
     *
     * @param value the GPU type, or null for none
     * @return this builder
     */
    public Builder gpuType(@Nullable String value) {
      this.gpuType = value;
      return this;
    }

    /**
     * Sets the capacity (default {@value DecoderNode#DEFAULT_CAPACITY}).
     *
     * @param value greater than 0
     * @return this builder
     */
    public Builder capacity(int value) {
      this.capacity = value;
      return this;
    }

    /**
     * Sets the tags.
     *
     * @param values the tags
     * @return this builder
     */
    public Builder tags(String... values) {
      this.tags = Validation.copy(values, "tags");
      return this;
    }

    /**
     * Sets the tags.
     *
     * @param values the tags
     * @return this builder
     */
    public Builder tags(Collection<String> values) {
      this.tags = List.copyOf(values);
      return this;
    }

    /**
     * Checks every field and builds the node.
     *
     * @return the node
     * @throws IllegalArgumentException if a field breaks its rule; the message names the field and the
     *     rule
     */
    public DecoderNode build() {
      return new DecoderNode(this);
    }
  }
}
