package io.github.switchboard.ratelimit;

/** What a Redis-backed {@link RateLimiter} answers while Redis is unavailable. */
public enum FallbackMode {
  /**
   * An in-memory limiter with the same policy, its counts divided by {@link
   * RateLimiters.Builder#expectedInstances(int)} (rounded down, at least 1). The default.
   */
  LOCAL,
  /** Fail open: every request is allowed. */
  ALLOW,
  /** Fail closed: every request is denied. */
  DENY
}
