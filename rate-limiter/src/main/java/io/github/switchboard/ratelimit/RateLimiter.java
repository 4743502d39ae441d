package io.github.switchboard.ratelimit;

import io.github.switchboard.core.BackendState;
import java.util.concurrent.CompletionStage;

/**
 * Decides whether a client (a key) may go ahead, under a {@link RateLimitPolicy}. Thread-safe. Build one
 * with {@link RateLimiters#builder(RateLimitPolicy)}.
 *
 * <p>Keys are opaque strings: any text of 1 to {@value #MAX_KEY_BYTES} UTF-8 bytes. Two different keys
 * never share state, whatever characters they contain.
 *
 * <p>A Redis-backed limiter never throws a Redis exception: while Redis is unavailable, its fallback
 * answers and the result says {@link Decision#degraded()}.
 */
public interface RateLimiter extends AutoCloseable {

  /** The longest key, in UTF-8 bytes. */
  int MAX_KEY_BYTES = 1024;

  /**
   * The most permits one call may ask of a {@link Algorithm#SLIDING_WINDOW_LOG} limiter, whatever its
   * counts: the log keeps one entry per permit, so a larger call would hold Redis (which runs one script
   * at a time) for tens of milliseconds or more. The other algorithms keep a few numbers per limit and
   * take up to the policy's smallest count in one call.
   */
  long MAX_LOG_PERMITS = 10_000;

  /**
   * Asks for one permit.
   *
   * @param key the client's key
   * @return the decision
   * @throws IllegalArgumentException if the key is null, empty or longer than {@value #MAX_KEY_BYTES}
   *     UTF-8 bytes
   * @throws IllegalStateException if the limiter is closed
   */
  default Decision tryAcquire(String key) {
    return tryAcquire(key, 1);
  }

  /**
   * Asks for {@code permits} permits at once; they are granted all together or not at all. Waits for Redis
   * at most about twice its command timeout, then answers from the fallback.
   *
   * @param key the client's key
   * @param permits the number of permits, 1 to the policy's smallest count (and at most {@value
   *     #MAX_LOG_PERMITS} with a sliding-window log)
   * @return the decision
   * @throws IllegalArgumentException if the key is null, empty or longer than {@value #MAX_KEY_BYTES}
   *     UTF-8 bytes, or if {@code permits} is below 1, above the policy's smallest count or, with a
   *     sliding-window log, above {@value #MAX_LOG_PERMITS}; the message names the bound
   * @throws IllegalStateException if the limiter is closed
   */
  Decision tryAcquire(String key, long permits);

  /**
   * Asks for one permit and returns only the verdict: the same decision as {@link #tryAcquire(String)},
   * recorded the same way, for callers that need nothing but allowed or denied. The in-memory limiter then
   * allocates nothing on an existing key.
   *
   * @param key the client's key
   * @return true if the permit is granted
   * @throws IllegalArgumentException if the key is null, empty or longer than {@value #MAX_KEY_BYTES}
   *     UTF-8 bytes
   * @throws IllegalStateException if the limiter is closed
   */
  default boolean allow(String key) {
    return allow(key, 1);
  }

  /**
   * Asks for {@code permits} permits and returns only the verdict, as {@link #allow(String)} does.
   *
   * @param key the client's key
   * @param permits the number of permits, 1 to the policy's smallest count (and at most {@value
   *     #MAX_LOG_PERMITS} with a sliding-window log)
   * @return true if the permits are granted
   * @throws IllegalArgumentException if the key is null, empty or longer than {@value #MAX_KEY_BYTES}
   *     UTF-8 bytes, or if {@code permits} is below 1, above the policy's smallest count or, with a
   *     sliding-window log, above {@value #MAX_LOG_PERMITS}; the message names the bound
   * @throws IllegalStateException if the limiter is closed
   */
  default boolean allow(String key, long permits) {
    return tryAcquire(key, permits).allowed();
  }

  /**
   * Asks for {@code permits} permits without blocking the calling thread. The stage completes with a
   * decision (from the fallback if Redis fails or times out), never with a Redis exception.
   *
   * @param key the client's key
   * @param permits the number of permits, 1 to the policy's smallest count (and at most {@value
   *     #MAX_LOG_PERMITS} with a sliding-window log)
   * @return the decision, when known
   * @throws IllegalArgumentException if the key is null, empty or longer than {@value #MAX_KEY_BYTES}
   *     UTF-8 bytes, or if {@code permits} is below 1, above the policy's smallest count or, with a
   *     sliding-window log, above {@value #MAX_LOG_PERMITS}; the message names the bound
   * @throws IllegalStateException if the limiter is closed
   */
  CompletionStage<Decision> tryAcquireAsync(String key, long permits);

  /**
   * Returns, for each limit, how many permits the client used in the current window, how many remain and
   * when the limit is full again. Records nothing.
   *
   * @param key the client's key
   * @return the statistics
   * @throws IllegalArgumentException if the key is null, empty or too long
   * @throws IllegalStateException if the limiter is closed
   */
  ClientStats stats(String key);

  /**
   * Forgets everything recorded for the client: on Redis, and in this instance (the LOCAL fallback, the
   * local deny cache). Waits for Redis as a decision does. Never resets only this instance in silence: if
   * Redis does not take the reset, it throws.
   *
   * @param key the client's key
   * @throws IllegalArgumentException if the key is null, empty or too long
   * @throws IllegalStateException if the limiter is closed
   * @throws ResetFailedException if Redis did not answer in time, failed, or its circuit breaker is open
   *     (this instance's state of the client is cleared all the same; Redis's is not)
   */
  void reset(String key);

  /**
   * Returns the policy this limiter enforces.
   *
   * @return the policy
   */
  RateLimitPolicy policy();

  /**
   * Returns which backend answers now: {@link BackendState#PRIMARY} when Redis does (and always for an
   * in-memory limiter), {@link BackendState#FALLBACK} while the circuit breaker is open, {@link
   * BackendState#PROBING} while it tries Redis again.
   *
   * @return the backend state
   */
  default BackendState backendState() {
    return BackendState.PRIMARY;
  }

  /** Releases the limiter's resources: a Redis connection it opened (never one handed in), its memory. */
  @Override
  void close();
}
