package io.github.switchboard.core.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.core.RedisBackend;
import io.github.switchboard.core.RedisOptions;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/*
 * One rule for the Redis settings of every builder (limiter, plans, pool, writer, registration client,
 * cache), so that they cannot drift apart again:
 *   - redis(RedisBackend) chooses the backend; redis(target | connection | cluster) are shorthands for
 *     redis(RedisBackend.of(...)); a later redis(...) call replaces an earlier one (the last wins);
 *   - redisOptions(options) sets the options of whichever backend is chosen, before or after it;
 *   - circuitBreakerRegistry(registry) on the builder takes precedence over the backend's.
 * Not thread-safe, as the builders holding it.
 */
/** The Redis a builder was told to use: the backend and the builder's own overrides of it. */
public final class RedisChoice {
  private @Nullable RedisBackend backend;
  private @Nullable RedisOptions options;
  private @Nullable CircuitBreakerRegistry registry;

  /**
   * Chooses the backend, replacing an earlier choice.
   *
   * @param backend the backend
   * @throws NullPointerException if {@code backend} is null
   */
  public void backend(RedisBackend backend) {
    this.backend = Objects.requireNonNull(backend, "backend");
  }

  /**
   * Sets the options of the backend, whichever it is.
   *
   * @param options the options
   * @throws NullPointerException if {@code options} is null
   */
  public void options(RedisOptions options) {
    this.options = Objects.requireNonNull(options, "redisOptions");
  }

  /**
   * Sets the registry of the circuit breaker, over the backend's.
   *
   * @param registry the registry
   * @throws NullPointerException if {@code registry} is null
   */
  public void registry(CircuitBreakerRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "circuitBreakerRegistry");
  }

  /**
   * Returns whether a backend was chosen.
   *
   * @return false: the component does without Redis
   */
  public boolean isSet() {
    return backend != null;
  }

  /**
   * Returns the backend with the builder's options applied.
   *
   * @return the backend, or null if none was chosen
   */
  public @Nullable RedisBackend backend() {
    RedisBackend b = backend;
    RedisOptions o = options;
    return b == null || o == null ? b : b.withOptions(o);
  }

  /**
   * Returns the options in force: the builder's, else the backend's, else the defaults.
   *
   * @return the options
   */
  public RedisOptions options() {
    RedisOptions o = options;
    if (o != null) {
      return o;
    }
    RedisBackend b = backend;
    return b == null ? RedisOptions.defaults() : b.options();
  }

  /**
   * Returns the registry in force: the builder's, else the backend's.
   *
   * @return the registry, or null for breakers outside any registry
   */
  public @Nullable CircuitBreakerRegistry registry() {
    CircuitBreakerRegistry r = registry;
    if (r != null) {
      return r;
    }
    RedisBackend b = backend;
    return b == null ? null : b.circuitBreakerRegistry().orElse(null);
  }

  /**
   * Returns whether the chosen backend is a connection handed in by the user.
   *
   * @return true for a user's connection; false for a target or no backend
   */
  public boolean isUserConnection() {
    RedisBackend b = backend;
    return b != null && b.isUserConnection();
  }

  /**
   * Opens a handle on the backend's shared connection ({@link RedisConnection#open(RedisBackend, String)}).
   *
   * @param name the component's name, for logs
   * @return the handle, owned by the caller
   * @throws IllegalStateException if no backend was chosen
   */
  public RedisConnection open(String name) {
    RedisBackend b = backend();
    if (b == null) {
      throw new IllegalStateException("no Redis backend chosen: call redis(...) first");
    }
    return RedisConnection.open(b, name);
  }
}
