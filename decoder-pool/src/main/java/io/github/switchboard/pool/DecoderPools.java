package io.github.switchboard.pool;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.core.BackendListener;
import io.github.switchboard.core.RedisBackend;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.core.TimeSource;
import io.github.switchboard.core.internal.RedisChoice;
import io.github.switchboard.pool.internal.PoolFactory;
import io.github.switchboard.pool.internal.PoolSettings;
import io.github.switchboard.pool.internal.RedisPoolWriter;
import io.github.switchboard.pool.internal.store.PoolStoreSettings;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Builds {@link DecoderPool}s: with Redis (primary, shared in real time) and a file (fallback and
 * mirror), with a file only, or in memory only. Redis is chosen by the rules of every Switchboard
 * builder: {@link Builder#redis(RedisBackend)} or a shorthand, the last call wins.
 *
 * <pre>{@code
 * try (DecoderPool pool = DecoderPools.builder("default")
 *         .redis(RedisTarget.parse(System.getenv("REDIS_URL")))   // leave out: file or memory
 *         .file(Path.of("config/decoder_pool.json"))              // fallback and mirror
 *         .build()) {
 *   boolean created = pool.register(node);
 * }
 * }</pre>
 */
public final class DecoderPools {

  /** The default {@code staleAfter}, in seconds. */
  public static final int DEFAULT_STALE_AFTER_SECONDS = 30;

  /** The default {@code evictAfter}, in seconds. */
  public static final int DEFAULT_EVICT_AFTER_SECONDS = 300;

  /** The default {@code maxEvictionShare}. */
  public static final double DEFAULT_MAX_EVICTION_SHARE = 0.5;

  /** The default {@code writeTimeout}, in seconds. */
  public static final int DEFAULT_WRITE_TIMEOUT_SECONDS = 10;

  private static final Pattern POOL_NAME = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private DecoderPools() {}

  /**
   * Opens a {@link PoolWriter} on a pool in Redis, for decoder nodes: it only writes (no snapshot, no
   * subscription, no sweeper, no health checks), on the connection it shares with every component built
   * on an equal backend ({@link RedisBackend}); closing the writer gives that connection back (the last
   * component to close closes it). Waits up to the connect timeout for it; if Redis is not reachable the
   * writer is returned anyway and its writes fail until the connection, retried in the background, is
   * made.
   *
   * @param backend the Redis backend (a synchronous write waits at most four command timeouts of its
   *     options)
   * @param poolName the pool's name: 1 to 64 letters, digits, {@code . _ : -}
   * @return the writer; close it to give its connection back
   * @throws IllegalArgumentException if the pool name breaks its rule
   */
  public static PoolWriter writer(RedisBackend backend, String poolName) {
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(poolName, "poolName");
    checkPoolName(poolName);
    return RedisPoolWriter.open(backend, poolName);
  }

  /**
   * Opens a {@link PoolWriter} on a pool in Redis at a target: shorthand for {@code
   * writer(RedisBackend.of(target), poolName)}.
   *
   * @param target where Redis is
   * @param poolName the pool's name: 1 to 64 letters, digits, {@code . _ : -}
   * @return the writer; close it to give its connection back
   * @throws IllegalArgumentException if the pool name breaks its rule
   */
  public static PoolWriter writer(RedisTarget target, String poolName) {
    return writer(RedisBackend.of(Objects.requireNonNull(target, "target")), poolName);
  }

  /**
   * Opens a {@link PoolWriter} on a pool in Redis with these timeouts and TLS trust: shorthand for {@code
   * writer(RedisBackend.of(target).withOptions(options), poolName)}.
   *
   * @param target where Redis is
   * @param poolName the pool's name: 1 to 64 letters, digits, {@code . _ : -}
   * @param options timeouts and TLS trust (a synchronous write waits at most four command timeouts)
   * @return the writer; close it to give its connection back
   * @throws IllegalArgumentException if the pool name breaks its rule
   */
  public static PoolWriter writer(RedisTarget target, String poolName, RedisOptions options) {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(options, "options");
    return writer(RedisBackend.of(target).withOptions(options), poolName);
  }

  private static void checkPoolName(String poolName) {
    if (!POOL_NAME.matcher(poolName).matches()) {
      throw new IllegalArgumentException(
          "poolName must be 1 to 64 letters, digits, '.', '_', ':' or '-', was '" + poolName + "'");
    }
  }

  /**
   * Starts a pool.
   *
   * @param poolName the pool's name: 1 to 64 letters, digits, {@code . _ : -} (checked by {@code build()})
   * @return a builder
   */
  public static Builder builder(String poolName) {
    return new Builder(Objects.requireNonNull(poolName, "poolName"));
  }

  /**
   * Builds a {@link DecoderPool}. Setters check their argument at once; {@link #build()} checks the rules
   * between settings.
   */
  public static final class Builder {
    private final String poolName;
    private final RedisChoice redis = new RedisChoice();
    private @Nullable Path file;
    private Duration staleAfter = Duration.ofSeconds(DEFAULT_STALE_AFTER_SECONDS);
    private Duration evictAfter = Duration.ofSeconds(DEFAULT_EVICT_AFTER_SECONDS);
    private @Nullable Duration sweepInterval;
    private double maxEvictionShare = DEFAULT_MAX_EVICTION_SHARE;
    private HealthCheckConfig healthChecks = HealthCheckConfig.DISABLED;
    private @Nullable CircuitBreakerConfig circuitBreakerConfig;
    private TimeSource timeSource = TimeSource.system();
    private @Nullable Long seed;
    private Duration filePollInterval = Duration.ofMillis(200);
    private Duration writeTimeout = Duration.ofSeconds(DEFAULT_WRITE_TIMEOUT_SECONDS);
    private final List<BackendListener> backendListeners = new ArrayList<>();

    private Builder(String poolName) {
      this.poolName = poolName;
    }

    /**
     * Uses Redis as the primary store, through a backend: the pool shares the connection of every
     * component built on an equal backend ({@link RedisBackend}) and gives it back on close (the last
     * component to close closes it; a connection handed in is never closed); its subscription is its own.
     * Replaces any earlier {@code redis(...)} call: the last one wins.
     *
     * @param backend the backend
     * @return this builder
     */
    public Builder redis(RedisBackend backend) {
      redis.backend(backend);
      return this;
    }

    /**
     * Uses Redis at a target as the primary store: shorthand for {@code redis(RedisBackend.of(target))}.
     *
     * @param target where Redis is
     * @return this builder
     */
    public Builder redis(RedisTarget target) {
      return redis(RedisBackend.of(Objects.requireNonNull(target, "target")));
    }

    /**
     * Uses Redis through a standalone or Sentinel connection the caller owns (never closed by the pool):
     * shorthand for {@code redis(RedisBackend.of(connection))}.
     *
     * @param connection the connection
     * @return this builder
     */
    public Builder redis(StatefulRedisConnection<String, String> connection) {
      return redis(RedisBackend.of(Objects.requireNonNull(connection, "connection")));
    }

    /**
     * Uses Redis Cluster through a connection the caller owns (never closed by the pool): shorthand for
     * {@code redis(RedisBackend.of(connection))}.
     *
     * @param connection the connection
     * @return this builder
     */
    public Builder redis(StatefulRedisClusterConnection<String, String> connection) {
      return redis(RedisBackend.of(Objects.requireNonNull(connection, "connection")));
    }

    /**
     * Sets the Redis timeouts and TLS trust of the backend, whether chosen before or after (default: the
     * backend's, {@link RedisOptions#defaults()} for the shorthands).
     *
     * @param options the options
     * @return this builder
     */
    public Builder redisOptions(RedisOptions options) {
      redis.options(options);
      return this;
    }

    /**
     * Uses a pool file ({@code decoder_pool.json}): the store itself without Redis, the fallback and
     * mirror with Redis. The file need not exist; it is created on the first change.
     *
     * @param path the file
     * @return this builder
     */
    public Builder file(Path path) {
      this.file = Objects.requireNonNull(path, "path");
      return this;
    }

    /**
     * Sets how long after its last heartbeat a node stops being selected (default
     * {@value DecoderPools#DEFAULT_STALE_AFTER_SECONDS} s). A node that never sent a heartbeat is never
     * stale.
     *
     * @param value a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder staleAfter(Duration value) {
      this.staleAfter = positive(value, "staleAfter");
      return this;
    }

    /**
     * Sets how long after its last heartbeat a dynamic node is removed (default
     * {@value DecoderPools#DEFAULT_EVICT_AFTER_SECONDS} s). Configured nodes are never removed.
     *
     * @param value a positive duration, longer than {@code staleAfter} (checked by {@code build()})
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder evictAfter(Duration value) {
      this.evictAfter = positive(value, "evictAfter");
      return this;
    }

    /**
     * Sets how often the liveness sweeper runs (default: a fifth of {@code staleAfter}, between 100 ms
     * and 5 s).
     *
     * @param value a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder sweepInterval(Duration value) {
      this.sweepInterval = positive(value, "sweepInterval");
      return this;
    }

    /**
     * Sets the largest share of the pool's nodes one sweep may evict (default
     * {@value DecoderPools#DEFAULT_MAX_EVICTION_SHARE}), so that a coordinator cut off from its nodes does
     * not empty the pool. A sweep always may evict at least one node.
     *
     * @param share greater than 0, at most 1
     * @return this builder
     * @throws IllegalArgumentException if outside (0, 1]
     */
    public Builder maxEvictionShare(double share) {
      if (!(share > 0 && share <= 1)) {
        throw new IllegalArgumentException("maxEvictionShare must be > 0 and <= 1, was " + share);
      }
      this.maxEvictionShare = share;
      return this;
    }

    /**
     * Sets the health checks (default {@link HealthCheckConfig#DISABLED}).
     *
     * @param config the configuration
     * @return this builder
     */
    public Builder healthChecks(HealthCheckConfig config) {
      this.healthChecks = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * Turns health checks on with {@link HealthCheckConfig#defaults()}, or off.
     *
     * @param enabled whether to check
     * @return this builder
     */
    public Builder healthChecks(boolean enabled) {
      this.healthChecks = enabled ? HealthCheckConfig.defaults() : HealthCheckConfig.DISABLED;
      return this;
    }

    /**
     * Sets the circuit breaker between Redis and the fallback (default: the core failover guard's).
     *
     * @param config the configuration
     * @return this builder
     */
    public Builder circuitBreakerConfig(CircuitBreakerConfig config) {
      this.circuitBreakerConfig = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * Creates the circuit breaker between Redis and the fallback in a registry, named
     * {@code "switchboard-" + poolName}, so that whatever watches the registry (resilience4j-micrometer,
     * for one) sees it. Default: the backend's ({@link RedisBackend#withCircuitBreakerRegistry}), else a
     * breaker of that name outside any registry. Only used with Redis.
     *
     * @param registry the registry; a breaker of that name already in it is reused, with its own
     *     configuration
     * @return this builder
     */
    public Builder circuitBreakerRegistry(CircuitBreakerRegistry registry) {
      redis.registry(registry);
      return this;
    }

    /**
     * Sets the clock of heartbeats, staleness and eviction (default {@link TimeSource#system()}).
     *
     * @param source the clock
     * @return this builder
     */
    public Builder timeSource(TimeSource source) {
      this.timeSource = Objects.requireNonNull(source, "source");
      return this;
    }

    /**
     * Makes selection's random draws repeatable from a seed (default: unseeded).
     *
     * @param value the seed
     * @return this builder
     */
    public Builder random(long value) {
      this.seed = value;
      return this;
    }

    /**
     * Adds a listener of moves between Redis and the fallback.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(BackendListener listener) {
      this.backendListeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Sets how often the file store looks for changes made by other processes (default 200 ms).
     *
     * @param value a positive duration of at most 1 s
     * @return this builder
     * @throws IllegalArgumentException if not positive or above 1 s
     */
    public Builder filePollInterval(Duration value) {
      positive(value, "filePollInterval");
      if (value.compareTo(Duration.ofSeconds(1)) > 0) {
        throw new IllegalArgumentException("filePollInterval must be at most 1s, was " + value);
      }
      this.filePollInterval = value;
      return this;
    }

    /**
     * Sets how long a synchronous write ({@code register}, {@code heartbeat}, ..., {@code reload}) waits
     * for the change to be stored before it throws {@link PoolWriteTimeoutException} (default
     * {@value DecoderPools#DEFAULT_WRITE_TIMEOUT_SECONDS} s). The asynchronous twins are not bounded by it.
     *
     * @param value a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder writeTimeout(Duration value) {
      this.writeTimeout = positive(value, "writeTimeout");
      return this;
    }

    /**
     * Checks the settings, opens the store and starts the pool.
     *
     * @return the pool
     * @throws IllegalArgumentException if the pool name is invalid, or {@code evictAfter} is not longer
     *     than {@code staleAfter}
     * @throws PoolFormatException if the pool file exists and cannot be read (without Redis)
     */
    public DecoderPool build() {
      checkPoolName(poolName);
      if (evictAfter.compareTo(staleAfter) <= 0) {
        throw new IllegalArgumentException(
            "evictAfter must be longer than staleAfter, was " + evictAfter + " <= " + staleAfter);
      }
      Duration sweep = sweepInterval;
      if (sweep == null) {
        long ms = Math.max(100, Math.min(5000, staleAfter.toMillis() / 5));
        sweep = Duration.ofMillis(ms);
      }
      PoolStoreSettings storeConfig = new PoolStoreSettings(poolName, redis.backend(), redis.options(), file,
          circuitBreakerConfig, redis.registry(), timeSource, filePollInterval);
      PoolSettings settings = new PoolSettings(poolName, staleAfter, evictAfter, sweep, maxEvictionShare,
          healthChecks, timeSource, seed, List.copyOf(backendListeners), writeTimeout);
      return PoolFactory.create(storeConfig, settings);
    }

    private static Duration positive(Duration d, String field) {
      Objects.requireNonNull(d, field);
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(field + " must be positive, was " + d);
      }
      return d;
    }
  }
}
