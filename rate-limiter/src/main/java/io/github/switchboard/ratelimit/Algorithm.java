package io.github.switchboard.ratelimit;

/**
 * How a {@link RateLimitPolicy} counts. Every algorithm has an in-memory and a Redis implementation with the
 * same semantics, to the microsecond; the exact rules are in the module's README.
 */
public enum Algorithm {
  /**
   * An exact log of grants: a request is allowed when the grants of the last {@code window}, plus the
   * request, do not exceed {@code count}. Memory grows with the count.
   */
  SLIDING_WINDOW_LOG,
  /**
   * Two fixed buckets per limit (current and previous window, aligned to the epoch) with the previous one
   * weighted by how much of it still overlaps the sliding window (Cloudflare's estimate), in integer
   * arithmetic. Constant memory.
   */
  SLIDING_WINDOW_COUNTER,
  /** A counter per window, the windows aligned to whole multiples of the window since the Unix epoch. */
  FIXED_WINDOW,
  /**
   * A token bucket as the generic cell rate algorithm (GCRA): {@code count} is the burst, {@code
   * count/window} the sustained rate (one permit every {@code ceil(window/count)} microseconds).
   */
  TOKEN_BUCKET
}
