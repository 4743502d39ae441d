package io.github.switchboard.ratelimit;

import io.github.switchboard.core.testing.ManualTimeSource;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Random request/time sequences, run the same way against any limiter (shared by jqwik and JUnit). */
final class Scenarios {
  static final long START = AbstractRateLimiterConformanceTest.START;

  /** One step: move the clock, then ask for permits (or read the statistics). */
  record Step(long advanceMicros, String key, int permits, boolean stats) {}

  private Scenarios() {}

  /** Runs the steps; the result lists every Decision and ClientStats, in order. */
  static List<Object> run(RateLimiter limiter, ManualTimeSource clock, List<Step> steps) {
    List<Object> out = new ArrayList<>();
    long maxPermits = limiter.policy().smallestCount();
    for (Step s : steps) {
      clock.advanceMicros(s.advanceMicros());
      if (s.stats()) {
        // the local deny cache's count is this instance's, not the client's state: left out
        out.add(limiter.stats(s.key()).withLocalDenials(0));
      } else {
        out.add(limiter.tryAcquire(s.key(), Math.min(s.permits(), maxPermits)));
      }
    }
    return out;
  }

  static RateLimitPolicy randomPolicy(Random r) {
    RateLimitPolicy.Builder b =
        RateLimitPolicy.builder().algorithm(Algorithm.values()[r.nextInt(Algorithm.values().length)]);
    int n = 1 + r.nextInt(3);
    List<Long> windows = new ArrayList<>();
    while (windows.size() < n) {
      long w = 1_000_000L + (long) (r.nextDouble() * 119_000_000L);
      if (!windows.contains(w)) {
        windows.add(w);
        b.limit(1 + r.nextInt(6), Duration.of(w, ChronoUnit.MICROS));
      }
    }
    return b.build();
  }

  static List<Step> randomSteps(Random r) {
    int n = 1 + r.nextInt(60);
    String[] keys = {"a", "b", "{a}"};
    List<Step> steps = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int kind = r.nextInt(10);
      long advance =
          kind < 3 ? 0 : kind < 5 ? 1 + r.nextInt(2_000) : 1 + (long) (r.nextDouble() * 30_000_000L);
      steps.add(new Step(advance, keys[r.nextInt(keys.length)], 1 + r.nextInt(6), r.nextInt(10) == 0));
    }
    return steps;
  }
}
