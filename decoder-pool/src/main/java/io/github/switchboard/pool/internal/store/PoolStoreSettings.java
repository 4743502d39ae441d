package io.github.switchboard.pool.internal.store;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.core.RedisBackend;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.TimeSource;
import io.github.switchboard.core.internal.RedisConnection;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What {@link io.github.switchboard.pool.DecoderPools} hands to the stores it builds.
 *
 * @param poolName the pool's name (the Redis hash tag {@code {poolName}})
 * @param redis the Redis backend (its connection shared with the components of equal backends), or null
 * @param redisOptions timeouts and TLS trust (the backend's)
 * @param file the pool file (fallback and mirror), or null
 * @param circuitBreakerConfig the breaker's configuration, or null for
 *     {@code FailoverGuard.defaultConfig(redisOptions.commandTimeout())}
 * @param circuitBreakerRegistry where to create the breaker ({@code "switchboard-" + poolName}), or null
 * @param timeSource the clock
 * @param filePollInterval how often the file store looks for changes by other processes
 */
public record PoolStoreSettings(
    String poolName,
    @Nullable RedisBackend redis,
    RedisOptions redisOptions,
    @Nullable Path file,
    @Nullable CircuitBreakerConfig circuitBreakerConfig,
    @Nullable CircuitBreakerRegistry circuitBreakerRegistry,
    TimeSource timeSource,
    Duration filePollInterval) {

  /**
   * Returns whether a Redis backend is configured.
   *
   * @return true if Redis is used
   */
  public boolean hasRedis() {
    return redis != null;
  }

  /**
   * Opens a handle on the shared connection of the backend, as {@code pool:NAME}.
   *
   * @return the connection
   * @throws IllegalArgumentException if the settings name no Redis
   */
  public RedisConnection openRedis() {
    RedisBackend b = redis();
    if (b == null) {
      throw new IllegalArgumentException("pool '" + poolName() + "': no Redis configured");
    }
    return RedisConnection.open(b, "pool:" + poolName());
  }
}
