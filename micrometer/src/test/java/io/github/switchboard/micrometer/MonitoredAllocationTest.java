package io.github.switchboard.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.github.switchboard.core.TimeSource;
import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The meters allocate nothing per decision: a monitored in-memory {@code tryAcquire} allocates only the
 * {@code Decision} it returns (the JVM's per-thread allocation counter; JMH's {@code MetricsBenchmark} with
 * {@code -prof gc} gives the precise figure).
 */
class MonitoredAllocationTest {

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
      long tid = Thread.currentThread().getId();
      long sink = 0;
      for (int i = 0; i < 200_000; i++) { // warm-up: the JIT
        now[0] += 1_000;
        sink += l.tryAcquire("k").remaining();
      }
      int n = 200_000;
      long before = threads.getThreadAllocatedBytes(tid);
      for (int i = 0; i < n; i++) {
        now[0] += 1_000;
        sink += l.tryAcquire("k").remaining();
      }
      long perDecision = (threads.getThreadAllocatedBytes(tid) - before) / n;
      System.out.printf("monitored: %d bytes allocated per decision (sink %d)%n", perDecision, sink);
      // a Decision is 56 bytes with compressed oops; anything more would be the meters allocating
      assertThat(perDecision).isLessThanOrEqualTo(64);
      assertThat(new Meters(registry, "api").decisions("allowed", false)).isEqualTo(400_000);
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
    try (RateLimiter plain = RateLimiters.builder(policy).timeSource(clock).build();
        RateLimiter monitored =
            RateLimiterMetrics.monitor(
                registry, RateLimiters.builder(policy).timeSource(clock).build(), "api")) {
      long tid = Thread.currentThread().getId();
      long sink = 0;
      for (int i = 0; i < 200_000; i++) { // warm-up: the JIT
        now[0] += 1_000;
        sink += plain.tryAcquire("k").remaining() + monitored.tryAcquire("k").remaining();
      }
      int n = 200_000;
      long before = threads.getThreadAllocatedBytes(tid);
      for (int i = 0; i < n; i++) {
        now[0] += 1_000;
        sink += plain.tryAcquire("k").remaining();
      }
      long unmonitored = (threads.getThreadAllocatedBytes(tid) - before) / n;
      before = threads.getThreadAllocatedBytes(tid);
      for (int i = 0; i < n; i++) {
        now[0] += 1_000;
        sink += monitored.tryAcquire("k").remaining();
      }
      long perDecision = (threads.getThreadAllocatedBytes(tid) - before) / n;
      System.out.printf(
          "shadow-denied: %d bytes per decision monitored, %d without meters (sink %d)%n",
          perDecision, unmonitored, sink);
      // whatever the limiter allocates for a shadow decision, the meters add nothing (8 bytes of noise)
      assertThat(perDecision).isLessThanOrEqualTo(unmonitored + 8);
      assertThat(new Meters(registry, "api").decisions("shadow_denied", false)).isEqualTo(400_000 - 1);
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
