package io.github.switchboard.ratelimit;

import io.github.switchboard.ratelimit.internal.DecisionAccess;
import java.time.Duration;
import java.time.temporal.ChronoUnit;

/**
 * The answer to one request: allowed or not, and the state of the limit it reports. Immutable.
 *
 * <p>With several limits, a decision reports one of them: when allowed, the limit with the fewest
 * remaining permits; when denied, the denying limit with the longest {@link #retryAfter()} (the first in
 * window order on a tie, in both cases). Times are kept in microseconds and are never rounded down.
 */
public final class Decision {
  private final boolean allowed;
  private final long limit;
  private final long remaining;
  private final long retryAfterMicros;
  private final long resetAfterMicros;
  private final long windowMicros;
  private final boolean degraded;
  private final boolean shadowDenied;

  static {
    // the implementations' trusted path to the constructor: their values are in range by construction,
    // so they skip the checks of ofMicros (the hot path); see DecisionAccess
    DecisionAccess.install(Decision::new, Decision::shadowOf);
  }

  private Decision(
      boolean allowed,
      long limit,
      long remaining,
      long retryAfterMicros,
      long resetAfterMicros,
      long windowMicros,
      boolean degraded) {
    this.allowed = allowed;
    this.limit = limit;
    this.remaining = remaining;
    this.retryAfterMicros = retryAfterMicros;
    this.resetAfterMicros = resetAfterMicros;
    this.windowMicros = windowMicros;
    this.degraded = degraded;
    this.shadowDenied = false;
  }

  /** A shadow policy's answer to a request it would have denied: allowed, reporting the denying limit. */
  private Decision(Decision denied) {
    this.allowed = true;
    this.limit = denied.limit;
    this.remaining = denied.remaining;
    this.retryAfterMicros = 0;
    this.resetAfterMicros = denied.resetAfterMicros;
    this.windowMicros = denied.windowMicros;
    this.degraded = denied.degraded;
    this.shadowDenied = true;
  }

  private static Decision shadowOf(Decision d) {
    return d.allowed ? d : new Decision(d);
  }

