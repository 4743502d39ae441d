package io.github.switchboard.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How much of each limit one client has used, as {@link RateLimiter#stats(String)} reports it.
 *
 * @param limits one entry per limit of the policy, by increasing window
 * @param degraded whether a fallback answered instead of Redis
 * @param localDenials how many of this client's calls this instance answered itself, without Redis,
 *     because Redis had denied the client and its retry-after had not passed (the local deny cache, see
 *     {@link RateLimiters.Builder#localDenyCache(boolean)}); counted from Redis's first denial while
 *     the client stays denied, back to 0 once a retry-after has passed and Redis is asked again, or on
 *     {@link RateLimiter#reset(String) reset}; always 0 in memory and for a fallback's answer
 */
public record ClientStats(List<LimitStats> limits, boolean degraded, long localDenials) {

  /**
   * Copies the list.
   *
   * @param limits the statistics of each limit, in the policy's order
   * @param degraded whether the fallback answered
   * @param localDenials the calls this instance answered from its local deny cache
   * @throws NullPointerException if the list is null
   * @throws IllegalArgumentException if {@code localDenials} is negative
   */
  public ClientStats {
    limits = List.copyOf(Objects.requireNonNull(limits, "limits"));
    if (localDenials < 0) {
      throw new IllegalArgumentException("localDenials must not be negative, was " + localDenials);
    }
  }

  /**
   * Makes the statistics of a client with no local denials.
   *
   * @param limits one entry per limit of the policy, by increasing window
   * @param degraded whether a fallback answered instead of Redis
   * @throws NullPointerException if the list is null
   */
  public ClientStats(List<LimitStats> limits, boolean degraded) {
    this(limits, degraded, 0);
  }

  /**
   * Returns these statistics with a number of local denials.
   *
   * @param n the calls answered by the local deny cache
   * @return a copy with {@code localDenials} = n
   * @throws IllegalArgumentException if {@code n} is negative
   */
  public ClientStats withLocalDenials(long n) {
    return n == localDenials ? this : new ClientStats(limits, degraded, n);
  }

  /**
   * The state of one limit for one client.
   *
   * @param count the limit's count
   * @param window the limit's window
   * @param used the permits used in the current window (for {@link Algorithm#TOKEN_BUCKET}: {@code count}
   *     minus the permits available now; for {@link Algorithm#SLIDING_WINDOW_COUNTER}: the weighted
   *     estimate, rounded up)
   * @param remaining the permits available now, {@code count - used} but at least 0
   * @param resetAfter how long until the limit is back to its full count if nothing more is granted
   */
  public record LimitStats(long count, Duration window, long used, long remaining, Duration resetAfter) {
    /**
     * Checks the fields.
     *
     * @param count the limit's permits per window
     * @param window the limit's window
     * @param used the permits used in the current window
     * @param remaining the permits available now
     * @param resetAfter how long until the limit is back to its full count
     * @throws NullPointerException if a duration is null
     */
    public LimitStats {
      Objects.requireNonNull(window, "window");
      Objects.requireNonNull(resetAfter, "resetAfter");
    }
  }
}
