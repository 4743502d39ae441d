package io.github.switchboard.ratelimit;

import io.github.switchboard.core.RedisBackend;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.core.internal.RedisChoice;
import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.ratelimit.internal.PlanBook;
import io.github.switchboard.ratelimit.internal.PlansInMemory;
import io.github.switchboard.ratelimit.internal.PlansOnRedis;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.Objects;

/** Builds {@link LimitPlans}; every setter checks its argument at once. Not thread-safe. */
public final class LimitPlansBuilder {
  /** The default key prefix: {@value}. */
  public static final String DEFAULT_KEY_PREFIX = "switchboard:plans:";

  /** The default interval of the revision check: 1 s. */
  public static final Duration DEFAULT_RECONCILE_INTERVAL = Duration.ofSeconds(1);

  private final String name;
  private final RedisChoice redis = new RedisChoice();
  private String keyPrefix = DEFAULT_KEY_PREFIX;
  private Duration reconcileInterval = DEFAULT_RECONCILE_INTERVAL;

  LimitPlansBuilder(String name) {
    this.name = PlanBook.checkName(name, "name");
  }

  /**
   * Shares the plans through a backend: its connection is shared with every component built on an equal
   * backend ({@link RedisBackend}). A backend of a connection handed in cannot subscribe: changes made
   * elsewhere then arrive through the revision check only. Replaces any earlier {@code redis(...)}: the
   * last one wins.
   *
   * @param backend the backend
   * @return this builder
   */
  public LimitPlansBuilder redis(RedisBackend backend) {
    redis.backend(backend);
    return this;
  }

  /**
   * Shares the plans through Redis at a target: shorthand for {@code redis(RedisBackend.of(target))}.
   *
   * @param target where Redis is
   * @return this builder
   */
  public LimitPlansBuilder redis(RedisTarget target) {
    return redis(RedisBackend.of(Objects.requireNonNull(target, "target")));
  }

  /**
   * Shares the plans through a standalone or Sentinel connection handed in (never closed here): shorthand
   * for {@code redis(RedisBackend.of(connection))}.
   *
   * @param connection the connection
   * @return this builder
   */
  public LimitPlansBuilder redis(StatefulRedisConnection<String, String> connection) {
    return redis(RedisBackend.of(Objects.requireNonNull(connection, "connection")));
  }

  /**
   * Shares the plans through a Cluster connection handed in (never closed here): shorthand for {@code
   * redis(RedisBackend.of(connection))}.
   *
   * @param connection the connection
   * @return this builder
   */
  public LimitPlansBuilder redis(StatefulRedisClusterConnection<String, String> connection) {
    return redis(RedisBackend.of(Objects.requireNonNull(connection, "connection")));
  }

  /**
   * Sets the Redis timeouts and TLS trust of the backend, whether chosen before or after.
   *
   * @param options the options
   * @return this builder
   */
  public LimitPlansBuilder redisOptions(RedisOptions options) {
    redis.options(options);
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
    if (!redis.isSet()) {
      return new PlansInMemory(name);
    }
    RedisConnection c = redis.open("plans-" + name);
    try {
      return PlansOnRedis.start(name, keyPrefix, c, reconcileInterval);
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
  }
}
