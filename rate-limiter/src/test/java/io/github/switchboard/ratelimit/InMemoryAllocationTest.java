package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.github.switchboard.core.TimeSource;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * On an existing key, an in-memory decision allocates only the {@link Decision} it returns (measured with
 * the JVM's per-thread allocation counter). JMH with {@code -prof gc} gives the precise figure.
 */
class InMemoryAllocationTest {

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aDecisionOnAnExistingKeyAllocatesOnlyTheDecision(Algorithm algorithm) {
    var mx = ManagementFactory.getThreadMXBean();
    assumeThat(mx).isInstanceOf(com.sun.management.ThreadMXBean.class);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
    assumeThat(threads.isThreadAllocatedMemorySupported()).isTrue();
    threads.setThreadAllocatedMemoryEnabled(true);

    long[] now = {AbstractRateLimiterConformanceTest.START};
    TimeSource clock = () -> now[0];
    RateLimitPolicy policy =
        RateLimitPolicy.builder()
            .algorithm(algorithm)
            .limit(50, Duration.ofSeconds(1))
            .limit(1000, Duration.ofMinutes(1))
            .build();
    try (RateLimiter l = RateLimiters.builder(policy).timeSource(clock).build()) {
      long tid = Thread.currentThread().getId();
      long sink = 0;
      for (int i = 0; i < 200_000; i++) { // warm-up: JIT, and the log reaches its full size
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
      System.out.printf("%s: %d bytes allocated per decision (sink %d)%n", algorithm, perDecision, sink);
      // a Decision is 56 bytes with compressed oops; anything more would be a second object per call
      assertThat(perDecision).isLessThanOrEqualTo(64);
    }
  }
}
