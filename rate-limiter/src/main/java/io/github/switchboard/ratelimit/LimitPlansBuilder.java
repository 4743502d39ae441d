package io.github.switchboard.ratelimit;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.ratelimit.internal.PlanBook;
import io.github.switchboard.ratelimit.internal.PlansInMemory;
import io.github.switchboard.ratelimit.internal.PlansOnRedis;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** Builds {@link LimitPlans}; every setter checks its argument at once. Not thread-safe. */
public final class LimitPlansBuilder {
  /** The default key prefix: {@value}. */
  public static final String DEFAULT_KEY_PREFIX = "switchboard:plans:";

  /** The default interval of the revision check: 1 s. */
  public static final Duration DEFAULT_RECONCILE_INTERVAL = Duration.ofSeconds(1);

  private final String name;
  private @Nullable RedisTarget target;
  private @Nullable StatefulRedisConnection<String, String> connection;
  private @Nullable StatefulRedisClusterConnection<String, String> clusterConnection;
  private RedisOptions options = RedisOptions.defaults();
  private String keyPrefix = DEFAULT_KEY_PREFIX;
  private Duration reconcileInterval = DEFAULT_RECONCILE_INTERVAL;

  LimitPlansBuilder(String name) {
    this.name = PlanBook.checkName(name, "name");
  }

  /**
   * Shares the plans through Redis at a target; replaces any earlier {@code redis(...)}.
   *
   * @param target where Redis is
   * @return this builder
   */
  public LimitPlansBuilder redis(RedisTarget target) {
    this.target = Objects.requireNonNull(target, "target");
    this.connection = null;
    this.clusterConnection = null;
    return this;
  }

  /**
   * Shares the plans through a standalone or Sentinel connection handed in (never closed here). Such a
   * connection cannot subscribe: changes made elsewhere arrive through the revision check only.
   *
   * @param connection the connection
   * @return this builder
   */
  public LimitPlansBuilder redis(StatefulRedisConnection<String, String> connection) {
    this.connection = Objects.requireNonNull(connection, "connection");
    this.target = null;
    this.clusterConnection = null;
    return this;
  }

  /**
   * Shares the plans through a Cluster connection handed in (never closed here); as {@link
   * #redis(StatefulRedisConnection)}, changes arrive through the revision check only.
   *
   * @param connection the connection
   * @return this builder
   */
  public LimitPlansBuilder redis(StatefulRedisClusterConnection<String, String> connection) {
    this.clusterConnection = Objects.requireNonNull(connection, "connection");
    this.target = null;
    this.connection = null;
    return this;
  }

  /**
   * Sets the Redis connection's timeouts and TLS trust.
   *
   * @param options the options
   * @return this builder
   */
  public LimitPlansBuilder redisOptions(RedisOptions options) {
    this.options = Objects.requireNonNull(options, "redisOptions");
    return this;
  }

  /**
   * Sets the prefix of the plans' Redis keys and channel (default {@value #DEFAULT_KEY_PREFIX}).
   *
   * @param prefix 1 to 100 characters without '{' or '}'
   * @return this builder
   */
  public LimitPlansBuilder keyPrefix(String prefix) {
    Objects.requireNonNull(prefix, "keyPrefix");
    if (prefix.isEmpty() || prefix.length() > 100 || prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
      throw new IllegalArgumentException(
          "keyPrefix must be 1 to 100 characters without '{' or '}', was '" + prefix + "'");
    }
    this.keyPrefix = prefix;
    return this;
  }

  /**
   * Sets how often each instance compares its revision with Redis's, healing a missed change (default 1 s).
   *
   * @param interval between 100 ms and 1 min
   * @return this builder
   */
  public LimitPlansBuilder reconcileInterval(Duration interval) {
    Objects.requireNonNull(interval, "reconcileInterval");
    if (interval.compareTo(Duration.ofMillis(100)) < 0 || interval.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException("reconcileInterval must be between 100 ms and 1 min, was " + interval);
    }
    this.reconcileInterval = interval;
    return this;
  }

  /**
   * Builds the plans; with Redis, reads them (waiting at most the connect timeout; built while Redis is
   * down, they start empty and are read when it comes up).
   *
   * @return the plans
   */
  public LimitPlans build() {
    if (target == null && connection == null && clusterConnection == null) {
      return new PlansInMemory(name);
    }
    String connName = "plans-" + name;
    RedisConnection c;
    if (target != null) {
      c = RedisConnection.open(target, options, connName);
    } else if (connection != null) {
      c = RedisConnection.wrap(connection, options, connName);
    } else {
      c = RedisConnection.wrap(Objects.requireNonNull(clusterConnection), options, connName);
    }
    try {
      return PlansOnRedis.start(name, keyPrefix, c, reconcileInterval);
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
  }
}
