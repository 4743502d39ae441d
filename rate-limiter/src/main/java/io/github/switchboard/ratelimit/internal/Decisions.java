package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.ratelimit.Decision;

/** The implementations' unchecked {@link Decision} factory (see {@link DecisionAccess}). */
final class Decisions {
  private static final DecisionAccess.Factory FACTORY = DecisionAccess.installed();
  private static final java.util.function.UnaryOperator<Decision> SHADOW = DecisionAccess.shadowFactory();

  /** The verdict of a grant when the caller asked only for the verdict (see RateLimiter.allow). */
  static final Decision GRANTED = FACTORY.make(true, 1, 0, 0, 0, 1, false);

  /** The verdict of a denial when the caller asked only for the verdict. */
  static final Decision DENIED = FACTORY.make(false, 1, 0, 1, 1, 1, false);

  private Decisions() {}

  /**
   * Returns a shadow policy's answer: the decision itself when allowed, else an allowed decision marked
   * {@link Decision#shadowDenied()}.
   */
  static Decision shadow(Decision d) {
    return SHADOW.apply(d);
  }

  /** Returns the shared verdict-only decision: only its allowed() is meaningful. */
  static Decision verdict(boolean allowed) {
    return allowed ? GRANTED : DENIED;
  }

  /** Makes a decision from values in range by construction (no checks; the caller guarantees them). */
  static Decision trusted(
      boolean allowed,
      long limit,
      long remaining,
      long retryAfterMicros,
      long resetAfterMicros,
      long windowMicros,
      boolean degraded) {
    assert limit >= 1 && remaining >= 0 && remaining <= limit : "remaining out of range";
    assert allowed ? retryAfterMicros == 0 : retryAfterMicros > 0 : "retryAfter out of range";
    assert resetAfterMicros >= 0 && windowMicros >= 1 : "reset or window out of range";
    return FACTORY.make(
        allowed, limit, remaining, retryAfterMicros, resetAfterMicros, windowMicros, degraded);
  }
}
