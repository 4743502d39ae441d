package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.ratelimit.Decision;

/** The implementations' unchecked {@link Decision} factory (see {@link DecisionAccess}). */
final class Decisions {
  private static final DecisionAccess.Factory FACTORY = DecisionAccess.installed();

  private Decisions() {}

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
