package io.github.switchboard.pool.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.core.TimeSource;
import io.github.switchboard.core.internal.RedisConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What {@link io.github.switchboard.pool.DecoderPools} hands to the stores it builds. At most one of
 * {@code redisTarget}, {@code redisConnection} and {@code redisClusterConnection} is set.
 *
 * @param poolName the pool's name (the Redis hash tag {@code {poolName}})
 * @param redisTarget where Redis is, if the library opens the connection (and closes it)
 * @param redisConnection a standalone/Sentinel connection handed in by the user (never closed)
 * @param redisClusterConnection a Cluster connection handed in by the user (never closed)
 * @param redisOptions timeouts and TLS trust
 * @param file the pool file (fallback and mirror), or null
 * @param circuitBreakerConfig the breaker's configuration, or null for
 *     {@code FailoverGuard.defaultConfig(redisOptions.commandTimeout())}
 * @param circuitBreakerRegistry where to create the breaker ({@code "switchboard-" + poolName}), or null
 * @param timeSource the clock
 * @param filePollInterval how often the file store looks for changes by other processes
 */
public record PoolStoreSettings(
    String poolName,
    @Nullable RedisTarget redisTarget,
    @Nullable StatefulRedisConnection<String, String> redisConnection,
    @Nullable StatefulRedisClusterConnection<String, String> redisClusterConnection,
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
    return redisTarget != null || redisConnection != null || redisClusterConnection != null;
  }

  /**
   * Opens (or wraps) the Redis connection these settings name, as {@code pool:NAME}.
   *
   * @return the connection
   * @throws IllegalArgumentException if the settings name no Redis
   */
  public RedisConnection openRedis() {
    String name = "pool:" + poolName();
    RedisOptions options = redisOptions();
    if (redisTarget() != null) {
      return RedisConnection.open(redisTarget(), options, name);
    }
    if (redisConnection() != null) {
      return RedisConnection.wrap(redisConnection(), options, name);
    }
    if (redisClusterConnection() != null) {
      return RedisConnection.wrap(redisClusterConnection(), options, name);
    }
    throw new IllegalArgumentException("pool '" + poolName() + "': no Redis configured");
  }
}
