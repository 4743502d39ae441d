package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.ratelimit.ClientStats;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/*
 * A policy's limits as primitive arrays (by increasing window), and the one rule, shared by the in-memory
 * and the Redis implementations, that turns per-limit results into a Decision:
 *   allowed -> report the limit with the smallest remaining (first on a tie);
 *   denied  -> report the denying limit with the longest retry-after (first on a tie).
 */
/** A policy's limits as arrays, and the rule that picks which limit a decision reports. */
final class Limits {
  final RateLimitPolicy policy;
  final int size;
  final long[] counts;
  final long[] windows;
  /** TOKEN_BUCKET: the emission interval ceil(window / count), in microseconds. */
  final long[] emission;
  /** TOKEN_BUCKET: the burst tolerance count * emission, in microseconds. */
  final long[] burst;
  final long maxWindow;
  /** The count of the limit with the longest window: the most grants a log keeps. */
  final long countOfMaxWindow;
  /** The most permits one request may ask for ({@link Keys#maxPermits}). */
  final long maxPermits;

  Limits(RateLimitPolicy policy) {
    this.policy = policy;
    List<RateLimitPolicy.Limit> list = policy.limits();
    size = list.size();
    counts = new long[size];
    windows = new long[size];
    emission = new long[size];
    burst = new long[size];
    for (int i = 0; i < size; i++) {
      counts[i] = list.get(i).count();
      windows[i] = list.get(i).windowMicros();
      emission[i] = (windows[i] + counts[i] - 1) / counts[i];
      burst[i] = counts[i] * emission[i];
    }
    maxWindow = windows[size - 1];
    countOfMaxWindow = counts[size - 1];
    maxPermits = Keys.maxPermits(policy);
  }

  /**
   * Builds the decision from per-limit results.
   *
   * @param ok whether every limit allows
   * @param remaining per limit, the permits left (after the grant if ok)
   * @param reset per limit, microseconds until full again
   * @param retry per limit, microseconds until that limit would allow (0 if it allows)
   */
  Decision decide(boolean ok, long[] remaining, long[] reset, long[] retry, boolean degraded) {
    int chosen = 0;
    if (ok) {
      for (int i = 1; i < size; i++) {
        if (remaining[i] < remaining[chosen]) {
          chosen = i;
        }
      }
      return Decisions.trusted(
          true, counts[chosen], remaining[chosen], 0, reset[chosen], windows[chosen], degraded);
    }
    for (int i = 1; i < size; i++) {
      if (retry[i] > retry[chosen]) {
        chosen = i;
      }
    }
    return Decisions.trusted(
        false,
        counts[chosen],
        remaining[chosen],
        retry[chosen],
        reset[chosen],
        windows[chosen],
        degraded);
  }

  ClientStats stats(long[] used, long[] remaining, long[] reset, boolean degraded) {
    List<ClientStats.LimitStats> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(
          new ClientStats.LimitStats(
              counts[i],
              Duration.of(windows[i], ChronoUnit.MICROS),
              used[i],
              remaining[i],
              reset[i] == 0 ? Duration.ZERO : Duration.of(reset[i], ChronoUnit.MICROS)));
    }
    return new ClientStats(out, degraded);
  }

  /** Index of the most restrictive limit: the smallest count, the first on a tie. */
  int smallestCountIndex() {
    int chosen = 0;
    for (int i = 1; i < size; i++) {
      if (counts[i] < counts[chosen]) {
        chosen = i;
      }
    }
    return chosen;
  }
}
