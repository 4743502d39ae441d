package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.ratelimit.internal.InMemoryRateLimiter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * maximumKeys: a flood of distinct keys keeps the map at the bound and the heap flat; a client that is
 * kept never gets more than its limit while others are evicted; idle clients make room first, at no
 * loss.
 */
class InMemoryBoundTest {
  private static final long START = AbstractRateLimiterConformanceTest.START;

  private static RateLimitPolicy policy(Algorithm a) {
    return RateLimitPolicy.builder().algorithm(a).limit(5, Duration.ofMinutes(1)).build();
  }

  private static long usedHeapAfterGc(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  /** Slow-ish (about 1 to 3 s): a million decisions. */
  @Test
  void aMillionDistinctKeysStayWithinTheBoundAndTheHeapStaysFlat() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    ManualTimeSource clock = new ManualTimeSource(START);
    long before = usedHeapAfterGc(memory);
    try (RateLimiter l =
        RateLimiters.builder(policy(Algorithm.SLIDING_WINDOW_LOG))
            .timeSource(clock)
            .maximumKeys(10_000)
            .build()) {
      InMemoryRateLimiter m = (InMemoryRateLimiter) l;
      for (int i = 0; i < 1_000_000; i++) {
        clock.advanceMicros(1);
        assertThat(l.allow("client-" + i)).isTrue();
      }
      assertThat(m.size()).isLessThanOrEqualTo(10_000);
      long grown = usedHeapAfterGc(memory) - before;
      assertThat(grown).as("heap growth in bytes").isLessThan(60L * 1024 * 1024);
      assertThat(m.evictions()).isGreaterThanOrEqualTo(1_000_000 - 10_000);
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aKeptClientNeverGetsMoreThanItsLimit(Algorithm algorithm) {
    ManualTimeSource clock = new ManualTimeSource(START);
    try (RateLimiter l =
        RateLimiters.builder(policy(algorithm)).timeSource(clock).maximumKeys(50).build()) {
      long granted = 0;
      for (int i = 0; i < 20_000; i++) {
        clock.advanceMicros(1); // 20 ms in all: well inside the minute
        l.tryAcquire("flood-" + i);
        // used every 4th call, "steady" is always among the 4 most recent keys: never the least
        // recently used of a sample of 8, so it is kept, and a kept client gets exactly its limit
        if (i % 4 == 0 && l.tryAcquire("steady").allowed()) {
          granted++;
        }
      }
      assertThat(granted).isEqualTo(5);
      assertThat(((InMemoryRateLimiter) l).evictions()).isPositive();
      assertThat(((InMemoryRateLimiter) l).size()).isLessThanOrEqualTo(50);
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void idleClientsMakeRoomWithoutEvictingAnyone(Algorithm algorithm) {
    ManualTimeSource clock = new ManualTimeSource(START);
    try (RateLimiter l =
        RateLimiters.builder(policy(algorithm)).timeSource(clock).maximumKeys(100).build()) {
      for (int i = 0; i < 100; i++) {
        l.tryAcquire("old-" + i);
      }
      clock.advance(Duration.ofMinutes(3)); // every old client is back to full: idle
      for (int i = 0; i < 100; i++) {
        assertThat(l.tryAcquire("new-" + i).allowed()).isTrue();
      }
      assertThat(((InMemoryRateLimiter) l).evictions()).isZero();
      assertThat(((InMemoryRateLimiter) l).size()).isLessThanOrEqualTo(100);
    }
  }

  @Test
  void theBoundIsValidated() {
    assertThatThrownBy(() -> RateLimiters.builder(policy(Algorithm.FIXED_WINDOW)).maximumKeys(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maximumKeys must be at least 1, was 0");
  }
}
