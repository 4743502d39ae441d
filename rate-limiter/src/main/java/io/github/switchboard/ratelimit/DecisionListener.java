package io.github.switchboard.ratelimit;

/**
 * Told of every decision a {@link RateLimiter} makes, synchronous or asynchronous (for metrics; see
 * {@link RateLimiters.Builder#decisionListener(DecisionListener)}).
 *
 * <p>Called once per decision, on the thread that completes it (the caller's for {@code tryAcquire} and
 * {@code allow}, the thread completing the stage for {@code tryAcquireAsync}); a call that fails (a bad
 * argument, a closed limiter) is not a decision and is not reported. It must be fast and thread safe. An
 * exception it throws is logged (at WARN the first time, then at most once a minute) and never reaches the
 * caller.
 */
@FunctionalInterface
public interface DecisionListener {

  /**
   * Receives one decision.
   *
   * @param key the client key
   * @param allowed whether the request was allowed
   * @param degraded whether a fallback answered instead of Redis ({@link Decision#degraded()})
   * @param latencyNanos how long the decision took, from the call to its answer, in nanoseconds
   */
  void onDecision(String key, boolean allowed, boolean degraded, long latencyNanos);

  /**
   * Receives one decision whole; the limiter calls this one. By default it calls {@link
   * #onDecision(String, boolean, boolean, long)}; override it to see {@link Decision#shadowDenied()}.
   *
   * @param key the client key
   * @param decision the decision
   * @param latencyNanos how long the decision took, in nanoseconds
   */
  default void onDecision(String key, Decision decision, long latencyNanos) {
    onDecision(key, decision.allowed(), decision.degraded(), latencyNanos);
  }
}
