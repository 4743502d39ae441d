package io.github.switchboard.spring;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The Redis that the auto-configured limiter and pool use: a target (none for the embedded defaults) and
 * the options. The starter makes one from {@code switchboard.redis.*} or {@code spring.data.redis.*};
 * define a bean of this type to name another.
 */
public final class SwitchboardRedis {
  private final @Nullable RedisTarget target;
  private final RedisOptions options;

  private SwitchboardRedis(@Nullable RedisTarget target, RedisOptions options) {
    this.target = target;
    this.options = Objects.requireNonNull(options, "options");
  }

  /**
   * Returns a Redis at a target.
   *
   * @param target where Redis is
   * @param options the timeouts and TLS trust
   * @return the settings
   */
  public static SwitchboardRedis of(RedisTarget target, RedisOptions options) {
    return new SwitchboardRedis(Objects.requireNonNull(target, "target"), options);
  }

  /**
   * Returns no Redis: the embedded defaults (an in-memory limiter, a file pool).
   *
   * @return the settings
   */
  public static SwitchboardRedis none() {
    return new SwitchboardRedis(null, RedisOptions.defaults());
  }

  /**
   * Returns the target.
   *
   * @return the target, or empty for no Redis
   */
  public Optional<RedisTarget> target() {
    return Optional.ofNullable(target);
  }

  /**
   * Returns the options.
   *
   * @return the options
   */
  public RedisOptions options() {
    return options;
  }

  /** Returns the target's redacted URL, never a password. */
  @Override
  public String toString() {
    return "SwitchboardRedis[" + (target == null ? "none" : target.redactedUrl()) + "]";
  }
}
