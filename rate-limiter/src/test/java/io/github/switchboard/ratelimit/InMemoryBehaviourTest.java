package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.ratelimit.internal.InMemoryRateLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** In-memory specifics: eviction of idle keys with the driven clock, and exactness under threads. */
class InMemoryBehaviourTest {

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void idleKeysAreEvictedOnceTheirWindowsAreEmpty(Algorithm algorithm) {
    ManualTimeSource clock = new ManualTimeSource(AbstractRateLimiterConformanceTest.START);
    RateLimitPolicy policy =
        RateLimitPolicy.builder()
            .algorithm(algorithm)
            .limit(5, Duration.ofSeconds(1))
            .limit(50, Duration.ofSeconds(10))
            .build();
    try (InMemoryRateLimiter l = new InMemoryRateLimiter(policy, clock)) {
      for (int i = 0; i < 1000; i++) {
        l.tryAcquire("idle-" + i);
      }
      assertThat(l.size()).isEqualTo(1000);
      // no window is empty yet (a bucket refills one permit in 200 ms): nothing may be evicted
      clock.advance(Duration.ofMillis(100));
      for (int i = 0; i < 300; i++) {
        l.tryAcquire("busy-" + i);
      }
      assertThat(l.size()).isEqualTo(1300);
      assertThat(l.stats("idle-7").limits().get(1).used()).isPositive();
      // 25 s later every window is empty (the counter keeps a bucket for 2 windows): new keys sweep
      clock.advance(Duration.ofSeconds(25));
      for (int i = 0; i < 500; i++) {
        l.tryAcquire("new-" + i);
      }
      // each insertion inspects 3 entries: 1500 inspections cover the 1300 idle keys
      assertThat(l.size()).isLessThanOrEqualTo(500);
      assertThat(l.stats("idle-7").limits().get(1).used()).isZero();
      assertThat(l.tryAcquire("new-1").remaining()).as("live keys are kept").isEqualTo(3);
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void trafficOnOneKeyAlsoSweeps(Algorithm algorithm) {
    ManualTimeSource clock = new ManualTimeSource(AbstractRateLimiterConformanceTest.START);
    RateLimitPolicy policy =
        RateLimitPolicy.builder().algorithm(algorithm).limit(1_000_000, Duration.ofSeconds(1)).build();
    try (InMemoryRateLimiter l = new InMemoryRateLimiter(policy, clock)) {
      for (int i = 0; i < 200; i++) {
        l.tryAcquire("idle-" + i);
      }
      clock.advance(Duration.ofSeconds(3));
      // about one call in 64 inspects 4 entries: 40 000 calls make ~2 500 inspections
      for (int i = 0; i < 40_000; i++) {
        l.tryAcquire("hot");
      }
      assertThat(l.size()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void exactUnderConcurrency(Algorithm algorithm) throws Exception {
    // a driven clock that never moves: exactly `count` grants, whatever the interleaving
    ManualTimeSource clock = new ManualTimeSource(AbstractRateLimiterConformanceTest.START);
    RateLimitPolicy policy =
        RateLimitPolicy.builder()
            .algorithm(algorithm)
            .limit(1000, Duration.ofSeconds(10))
            .limit(1500, Duration.ofMinutes(1))
            .build();
    try (RateLimiter l = RateLimiters.builder(policy).timeSource(clock).build()) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      AtomicLong granted = new AtomicLong();
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  for (int i = 0; i < 500; i++) {
                    if (l.tryAcquire("one-key", 1 + (i % 3)).allowed()) {
                      granted.addAndGet(1 + (i % 3));
                    }
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertThat(l.stats("one-key").limits().get(0).used()).isEqualTo(granted.get());
      assertThat(granted.get()).isBetween(998L, 1000L);
      assertThat(l.tryAcquire("one-key").allowed()).isFalse();
    }
  }
}
