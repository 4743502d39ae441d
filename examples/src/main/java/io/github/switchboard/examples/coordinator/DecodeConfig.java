package io.github.switchboard.examples.coordinator;

import io.github.switchboard.cache.TranslationCaches;
import io.github.switchboard.cache.TranslationKey;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The settings of the coordinator's {@code POST /api/v1/decode}: how large a body it takes, how long it
 * waits for the nodes, and its cache of results. Immutable; part of {@link CoordinatorConfig}, read from
 * the environment by {@link CoordinatorConfig#fromEnvironment(Map)}.
 *
 * @param maxBytes the largest body accepted; a larger one gets {@code 413} before it is read
 * @param timeout how long a decode may take, from its arrival to the node's answer, both attempts included;
 *     past it, {@code 504}
 * @param cacheEnabled whether results are cached (off: every decode goes to a node)
 * @param cacheTtl how long a result stays cached
 * @param cacheNearSize how many results each coordinator keeps in memory (without Redis: the whole cache)
 */
public record DecodeConfig(
    int maxBytes, Duration timeout, boolean cacheEnabled, Duration cacheTtl, int cacheNearSize) {

  /** The variable holding the largest decode body in bytes (default {@value #DEFAULT_MAX_BYTES}). */
  public static final String ENV_DECODE_MAX_BYTES = "DECODE_MAX_BYTES";
  /** The variable holding the decode timeout in milliseconds (default {@value #DEFAULT_TIMEOUT_MILLIS}). */
  public static final String ENV_DECODE_TIMEOUT_MS = "DECODE_TIMEOUT_MS";
  /** The variable turning the cache on or off: {@code true} (default) or {@code false}. */
  public static final String ENV_CACHE_ENABLED = "CACHE_ENABLED";
  /** The variable holding the cache's time to live in seconds (default {@value #DEFAULT_CACHE_TTL_SECONDS}). */
  public static final String ENV_CACHE_TTL_SECONDS = "CACHE_TTL_SECONDS";
  /** The variable holding the near cache's size (default {@value #DEFAULT_CACHE_NEAR_SIZE}). */
  public static final String ENV_CACHE_NEAR_SIZE = "CACHE_NEAR_SIZE";

  /** The default largest body: 1 MiB. */
  public static final int DEFAULT_MAX_BYTES = 1024 * 1024;
  /** The largest {@code maxBytes}: the cache key's largest input, 16 MiB. */
  public static final int MAX_MAX_BYTES = TranslationKey.MAX_INPUT_BYTES;
  /** The default timeout, in milliseconds. */
  public static final long DEFAULT_TIMEOUT_MILLIS = 30_000;
  /** The shortest timeout, in milliseconds. */
  public static final long MIN_TIMEOUT_MILLIS = 10;
  /** The longest timeout, in milliseconds (10 minutes). */
  public static final long MAX_TIMEOUT_MILLIS = 600_000;
  /** The default time to live of a cached result, in seconds: 7 days. */
  public static final long DEFAULT_CACHE_TTL_SECONDS = 604_800;
  /** The default near cache size. */
  public static final int DEFAULT_CACHE_NEAR_SIZE = TranslationCaches.DEFAULT_NEAR_CACHE_SIZE;

  /**
   * Checks the settings.
   *
   * @throws IllegalArgumentException if a setting is out of its range; the message names it
   */
  public DecodeConfig {
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(cacheTtl, "cacheTtl");
    if (maxBytes < 1 || maxBytes > MAX_MAX_BYTES) {
      throw new IllegalArgumentException("maxBytes must be from 1 to " + MAX_MAX_BYTES + ", was " + maxBytes);
    }
    if (timeout.toMillis() < MIN_TIMEOUT_MILLIS || timeout.toMillis() > MAX_TIMEOUT_MILLIS) {
      throw new IllegalArgumentException("timeout must be from " + MIN_TIMEOUT_MILLIS + " ms to "
          + MAX_TIMEOUT_MILLIS + " ms, was " + timeout);
    }
    if (cacheTtl.compareTo(Duration.ofSeconds(1)) < 0
        || cacheTtl.compareTo(TranslationCaches.MAX_TIME_TO_LIVE) > 0) {
      throw new IllegalArgumentException("cacheTtl must be from 1 s to "
          + TranslationCaches.MAX_TIME_TO_LIVE.toDays() + " days, was " + cacheTtl);
    }
    if (cacheNearSize < 0 || cacheNearSize > TranslationCaches.MAX_NEAR_CACHE_SIZE) {
      throw new IllegalArgumentException("cacheNearSize must be from 0 to "
          + TranslationCaches.MAX_NEAR_CACHE_SIZE + ", was " + cacheNearSize);
    }
  }

  /**
   * Returns the defaults: 1 MiB, 30 s, the cache on for 7 days with 10,000 results in memory.
   *
   * @return the defaults
   */
  public static DecodeConfig defaults() {
    return builder().build();
  }

  /**
   * Starts settings from the defaults.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads the settings from environment variables; absent and empty ones take their defaults.
   *
   * @param env the variables
   * @return the settings
   * @throws ConfigException if a variable's value cannot be used; the message names the variable
   */
  static DecodeConfig fromEnvironment(Map<String, String> env) {
    Builder b = builder();
    String maxBytes = CoordinatorConfig.value(env, ENV_DECODE_MAX_BYTES);
    if (maxBytes != null) {
      b.maxBytes((int) CoordinatorConfig.number(ENV_DECODE_MAX_BYTES, maxBytes, 1, MAX_MAX_BYTES));
    }
    String timeout = CoordinatorConfig.value(env, ENV_DECODE_TIMEOUT_MS);
    if (timeout != null) {
      b.timeout(Duration.ofMillis(
          CoordinatorConfig.number(ENV_DECODE_TIMEOUT_MS, timeout, MIN_TIMEOUT_MILLIS, MAX_TIMEOUT_MILLIS)));
    }
    String enabled = CoordinatorConfig.value(env, ENV_CACHE_ENABLED);
    if (enabled != null) {
      String e = enabled.strip().toLowerCase(Locale.ROOT);
      if (!e.equals("true") && !e.equals("false")) {
        throw new ConfigException(ENV_CACHE_ENABLED, ENV_CACHE_ENABLED + " must be true or false, was '"
            + enabled + "'");
      }
      b.cacheEnabled(e.equals("true"));
    }
    String ttl = CoordinatorConfig.value(env, ENV_CACHE_TTL_SECONDS);
    if (ttl != null) {
      b.cacheTtl(Duration.ofSeconds(CoordinatorConfig.number(ENV_CACHE_TTL_SECONDS, ttl, 1,
          TranslationCaches.MAX_TIME_TO_LIVE.toSeconds())));
    }
    String near = CoordinatorConfig.value(env, ENV_CACHE_NEAR_SIZE);
    if (near != null) {
      b.cacheNearSize((int) CoordinatorConfig.number(ENV_CACHE_NEAR_SIZE, near, 0,
          TranslationCaches.MAX_NEAR_CACHE_SIZE));
    }
    return b.build();
  }

  /** Builds a {@link DecodeConfig}; {@link #build()} checks the settings. */
  public static final class Builder {
    private int maxBytes = DEFAULT_MAX_BYTES;
    private Duration timeout = Duration.ofMillis(DEFAULT_TIMEOUT_MILLIS);
    private boolean cacheEnabled = true;
    private Duration cacheTtl = Duration.ofSeconds(DEFAULT_CACHE_TTL_SECONDS);
    private int cacheNearSize = DEFAULT_CACHE_NEAR_SIZE;

    private Builder() {}

    /**
     * Sets the largest body accepted (default {@value DecodeConfig#DEFAULT_MAX_BYTES} bytes).
     *
     * @param value 1 to {@value DecodeConfig#MAX_MAX_BYTES}
     * @return this builder
     */
    public Builder maxBytes(int value) {
      this.maxBytes = value;
      return this;
    }

    /**
     * Sets how long a decode may take (default {@value DecodeConfig#DEFAULT_TIMEOUT_MILLIS} ms).
     *
     * @param value {@value DecodeConfig#MIN_TIMEOUT_MILLIS} ms to {@value DecodeConfig#MAX_TIMEOUT_MILLIS} ms
     * @return this builder
     */
    public Builder timeout(Duration value) {
      this.timeout = Objects.requireNonNull(value, "timeout");
      return this;
    }

    /**
     * Turns the cache on or off (default on).
     *
     * @param value whether results are cached
     * @return this builder
     */
    public Builder cacheEnabled(boolean value) {
      this.cacheEnabled = value;
      return this;
    }

    /**
     * Sets how long a result stays cached (default 7 days).
     *
     * @param value 1 s to 365 days
     * @return this builder
     */
    public Builder cacheTtl(Duration value) {
      this.cacheTtl = Objects.requireNonNull(value, "cacheTtl");
      return this;
    }

    /**
     * Sets how many results each coordinator keeps in memory (default {@value
     * DecodeConfig#DEFAULT_CACHE_NEAR_SIZE}); without Redis this is the whole cache, and 0 caches nothing
     * (identical concurrent decodes still share one request to the nodes).
     *
     * @param value 0 to 100,000,000
     * @return this builder
     */
    public Builder cacheNearSize(int value) {
      this.cacheNearSize = value;
      return this;
    }

    /**
     * Checks the settings and builds them.
     *
     * @return the settings
     * @throws IllegalArgumentException if a setting is out of its range
     */
    public DecodeConfig build() {
      return new DecodeConfig(maxBytes, timeout, cacheEnabled, cacheTtl, cacheNearSize);
    }
  }

  @Override
  public String toString() {
    return "DecodeConfig[maxBytes=" + maxBytes + ", timeout=" + timeout + ", cache="
        + (cacheEnabled ? "on, ttl " + cacheTtl + ", near " + cacheNearSize : "off") + "]";
  }
}
