package io.github.switchboard.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How much of each limit one client has used, as {@link RateLimiter#stats(String)} reports it.
 *
 * @param limits one entry per limit of the policy, by increasing window
 * @param degraded whether a fallback answered instead of Redis
 */
public record ClientStats(List<LimitStats> limits, boolean degraded) {

  /**
   * Copies the list.
   *
   * @throws NullPointerException if the list is null
   */
  public ClientStats {
    limits = List.copyOf(Objects.requireNonNull(limits, "limits"));
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
     * @throws NullPointerException if a duration is null
     */
    public LimitStats {
      Objects.requireNonNull(window, "window");
      Objects.requireNonNull(resetAfter, "resetAfter");
    }
  }
}
