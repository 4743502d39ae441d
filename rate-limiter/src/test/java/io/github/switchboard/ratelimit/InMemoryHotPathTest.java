package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.github.switchboard.core.TimeSource;
import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.ratelimit.internal.InMemoryRateLimiter;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The in-memory hot path: a client below its rate keeps its state (no evict-and-rebuild), idle state is
 * still evicted after the grace period, and a one-key steady state allocates nothing but the Decision (the
 * sweep's cursor included).
 */
class InMemoryHotPathTest {

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void anActiveClientBelowItsRateKeepsItsStateUntilTheGracePeriodEnds(Algorithm algorithm) {
    ManualTimeSource clock = new ManualTimeSource(AbstractRateLimiterConformanceTest.START);
    // 100 per 10 s: a GCRA bucket is full again 100 ms after a grant, long before these keys return
    RateLimitPolicy policy =
        RateLimitPolicy.builder().algorithm(algorithm).limit(100, Duration.ofSeconds(10)).build();
    try (InMemoryRateLimiter l = new InMemoryRateLimiter(policy, clock)) {
      for (int i = 0; i < 500; i++) {
        l.tryAcquire("steady-" + i);
      }
      // every 2 s each key is used again; meanwhile new keys (3 entries swept each) and one hot key (4 entries
      // every 64th call) give the sweep far more than enough turns to see every entry several times
      for (int round = 0; round < 4; round++) {
        clock.advance(Duration.ofSeconds(2));
        for (int i = 0; i < 500; i++) {
          l.tryAcquire("churn-" + round + "-" + i);
        }
        for (int i = 0; i < 20_000; i++) {
          l.tryAcquire("hot", 1);
        }
        if (algorithm == Algorithm.TOKEN_BUCKET) {
          // a bucket at full: idle, but used within the grace period (10 s), so it is kept
          assertThat(l.stats("steady-7").limits().get(0).remaining()).isEqualTo(100);
        }
        for (int i = 0; i < 500; i++) {
          assertThat(l.tryAcquire("steady-" + i).allowed()).isTrue();
        }
      }
      // 8 s in, nothing is older than the grace period of 10 s: nothing was evicted
      assertThat(l.size()).isEqualTo(500 + 4 * 500 + 1);
      // 21 s later every state is idle (the counter keeps a bucket for two windows) and past the grace
      clock.advance(Duration.ofSeconds(21));
      for (int i = 0; i < 2_000; i++) {
        l.tryAcquire("late-" + i);
      }
      // 6 000 inspections over about 4 500 entries: all the old ones are gone
      assertThat(l.size()).isLessThanOrEqualTo(2_000);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Algorithm.class,
      names = {"TOKEN_BUCKET", "FIXED_WINDOW"})
  void aOneKeySteadyStateAllocatesAtMostTheDecision(Algorithm algorithm) throws Exception {
    var mx = ManagementFactory.getThreadMXBean();
    assumeThat(mx).isInstanceOf(com.sun.management.ThreadMXBean.class);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
    assumeThat(threads.isThreadAllocatedMemorySupported()).isTrue();
    HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    // with compressed class pointers a Decision (5 longs, 2 booleans) is exactly 56 bytes
    assumeThat(hs.getVMOption("UseCompressedClassPointers").getValue()).isEqualTo("true");
    threads.setThreadAllocatedMemoryEnabled(true);

    long[] now = {AbstractRateLimiterConformanceTest.START};
    TimeSource clock = () -> now[0];
    RateLimitPolicy policy =
        RateLimitPolicy.builder().algorithm(algorithm).limit(1_000_000_000L, Duration.ofSeconds(1000)).build();
    try (RateLimiter l = RateLimiters.builder(policy).timeSource(clock).build()) {
      long tid = Thread.currentThread().getId();
      long sink = 0;
      for (int i = 0; i < 300_000; i++) {
        now[0] += 1;
        sink += l.tryAcquire("k").remaining();
      }
      int n = 1_000_000;
      long before = threads.getThreadAllocatedBytes(tid);
      for (int i = 0; i < n; i++) {
        now[0] += 1;
        sink += l.tryAcquire("k").remaining();
      }
      double perDecision = (threads.getThreadAllocatedBytes(tid) - before) / (double) n;
      System.out.printf("%s one key: %.3f bytes per decision (sink %d)%n", algorithm, perDecision, sink);
      // 56 if the Decision is allocated, 0 if escape analysis removed it; the sweep's iterator used to add
      // 3.5 (a new iterator on 4 of every 64 calls)
      assertThat(perDecision).isLessThanOrEqualTo(56.5);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Algorithm.class,
      names = {"TOKEN_BUCKET", "FIXED_WINDOW", "SLIDING_WINDOW_COUNTER"})
  void allowOnAnExistingKeyAllocatesNothing(Algorithm algorithm) throws Exception {
    var mx = ManagementFactory.getThreadMXBean();
    assumeThat(mx).isInstanceOf(com.sun.management.ThreadMXBean.class);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
    assumeThat(threads.isThreadAllocatedMemorySupported()).isTrue();
    threads.setThreadAllocatedMemoryEnabled(true);

    long[] now = {AbstractRateLimiterConformanceTest.START};
    TimeSource clock = () -> now[0];
    RateLimitPolicy policy =
        RateLimitPolicy.builder().algorithm(algorithm).limit(1_000_000L, Duration.ofSeconds(1)).build();
    try (RateLimiter l = RateLimiters.builder(policy).timeSource(clock).build()) {
      long tid = Thread.currentThread().getId();
      long granted = 0;
      for (int i = 0; i < 300_000; i++) {
        now[0] += 10; // 100,000 a second: a tenth of the limit
        granted += l.allow("k") ? 1 : 0;
      }
      int n = 1_000_000;
      long before = threads.getThreadAllocatedBytes(tid);
      for (int i = 0; i < n; i++) {
        now[0] += 10; // 100,000 a second: a tenth of the limit
        granted += l.allow("k") ? 1 : 0;
      }
      double perDecision = (threads.getThreadAllocatedBytes(tid) - before) / (double) n;
      System.out.printf("%s one key, allow(): %.3f bytes per decision%n", algorithm, perDecision);
      assertThat(granted).isEqualTo(1_300_000);
      // a Decision is 56 bytes: well under one per call means none is built; the bound leaves room for the
      // amortised sweep bookkeeping
      assertThat(perDecision).isLessThan(2.0);
    }
  }
}
