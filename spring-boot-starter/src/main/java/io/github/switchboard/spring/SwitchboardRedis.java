package io.github.switchboard.spring;

import io.github.switchboard.core.RedisBackend;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The Redis that the auto-configured limiter, plans, pool and cache use: a {@link RedisBackend}, or none
 * (the embedded defaults: an in-memory limiter, a file pool). The starter makes one from the {@link
 * RedisBackend} bean: the application's if it defines one, else the starter's, built from {@code
 * switchboard.redis.*} or {@code spring.data.redis.*}. Every component gets that one backend, so they share
 * one Redis connection. Define a bean of this type only to turn Redis off ({@link #none()}); to name
 * another Redis, define a {@link RedisBackend} bean.
 */
public final class SwitchboardRedis {
  private final @Nullable RedisBackend backend;

  private SwitchboardRedis(@Nullable RedisBackend backend) {
    this.backend = backend;
  }

  /**
   * Returns a Redis given by a backend.
   *
   * @param backend the backend
   * @return the settings
   */
  public static SwitchboardRedis of(RedisBackend backend) {
    return new SwitchboardRedis(Objects.requireNonNull(backend, "backend"));
  }

  /**
   * Returns a Redis at a target: shorthand for {@code of(RedisBackend.of(target).withOptions(options))}.
   *
   * @param target where Redis is
   * @param options the timeouts and TLS trust
   * @return the settings
   */
  public static SwitchboardRedis of(RedisTarget target, RedisOptions options) {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(options, "options");
    return of(RedisBackend.of(target).withOptions(options));
  }

  /**
   * Returns no Redis: the embedded defaults (an in-memory limiter, a file pool).
   *
   * @return the settings
   */
  public static SwitchboardRedis none() {
    return new SwitchboardRedis(null);
  }

  /**
   * Returns the backend every auto-configured component is built on.
   *
   * @return the backend, or empty for no Redis
   */
  public Optional<RedisBackend> backend() {
    return Optional.ofNullable(backend);
  }

  /**
   * Returns the target.
   *
   * @return the target, or empty for no Redis or a connection handed in
   */
  public Optional<RedisTarget> target() {
    return backend == null ? Optional.empty() : backend.target();
  }

  /**
   * Returns the options.
   *
   * @return the backend's options, or the defaults for no Redis
   */
  public RedisOptions options() {
    return backend == null ? RedisOptions.defaults() : backend.options();
  }

  /** Returns the backend's redacted description, never a password. */
  @Override
  public String toString() {
    return "SwitchboardRedis[" + (backend == null ? "none" : backend.describe()) + "]";
  }
}
