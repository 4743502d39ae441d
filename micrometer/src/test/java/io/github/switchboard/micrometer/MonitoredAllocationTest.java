package io.github.switchboard.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.github.switchboard.core.TimeSource;
import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.DecisionListener;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * The meters allocate nothing per decision: a monitored in-memory {@code tryAcquire} allocates only the
 * {@code Decision} it returns (the JVM's per-thread allocation counter; JMH's {@code MetricsBenchmark} with
 * {@code -prof gc} gives the precise figure).
 */
class MonitoredAllocationTest {
  private static final int ROUND = 200_000;
  private static final Duration SETTLE = Duration.ofSeconds(10);
  /** Where the measured rounds' results go, so that the JIT cannot drop the calls. */
  private static volatile long measured;

  @Test
  void aMonitoredDecisionAllocatesOnlyTheDecision() {
    com.sun.management.ThreadMXBean threads = allocationCounter();

    long[] now = {1_000_000_000_000L};
    TimeSource clock = () -> now[0];
    RateLimitPolicy policy =
        RateLimitPolicy.builder().algorithm(Algorithm.TOKEN_BUCKET).limit(1000, Duration.ofSeconds(1)).build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (RateLimiter l =
        RateLimiterMetrics.monitor(registry, RateLimiters.builder(policy).timeSource(clock).build(), "api")) {
      long sink = 0;
      for (int i = 0; i < 200_000; i++) { // warm-up: the JIT
        now[0] += 1_000;
        sink += l.tryAcquire("k").remaining();
      }
      long[] decisions = {200_000};
      long perDecision = steadyState(threads, () -> {
        long s = 0;
        for (int i = 0; i < ROUND; i++) {
          now[0] += 1_000;
          s += l.tryAcquire("k").remaining();
        }
        decisions[0] += ROUND;
        return s;
      }, bytes -> bytes <= 64);
      System.out.printf("monitored: %d bytes allocated per decision (sink %d)%n", perDecision, sink);
      // a Decision is 56 bytes with compressed oops; anything more would be the meters allocating
      assertThat(perDecision).isLessThanOrEqualTo(64);
      assertThat(new Meters(registry, "api").decisions("allowed", false)).isEqualTo(decisions[0]);
    }
  }

  @Test
  void aShadowDeniedDecisionAllocatesNothingInTheMeters() {
    com.sun.management.ThreadMXBean threads = allocationCounter();

    // one request a day, in shadow mode: every decision after the first is shadow-denied
    RateLimitPolicy policy =
        RateLimitPolicy.builder().limit(1, Duration.ofDays(1)).shadow(true).build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    long[] now = {1_000_000_000_000L};
    TimeSource clock = () -> now[0];
    // the baseline carries a listener that does nothing, so that both limiters are the same calls down to
    // the listener: the JIT's escape analysis of what the limiter allocates for a shadow decision (a denial,
    // then its shadow) depends on the calls around it (112 bytes against 58 once, without the listener)
    DecisionListener nothing = (key, allowed, degraded, nanos) -> {};
    try (RateLimiter plain = RateLimiters.builder(policy).timeSource(clock).decisionListener(nothing).build();
        RateLimiter monitored =
            RateLimiterMetrics.monitor(
                registry, RateLimiters.builder(policy).timeSource(clock).build(), "api")) {
      long sink = 0;
      for (int i = 0; i < 200_000; i++) { // warm-up: the JIT
        now[0] += 1_000;
        sink += plain.tryAcquire("k").remaining() + monitored.tryAcquire("k").remaining();
      }
      long unmonitored = steadyState(threads, () -> {
        long s = 0;
        for (int i = 0; i < ROUND; i++) {
          now[0] += 1_000;
          s += plain.tryAcquire("k").remaining();
        }
        return s;
      }, bytes -> true);
      long[] decisions = {200_000};
      long perDecision = steadyState(threads, () -> {
        long s = 0;
        for (int i = 0; i < ROUND; i++) {
          now[0] += 1_000;
          s += monitored.tryAcquire("k").remaining();
        }
        decisions[0] += ROUND;
        return s;
      }, bytes -> bytes <= unmonitored + 8);
      System.out.printf(
          "shadow-denied: %d bytes per decision monitored, %d without meters (sink %d)%n",
          perDecision, unmonitored, sink);
      // whatever the limiter allocates for a shadow decision, the meters add nothing (8 bytes of noise)
      assertThat(perDecision).isLessThanOrEqualTo(unmonitored + 8);
      assertThat(new Meters(registry, "api").decisions("shadow_denied", false)).isEqualTo(decisions[0] - 1);
    }
  }

  /**
   * The bytes one call allocates once the JIT has compiled the path: the least over rounds of {@value
   * ROUND} calls, at least three. On a loaded machine (the suite runs test JVMs side by side) the compiler
   * may finish after the warm-up, and a round run before it counts allocations that the compiled code,
   * which escape analysis frees of them, does not make (92 bytes against 79 once in CI). Rounds stop once
   * one meets {@code enough}, or after {@link #SETTLE}; an allocation the meters make in compiled code
   * shows in every round, so the least of them still fails the test.
   */
  private static long steadyState(
      com.sun.management.ThreadMXBean threads, LongSupplier round, LongPredicate enough) {
    long tid = Thread.currentThread().getId();
    long least = Long.MAX_VALUE;
    long deadline = System.nanoTime() + SETTLE.toNanos();
    for (int rounds = 1; ; rounds++) {
      long before = threads.getThreadAllocatedBytes(tid);
      measured += round.getAsLong();
      least = Math.min(least, (threads.getThreadAllocatedBytes(tid) - before) / ROUND);
      if (rounds >= 3 && (enough.test(least) || System.nanoTime() > deadline)) {
        return least;
      }
    }
  }

  /** The JVM's per-thread allocation counter, switched on; skips the test where there is none. */
  private static com.sun.management.ThreadMXBean allocationCounter() {
    var mx = ManagementFactory.getThreadMXBean();
    assumeThat(mx).isInstanceOf(com.sun.management.ThreadMXBean.class);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
    assumeThat(threads.isThreadAllocatedMemorySupported()).isTrue();
    threads.setThreadAllocatedMemoryEnabled(true);
    return threads;
  }
}
