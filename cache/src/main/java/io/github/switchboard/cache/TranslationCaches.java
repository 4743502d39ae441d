package io.github.switchboard.cache;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.cache.internal.CacheSettings;
import io.github.switchboard.cache.internal.LocalTranslationCache;
import io.github.switchboard.cache.internal.RedisTranslationCache;
import io.github.switchboard.core.BackendListener;
import io.github.switchboard.core.RedisBackend;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.core.internal.FailoverGuard;
import io.github.switchboard.core.internal.RedisChoice;
import io.github.switchboard.core.internal.RedisConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import org.jspecify.annotations.Nullable;

/**
 * Builds {@link TranslationCache}s.
 *
 * <pre>{@code
 * try (TranslationCache cache = TranslationCaches.builder("translations")
 *         .redis(RedisTarget.parse("redis://localhost:6379"))   // none: this process only
 *         .timeToLive(Duration.ofDays(7))
 *         .nearCacheSize(10_000)
 *         .build()) {
 *   String result = cache.getOrLoad(key, k -> decoder.decode(k));
 * }
 * }</pre>
 *
 * <p>Instances built with the same name and key prefix on one Redis share their entries. Without Redis, the
 * cache lives in this process: it holds up to {@code nearCacheSize} results for {@code timeToLive} and
 * loads each key once among concurrent callers.
 */
public final class TranslationCaches {
  /** The default time to live of an entry: 7 days. */
  public static final Duration DEFAULT_TIME_TO_LIVE = Duration.ofDays(7);

  /** The longest time to live: 365 days. */
  public static final Duration MAX_TIME_TO_LIVE = Duration.ofDays(365);

  /** The default near cache size: {@value} entries. */
  public static final int DEFAULT_NEAR_CACHE_SIZE = 10_000;

  /** The largest near cache size: {@value} entries. */
  public static final int MAX_NEAR_CACHE_SIZE = 100_000_000;

  /** The default largest value cached, in UTF-8 bytes: {@value} (1 MiB). */
  public static final int DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

  /** The largest {@code maxValueBytes}: {@value} (64 MiB). */
  public static final int MAX_MAX_VALUE_BYTES = 64 * 1024 * 1024;

  /** The default size from which a value is stored compressed, in UTF-8 bytes: {@value}. */
  public static final int DEFAULT_COMPRESSION_THRESHOLD = 4096;

  /** The default load timeout: 30 s. */
  public static final Duration DEFAULT_LOAD_TIMEOUT = Duration.ofSeconds(30);

  /** The default key prefix: {@value}. */
  public static final String DEFAULT_KEY_PREFIX = "switchboard:cache:";

  /** The longest name: {@value} characters. */
  public static final int MAX_NAME_LENGTH = 100;

  private TranslationCaches() {}

  /**
   * Starts a cache.
   *
   * @param name the cache's name: 1 to {@value #MAX_NAME_LENGTH} ASCII letters, digits, {@code - _ . :};
   *     instances of one name on one Redis share their entries
   * @return a builder
   * @throws IllegalArgumentException naming the rule if the name breaks it
   * @throws NullPointerException if name is null
   */
  public static Builder builder(String name) {
    return new Builder(validName(name));
  }

