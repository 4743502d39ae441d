package io.github.switchboard.ratelimit;

/** Whose clock a Redis-backed {@link RateLimiter} uses to place requests in time. */
public enum ClockSource {
  /**
   * Redis's own {@code TIME}, read inside the script: every instance agrees whatever its own clock says.
   * The default.
   */
  REDIS,
  /**
   * The client's {@link io.github.switchboard.core.TimeSource}, sent with each call: for tests that drive
   * time, or for users who trust their clocks. Instances with skewed clocks then disagree.
   */
  CLIENT
}
