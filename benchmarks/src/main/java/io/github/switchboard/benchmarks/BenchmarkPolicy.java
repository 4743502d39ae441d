package io.github.switchboard.benchmarks;

import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import java.time.Duration;

/*
 * The policies: real, but never limiting.
 *
 * Throughput is measured on the path every granted request takes: read the key's state, check every limit,
 * record the grant. So each limiter gets a limit far above what this machine can reach, and the harness
 * fails a trial outright if a single request is denied (a denied request does less work, most of all for
 * the sliding-window log, which does not record it, so one denial would make a number look better than it
 * is).
 *
 *   Switchboard SLIDING_WINDOW_LOG, SLIDING_WINDOW_COUNTER, FIXED_WINDOW: 10^9 permits per 1 s
 *     (10^9 is RateLimitPolicy.MAX_COUNT). The log keeps every grant of the last second, so its state is as
 *     large as the throughput: that is the algorithm's real cost and it is measured as such.
 *   Switchboard TOKEN_BUCKET (GCRA): 10^9 permits per 1000 s. GCRA in integer microseconds cannot refill
 *     faster than one permit per microsecond (emission interval = ceil(window / count) >= 1 µs), so the
 *     finest rate is used with the largest burst: 10^9 grants are allowed before the bucket would run dry,
 *     more than a trial of the full mode makes on one key (the no-denial check would say otherwise).
 *   Bucket4j (local and Lettuce): capacity 10^9, greedy refill of 10^9 per 1 s.
 *   Guava: RateLimiter.create(10^9) (10^9 permits per second, SmoothBursty).
 *   resilience4j: limitForPeriod 10^9, limitRefreshPeriod 1 s, timeout 0.
 *   Redisson: RRateLimiter trySetRate(OVERALL, 10^9, 1 s).
 *   Raw EVALSHA: the Switchboard Redis policy of the same algorithm, its arguments precomputed.
 */
/** The never-limiting policies every limiter under test is configured with. */
final class BenchmarkPolicy {
  private BenchmarkPolicy() {}

  /** Permits per {@link #PERIOD} for every peer in memory. */
  static final long MEMORY_RATE_PER_SECOND = 1_000_000_000L;

  /** Permits per {@link #PERIOD} for every peer on Redis. */
  static final long REDIS_RATE_PER_SECOND = 1_000_000_000L;

  /** The refill period or window of the peers, and of Switchboard's window-based algorithms. */
  static final Duration PERIOD = Duration.ofSeconds(1);

  /** Switchboard's count for every algorithm (its maximum). */
  static final long COUNT = RateLimitPolicy.MAX_COUNT;

  /** TOKEN_BUCKET's window: with {@link #COUNT}, an emission interval of exactly 1 µs. */
  static final Duration TOKEN_BUCKET_WINDOW = Duration.ofSeconds(1000);

  /**
   * Switchboard's policy for an algorithm.
   *
   * @param algorithm the algorithm
   * @return the policy
   */
  static RateLimitPolicy switchboard(Algorithm algorithm) {
    Duration window = algorithm == Algorithm.TOKEN_BUCKET ? TOKEN_BUCKET_WINDOW : PERIOD;
    return RateLimitPolicy.builder().algorithm(algorithm).limit(COUNT, window).build();
  }
}