  private static String validName(@Nullable String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "name must be 1 to " + MAX_NAME_LENGTH + " characters long, was " + name.length());
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_' || c == '.' || c == ':';
      if (!ok) {
        throw new IllegalArgumentException(
            "name may hold only ASCII letters, digits, '-', '_', '.' and ':', found '"
                + (c < 0x20 ? '?' : c) + "' at index " + i);
      }
    }
    return name;
  }

  /** Builds a {@link TranslationCache}; every setter checks its argument at once. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final RedisChoice redis = new RedisChoice();
    private String keyPrefix = DEFAULT_KEY_PREFIX;
    private Duration timeToLive = DEFAULT_TIME_TO_LIVE;
    private int nearCacheSize = DEFAULT_NEAR_CACHE_SIZE;
    private int maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
    private int compressionThreshold = DEFAULT_COMPRESSION_THRESHOLD;
    private Duration loadTimeout = DEFAULT_LOAD_TIMEOUT;
    private Executor executor = ForkJoinPool.commonPool();
    private @Nullable CircuitBreakerConfig breakerConfig;
    private final List<BackendListener> listeners = new ArrayList<>();

    private Builder(String name) {
      this.name = name;
    }

    /**
     * Shares the cache through a backend: its connection is shared with every component built on an equal
     * backend ({@link RedisBackend}) and given back on close (the last component to close closes it; a
     * connection handed in is never closed); the cache's subscription is its own. A backend of a
     * connection handed in cannot open a subscription, so the near cache is then off (a near copy could
     * not be invalidated by other instances) and waiters for another instance's load check every 100 ms.
     * Replaces any earlier {@code redis(...)}: the last one wins.
     *
     * @param backend the backend
     * @return this builder
     */
    public Builder redis(RedisBackend backend) {
      redis.backend(backend);
      return this;
    }

    /**
     * Shares the cache through Redis at a target (standalone, Sentinel or Cluster): shorthand for {@code
     * redis(RedisBackend.of(target))}.
     *
     * @param target where Redis is
     * @return this builder
     */
    public Builder redis(RedisTarget target) {
      return redis(RedisBackend.of(Objects.requireNonNull(target, "target")));
    }

    /**
     * Shares the cache through a standalone or Sentinel connection handed in (never closed by the cache):
     * shorthand for {@code redis(RedisBackend.of(connection))}; the near cache is then off.
     *
     * @param connection the connection
     * @return this builder
     */
    public Builder redis(StatefulRedisConnection<String, String> connection) {
      return redis(RedisBackend.of(Objects.requireNonNull(connection, "connection")));
    }

    /**
     * Shares the cache through a Cluster connection handed in (never closed by the cache): shorthand for
     * {@code redis(RedisBackend.of(connection))}; the near cache is then off.
     *
     * @param connection the connection
     * @return this builder
     */
    public Builder redis(StatefulRedisClusterConnection<String, String> connection) {
      return redis(RedisBackend.of(Objects.requireNonNull(connection, "connection")));
    }

    /**
     * Sets the timeouts and TLS trust of the backend, whether chosen before or after.
     *
     * @param options the options
     * @return this builder
     */
    public Builder redisOptions(RedisOptions options) {
      redis.options(options);
      return this;
    }

    /**
     * Sets the prefix of every Redis key and channel of the cache (default {@value
     * TranslationCaches#DEFAULT_KEY_PREFIX}).
     *
     * @param prefix 1 to 100 characters, without '{' or '}' (they mark the Cluster hash tag)
     * @return this builder
     */
    public Builder keyPrefix(String prefix) {
      Objects.requireNonNull(prefix, "keyPrefix");
      if (prefix.isEmpty() || prefix.length() > 100) {
        throw new IllegalArgumentException("keyPrefix must be 1 to 100 characters long, was " + prefix.length());
      }
      if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
        throw new IllegalArgumentException(
            "keyPrefix must not contain '{' or '}' (they mark the Cluster hash tag), was " + prefix);
      }
      this.keyPrefix = prefix;
      return this;
    }

    /**
     * Sets how long an entry lives in Redis and in the near cache (default 7 days).
     *
     * @param ttl at least 1 s, at most 365 days
     * @return this builder
     */
    public Builder timeToLive(Duration ttl) {
      Objects.requireNonNull(ttl, "timeToLive");
      if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(MAX_TIME_TO_LIVE) > 0) {
        throw new IllegalArgumentException("timeToLive must be between 1 s and 365 days, was " + ttl);
      }
      this.timeToLive = ttl;
      return this;
    }

    /**
     * Sets how many results the process keeps (default {@value TranslationCaches#DEFAULT_NEAR_CACHE_SIZE});
     * 0 turns the near cache off. Without Redis, this is the whole cache's size.
     *
     * @param entries 0 to {@value TranslationCaches#MAX_NEAR_CACHE_SIZE}
     * @return this builder
     */
    public Builder nearCacheSize(int entries) {
      if (entries < 0 || entries > MAX_NEAR_CACHE_SIZE) {
        throw new IllegalArgumentException(
            "nearCacheSize must be between 0 and " + MAX_NEAR_CACHE_SIZE + ", was " + entries);
      }
      this.nearCacheSize = entries;
      return this;
    }

    /**
     * Sets the largest value cached, in UTF-8 bytes (default 1 MiB); a larger one is returned but not
     * stored, and logged once.
     *
     * @param bytes 1 to {@value TranslationCaches#MAX_MAX_VALUE_BYTES}
     * @return this builder
     */
    public Builder maxValueBytes(int bytes) {
      if (bytes < 1 || bytes > MAX_MAX_VALUE_BYTES) {
        throw new IllegalArgumentException(
            "maxValueBytes must be between 1 and " + MAX_MAX_VALUE_BYTES + ", was " + bytes);
      }
      this.maxValueBytes = bytes;
      return this;
    }

    /**
     * Sets the size, in UTF-8 bytes, from which a value is stored in Redis compressed (DEFLATE) (default
     * {@value TranslationCaches#DEFAULT_COMPRESSION_THRESHOLD}); {@link Integer#MAX_VALUE} never compresses.
     *
     * @param bytes at least 64
     * @return this builder
     */
    public Builder compressionThreshold(int bytes) {
      if (bytes < 64) {
        throw new IllegalArgumentException("compressionThreshold must be at least 64, was " + bytes);
      }
      this.compressionThreshold = bytes;
      return this;
    }

    /**
     * Sets how long a load may take before another instance may load the same key (default 30 s): the
     * lifetime of the lease that a loading instance holds in Redis.
     *
     * @param timeout between 100 ms and 1 h
     * @return this builder
     */
    public Builder loadTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "loadTimeout");
      if (timeout.compareTo(Duration.ofMillis(100)) < 0 || timeout.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("loadTimeout must be between 100 ms and 1 h, was " + timeout);
      }
      this.loadTimeout = timeout;
      return this;
    }

    /**
     * Sets the executor on which asynchronous loaders are called (default {@link ForkJoinPool#commonPool()}).
     *
     * @param executor the executor
     * @return this builder
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Sets the circuit breaker's configuration (default: {@code FailoverGuard.defaultConfig}, as the other
     * modules).
     *
     * @param config the configuration
     * @return this builder
     */
    public Builder circuitBreakerConfig(CircuitBreakerConfig config) {
      this.breakerConfig = Objects.requireNonNull(config, "circuitBreakerConfig");
      return this;
    }

    /**
     * Creates the circuit breaker ({@code "switchboard-" + name}) in a registry of the user's (default: the
     * backend's, {@link RedisBackend#withCircuitBreakerRegistry}, else a breaker in no registry).
     *
     * @param registry the registry
     * @return this builder
     */
    public Builder circuitBreakerRegistry(CircuitBreakerRegistry registry) {
      redis.registry(registry);
      return this;
    }

    /**
     * Adds a listener told when the cache moves between Redis and its fallback.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(BackendListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Builds the cache. With a target, waits at most the connect timeout for Redis; a cache built while
     * Redis is down answers from its fallback and moves to Redis when it comes up.
     *
     * @return the cache
     */
    public TranslationCache build() {
      CacheSettings settings =
          new CacheSettings(
              name,
              keyPrefix,
              timeToLive,
              nearCacheSize,
              maxValueBytes,
              compressionThreshold,
              loadTimeout,
              executor);
      if (!redis.isSet()) {
        return new LocalTranslationCache(settings);
      }
      RedisConnection c = redis.open("cache-" + name);
      Duration timeout = redis.options().commandTimeout();
      CircuitBreakerConfig cfg = breakerConfig != null ? breakerConfig : FailoverGuard.defaultConfig(timeout);
      try {
        FailoverGuard guard = new FailoverGuard(name, cfg, timeout, redis.registry());
        listeners.forEach(guard::addListener);
        return RedisTranslationCache.start(settings, c, guard);
      } catch (RuntimeException e) {
        c.close();
        throw e;
      }
    }
  }
}