  /**
   * Makes a decision from microsecond values (used by the implementations; allocates only the decision).
   *
   * @param allowed whether the request is allowed
   * @param limit the count of the reported limit
   * @param remaining the permits left in the reported limit, 0 to {@code limit}
   * @param retryAfterMicros when denied, how long until the same request would be allowed (positive);
   *     when allowed, 0
   * @param resetAfterMicros how long until the reported limit is back to its full count, at least 0
   * @param windowMicros the window of the reported limit, positive
   * @param degraded whether a fallback answered instead of Redis
   * @return the decision
   * @throws IllegalArgumentException if a value is out of its range
   */
  public static Decision ofMicros(
      boolean allowed,
      long limit,
      long remaining,
      long retryAfterMicros,
      long resetAfterMicros,
      long windowMicros,
      boolean degraded) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, was " + limit);
    }
    if (remaining < 0 || remaining > limit) {
      throw new IllegalArgumentException(
          "remaining must be between 0 and limit (" + limit + "), was " + remaining);
    }
    if (allowed ? retryAfterMicros != 0 : retryAfterMicros <= 0) {
      throw new IllegalArgumentException(
          "retryAfter must be 0 when allowed and positive when denied, was "
              + retryAfterMicros
              + " µs (allowed="
              + allowed
              + ")");
    }
    if (resetAfterMicros < 0) {
      throw new IllegalArgumentException("resetAfter must not be negative, was " + resetAfterMicros);
    }
    if (windowMicros < 1) {
      throw new IllegalArgumentException("window must be positive, was " + windowMicros);
    }
    return new Decision(
        allowed, limit, remaining, retryAfterMicros, resetAfterMicros, windowMicros, degraded);
  }

  /**
   * Returns whether the request is allowed (and its permits recorded).
   *
   * @return true if allowed
   */
  public boolean allowed() {
    return allowed;
  }

  /**
   * Returns the count of the reported limit.
   *
   * @return the reported limit's count
   */
  public long limit() {
    return limit;
  }

  /**
   * Returns the permits left in the reported limit, after this request if it was allowed.
   *
   * @return the remaining permits, 0 to {@link #limit()}
   */
  public long remaining() {
    return remaining;
  }

  /**
   * Returns how long to wait before the same request would be allowed, if nothing else is granted in
   * between: {@link Duration#ZERO} when allowed, positive when denied, never rounded down.
   *
   * @return the retry-after duration
   */
  public Duration retryAfter() {
    return retryAfterMicros == 0 ? Duration.ZERO : Duration.of(retryAfterMicros, ChronoUnit.MICROS);
  }

  /**
   * Returns {@link #retryAfter()} in microseconds.
   *
   * @return the retry-after, in microseconds
   */
  public long retryAfterMicros() {
    return retryAfterMicros;
  }

  /**
   * Returns how long until the reported limit is back to its full count if nothing more is granted.
   *
   * @return the reset-after duration, zero when the limit is unused
   */
  public Duration resetAfter() {
    return resetAfterMicros == 0 ? Duration.ZERO : Duration.of(resetAfterMicros, ChronoUnit.MICROS);
  }

  /**
   * Returns {@link #resetAfter()} in microseconds.
   *
   * @return the reset-after, in microseconds
   */
  public long resetAfterMicros() {
    return resetAfterMicros;
  }

  /**
   * Returns the window of the reported limit.
   *
   * @return the window
   */
  public Duration window() {
    return Duration.of(windowMicros, ChronoUnit.MICROS);
  }

  /**
   * Returns {@link #window()} in microseconds.
   *
   * @return the window, in microseconds
   */
  public long windowMicros() {
    return windowMicros;
  }

  /**
   * Returns whether a fallback answered (Redis was unavailable) rather than Redis or a plain in-memory
   * limiter.
   *
   * @return true if degraded
   */
  public boolean degraded() {
    return degraded;
  }

  /**
   * Returns whether a shadow policy ({@link RateLimitPolicy#shadow()}) would have denied this request: the
   * request is then allowed ({@link #allowed()} is true, {@link #retryAfter()} is zero), nothing was
   * recorded for it (as for any denial), and {@link #limit()}, {@link #remaining()} and {@link
   * #resetAfter()} report the limit that would have denied it. Always false for an enforced policy.
   *
   * @return true if only the shadow mode let the request through
   */
  public boolean shadowDenied() {
    return shadowDenied;
  }

  @Override
  public boolean equals(@org.jspecify.annotations.Nullable Object o) {
    return o instanceof Decision d
        && d.shadowDenied == shadowDenied
        && d.allowed == allowed
        && d.limit == limit
        && d.remaining == remaining
        && d.retryAfterMicros == retryAfterMicros
        && d.resetAfterMicros == resetAfterMicros
        && d.windowMicros == windowMicros
        && d.degraded == degraded;
  }

  @Override
  public int hashCode() {
    long h = allowed ? 1 : 0;
    h = h * 31 + limit;
    h = h * 31 + remaining;
    h = h * 31 + retryAfterMicros;
    h = h * 31 + resetAfterMicros;
    h = h * 31 + windowMicros;
    h = h * 31 + (degraded ? 1 : 0);
    h = h * 31 + (shadowDenied ? 1 : 0);
    return Long.hashCode(h);
  }

  @Override
  public String toString() {
    return "Decision["
        + (allowed ? "allowed" : "denied")
        + ", limit="
        + limit
        + ", remaining="
        + remaining
        + ", retryAfterMicros="
        + retryAfterMicros
        + ", resetAfterMicros="
        + resetAfterMicros
        + ", windowMicros="
        + windowMicros
        + (degraded ? ", degraded" : "")
        + (shadowDenied ? ", shadowDenied" : "")
        + "]";
  }
}
