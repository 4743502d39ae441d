package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.ManualTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The one conformance suite every implementation runs (in memory, Redis standalone, Sentinel, Cluster),
 * for every algorithm, with a driven clock ({@link ClockSource#CLIENT} on Redis) so that the expected
 * decisions are exact.
 */
abstract class AbstractRateLimiterConformanceTest {

  /** 2026-01-01T00:00:00Z: a whole number of days, so every window used here starts exactly there. */
  static final long START = 1_767_225_600_000_000L;

  static final long SECOND = 1_000_000L;

  protected ManualTimeSource clock;
  private final List<RateLimiter> created = new ArrayList<>();

  /** Creates a limiter for the policy, on the implementation under test, driven by the clock. */
  protected abstract RateLimiter create(RateLimitPolicy policy, ManualTimeSource clock);

  /** Empties the backend before each test. */
  protected void clean() {}

  @BeforeEach
  void setUpConformance() {
    clean();
    clock = new ManualTimeSource(START);
  }

  @AfterEach
  void closeLimiters() {
    for (RateLimiter l : created) {
      l.close();
    }
    created.clear();
  }

  protected RateLimiter limiter(Algorithm algorithm, long count, Duration window) {
    return limiter(RateLimitPolicy.builder().algorithm(algorithm).limit(count, window).build());
  }

  protected RateLimiter limiter(RateLimitPolicy policy) {
    RateLimiter l = create(policy, clock);
    created.add(l);
    return l;
  }

  private static void assertNotDegraded(Decision d) {
    assertThat(d.degraded()).as("degraded: %s", d).isFalse();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void grantsUpToTheCountThenDenies(Algorithm algorithm) {
    RateLimiter l = limiter(algorithm, 5, Duration.ofSeconds(10));
    for (int i = 0; i < 5; i++) {
      Decision d = l.tryAcquire("client");
      assertNotDegraded(d);
      assertThat(d.allowed()).as("request %d", i).isTrue();
      assertThat(d.limit()).isEqualTo(5);
      assertThat(d.remaining()).isEqualTo(4 - i);
      assertThat(d.retryAfter()).isEqualTo(Duration.ZERO);
      assertThat(d.resetAfter()).isPositive();
    }
    Decision denied = l.tryAcquire("client");
    assertNotDegraded(denied);
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.remaining()).isZero();
    assertThat(denied.retryAfter()).isPositive();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void allowGivesTheSameVerdictsAndRecordsTheSameAsTryAcquire(Algorithm algorithm) {
    RateLimitPolicy policy =
        RateLimitPolicy.builder()
            .algorithm(algorithm)
            .limit(4, Duration.ofSeconds(1))
            .limit(9, Duration.ofSeconds(10))
            .build();
    RateLimiter l = limiter(policy);
    long[] steps = {0, 0, 100_000, 0, 0, 0, 300_000, 700_000, 0, 0, 0, 0, 2_000_000, 0, 0, 9_000_000, 0};
    int granted = 0;
    for (int i = 0; i < steps.length; i++) {
      clock.advanceMicros(steps[i]);
      long permits = 1 + (i % 2);
      Decision full = l.tryAcquire("with-decision", permits);
      assertNotDegraded(full);
      boolean verdict = l.allow("verdict-only", permits);
      assertThat(verdict).as("step %d (%s)", i, full).isEqualTo(full.allowed());
      assertThat(l.stats("verdict-only").limits())
          .as("step %d", i)
          .isEqualTo(l.stats("with-decision").limits());
      granted += verdict ? 1 : 0;
    }
    assertThat(granted).as("some requests were granted and some denied").isBetween(1, steps.length - 1);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void manyGrantsInTheSameMicrosecondEachCount(Algorithm algorithm) {
    // ORIGIN defect 12: members were whole seconds, so grants in one second counted once
    RateLimiter l = limiter(algorithm, 100, Duration.ofMinutes(1));
    for (int i = 0; i < 100; i++) {
      assertThat(l.tryAcquire("same-instant").allowed()).isTrue();
    }
    assertThat(l.tryAcquire("same-instant").allowed()).isFalse();
    assertThat(l.stats("same-instant").limits().get(0).used()).isEqualTo(100);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aDeniedRequestRecordsNothing(Algorithm algorithm) {
    RateLimiter l = limiter(algorithm, 3, Duration.ofSeconds(10));
    for (int i = 0; i < 3; i++) {
      l.tryAcquire("k");
    }
    ClientStats before = l.stats("k");
    for (int i = 0; i < 20; i++) {
      assertThat(l.tryAcquire("k").allowed()).isFalse();
    }
    assertThat(l.stats("k").limits()).isEqualTo(before.limits());
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void retryAfterIsExactToTheMicrosecond(Algorithm algorithm) {
    RateLimiter l = limiter(algorithm, 3, Duration.ofSeconds(10));
    clock.advance(Duration.ofMillis(1500));
    for (int i = 0; i < 3; i++) {
      assertThat(l.tryAcquire("k").allowed()).isTrue();
      clock.advance(Duration.ofMillis(700));
    }
    for (int round = 0; round < 8; round++) {
      Decision denied = l.tryAcquire("k");
      if (denied.allowed()) {
        // the clock moved past a boundary while granting: consume until denied
        continue;
      }
      long retry = denied.retryAfterMicros();
      assertThat(retry).isPositive();
      clock.advanceMicros(retry - 1);
      Decision early = l.tryAcquire("k");
      assertThat(early.allowed()).as("1 µs before retryAfter").isFalse();
      assertThat(early.retryAfterMicros()).isEqualTo(1);
      clock.advanceMicros(1);
      Decision onTime = l.tryAcquire("k");
      assertNotDegraded(onTime);
      assertThat(onTime.allowed()).as("at retryAfter").isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void permitsConsumeThatMany(Algorithm algorithm) {
    RateLimiter l = limiter(algorithm, 10, Duration.ofSeconds(10));
    Decision d = l.tryAcquire("k", 4);
    assertThat(d.allowed()).isTrue();
    assertThat(d.remaining()).isEqualTo(6);
    assertThat(l.tryAcquire("k", 7).allowed()).isFalse();
    assertThat(l.stats("k").limits().get(0).used()).isEqualTo(4);
    Decision last = l.tryAcquire("k", 6);
    assertThat(last.allowed()).isTrue();
    assertThat(last.remaining()).isZero();
    assertThat(l.tryAcquire("k", 1).allowed()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void severalLimitsAreCheckedAndRecordedAtomically(Algorithm algorithm) {
    RateLimiter l =
        limiter(
            RateLimitPolicy.builder()
                .algorithm(algorithm)
                .limit(20, Duration.ofMinutes(1))
                .limit(5, Duration.ofSeconds(1))
                .build());
    for (int i = 0; i < 5; i++) {
      assertThat(l.tryAcquire("k").allowed()).isTrue();
    }
    ClientStats before = l.stats("k");
    assertThat(before.limits()).extracting(ClientStats.LimitStats::used).containsExactly(5L, 5L);
    Decision denied = l.tryAcquire("k");
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.limit()).as("the per-second limit denies").isEqualTo(5);
    assertThat(l.stats("k").limits())
        .as("a denial by one limit leaves both unchanged")
        .isEqualTo(before.limits());

    // a second at a time, until the per-minute limit denies while the per-second one has room; every
    // denial on the way must leave both limits unchanged
    boolean deniedByMinute = false;
    for (int second = 1; second <= 20 && !deniedByMinute; second++) {
      clock.advance(Duration.ofSeconds(1));
      for (int i = 0; i < 5; i++) {
        ClientStats s = l.stats("k");
        Decision d = l.tryAcquire("k");
        assertNotDegraded(d);
        if (!d.allowed()) {
          assertThat(l.stats("k").limits()).as("unchanged by %s", d).isEqualTo(s.limits());
          if (d.limit() == 20 && s.limits().get(0).remaining() > 0) {
            assertThat(d.window()).isEqualTo(Duration.ofMinutes(1));
            deniedByMinute = true;
          }
          break;
        }
      }
    }
    assertThat(deniedByMinute).isTrue();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void anAllowedDecisionReportsTheMostRestrictiveLimit(Algorithm algorithm) {
    RateLimiter l =
        limiter(
            RateLimitPolicy.builder()
                .algorithm(algorithm)
                .limit(3, Duration.ofSeconds(10))
                .limit(100, Duration.ofHours(1))
                .build());
    Decision d = l.tryAcquire("k");
    assertThat(d.limit()).isEqualTo(3);
    assertThat(d.remaining()).isEqualTo(2);
    assertThat(d.window()).isEqualTo(Duration.ofSeconds(10));
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void keysAreIsolatedWhateverTheyContain(Algorithm algorithm) {
    RateLimiter l = limiter(algorithm, 2, Duration.ofSeconds(30));
    List<String> keys =
        List.of(
            "a",
            "A",
            "a}",
            "{a}",
            "{a",
            "a:b",
            "a{b}c",
            "}{",
            "ключ",
            "鍵🔑",
            " ",
            "x".repeat(1024),
            "é".repeat(512));
    for (String k : keys) {
      assertThat(l.tryAcquire(k, 2).allowed()).as("first use of %s", k).isTrue();
    }
    for (String k : keys) {
      assertThat(l.tryAcquire(k).allowed()).as("second use of %s", k).isFalse();
      assertThat(l.stats(k).limits().get(0).used()).isEqualTo(2);
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void resetForgetsOnlyThatKey(Algorithm algorithm) {
    RateLimiter l = limiter(algorithm, 2, Duration.ofSeconds(30));
    l.tryAcquire("a", 2);
    l.tryAcquire("b", 2);
    l.reset("a");
    assertThat(l.stats("a").limits().get(0).used()).isZero();
    assertThat(l.tryAcquire("a", 2).allowed()).isTrue();
    assertThat(l.tryAcquire("b").allowed()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void statsOfAnUnknownKeyShowAFullQuota(Algorithm algorithm) {
    RateLimiter l = limiter(algorithm, 7, Duration.ofSeconds(30));
    ClientStats s = l.stats("never-seen");
    assertThat(s.degraded()).isFalse();
    assertThat(s.limits()).hasSize(1);
    ClientStats.LimitStats ls = s.limits().get(0);
    assertThat(ls.count()).isEqualTo(7);
    assertThat(ls.window()).isEqualTo(Duration.ofSeconds(30));
    assertThat(ls.used()).isZero();
    assertThat(ls.remaining()).isEqualTo(7);
    assertThat(ls.resetAfter()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void asyncDecidesLikeSync(Algorithm algorithm) {
    RateLimiter l = limiter(algorithm, 2, Duration.ofSeconds(30));
    Decision a = l.tryAcquireAsync("k", 1).toCompletableFuture().join();
    Decision b = l.tryAcquireAsync("k", 1).toCompletableFuture().join();
    Decision c = l.tryAcquireAsync("k", 1).toCompletableFuture().join();
    assertThat(a.allowed()).isTrue();
    assertThat(a.remaining()).isEqualTo(1);
    assertThat(b.allowed()).isTrue();
    assertThat(c.allowed()).isFalse();
    assertNotDegraded(c);
  }

  // ---- exact, algorithm-specific sequences (3 per 10 s unless said) ----

  @Test
  void fixedWindowCountsPerEpochAlignedWindow() {
    RateLimiter l = limiter(Algorithm.FIXED_WINDOW, 3, Duration.ofSeconds(10));
    clock.advanceMicros(9 * SECOND);
    for (int i = 0; i < 3; i++) {
      Decision d = l.tryAcquire("k");
      assertThat(d.allowed()).isTrue();
      assertThat(d.resetAfterMicros()).isEqualTo(SECOND);
    }
    Decision denied = l.tryAcquire("k");
    assertThat(denied.retryAfterMicros()).isEqualTo(SECOND);
    clock.advanceMicros(SECOND); // a new window starts at START + 10 s
    for (int i = 0; i < 3; i++) {
      assertThat(l.tryAcquire("k").allowed()).isTrue();
    }
    assertThat(l.tryAcquire("k").retryAfterMicros()).isEqualTo(10 * SECOND);
  }

  @Test
  void slidingWindowLogForgetsEachGrantExactlyOneWindowLater() {
    RateLimiter l = limiter(Algorithm.SLIDING_WINDOW_LOG, 3, Duration.ofSeconds(10));
    for (int i = 0; i < 3; i++) {
      assertThat(l.tryAcquire("k").allowed()).isTrue();
      clock.advanceMicros(SECOND);
    }
    // now START + 3 s; the first grant (at START) leaves at START + 10 s
    Decision denied = l.tryAcquire("k");
    assertThat(denied.retryAfterMicros()).isEqualTo(7 * SECOND);
    assertThat(denied.resetAfterMicros()).isEqualTo(9 * SECOND);
    clock.advanceMicros(7 * SECOND);
    Decision d = l.tryAcquire("k");
    assertThat(d.allowed()).isTrue();
    assertThat(d.remaining()).isZero();
    assertThat(l.tryAcquire("k").retryAfterMicros()).isEqualTo(SECOND);
  }

  @Test
  void slidingWindowCounterWeighsThePreviousBucket() {
    RateLimiter l = limiter(Algorithm.SLIDING_WINDOW_COUNTER, 10, Duration.ofSeconds(10));
    assertThat(l.tryAcquire("k", 10).allowed()).isTrue();
    clock.advanceMicros(10 * SECOND); // next bucket, previous (10) weighs 100%
    Decision denied = l.tryAcquire("k");
    assertThat(denied.allowed()).isFalse();
    // allowed once 10 * r <= 9 * W, r = W - elapsed: elapsed >= 1 s
    assertThat(denied.retryAfterMicros()).isEqualTo(SECOND);
    clock.advanceMicros(5 * SECOND); // weight 50%: estimate ceil(10 * 0.5) = 5
    ClientStats.LimitStats s = l.stats("k").limits().get(0);
    assertThat(s.used()).isEqualTo(5);
    assertThat(s.remaining()).isEqualTo(5);
    assertThat(s.resetAfter()).isEqualTo(Duration.ofSeconds(5));
    Decision d = l.tryAcquire("k", 5);
    assertThat(d.allowed()).isTrue();
    assertThat(d.remaining()).isZero();
    assertThat(d.resetAfterMicros()).isEqualTo(15 * SECOND);
    // 5 + ceil(10 * r / W) + 1 <= 10 once r <= 4 s, i.e. one second later
    Decision again = l.tryAcquire("k");
    assertThat(again.allowed()).isFalse();
    assertThat(again.retryAfterMicros()).isEqualTo(SECOND);
  }

  @Test
  void tokenBucketRefillsOnePermitPerEmissionInterval() {
    // 2 per 10 s: emission interval 5 s, burst 2
    RateLimiter l = limiter(Algorithm.TOKEN_BUCKET, 2, Duration.ofSeconds(10));
    Decision first = l.tryAcquire("k");
    assertThat(first.remaining()).isEqualTo(1);
    assertThat(first.resetAfterMicros()).isEqualTo(5 * SECOND);
    assertThat(l.tryAcquire("k").remaining()).isZero();
    Decision denied = l.tryAcquire("k");
    assertThat(denied.retryAfterMicros()).isEqualTo(5 * SECOND);
    assertThat(denied.resetAfterMicros()).isEqualTo(10 * SECOND);
    clock.advanceMicros(5 * SECOND);
    assertThat(l.tryAcquire("k").allowed()).isTrue();
    assertThat(l.tryAcquire("k").allowed()).isFalse();
    clock.advanceMicros(30 * SECOND);
    assertThat(l.tryAcquire("k", 2).allowed()).as("the burst is back, not more").isTrue();
    assertThat(l.tryAcquire("k").allowed()).isFalse();
  }

  @Test
  void tokenBucketRoundsTheEmissionIntervalUp() {
    // 3 per 10 s: interval ceil(10 s / 3) = 3 333 334 µs, so never more than 3 per 10 s on average
    RateLimiter l = limiter(Algorithm.TOKEN_BUCKET, 3, Duration.ofSeconds(10));
    l.tryAcquire("k", 3);
    Decision denied = l.tryAcquire("k");
    assertThat(denied.retryAfterMicros()).isEqualTo(3_333_334L);
    assertThat(denied.resetAfterMicros()).isEqualTo(10_000_002L);
  }
}
