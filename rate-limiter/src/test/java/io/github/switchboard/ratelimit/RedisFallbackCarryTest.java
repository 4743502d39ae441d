package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two limiters (two coordinators, expectedInstances 2) on one Redis, on a hand-driven clock: what their
 * LOCAL fallbacks granted while Redis was gone is carried back when it returns, and what Redis knew
 * before it went seeds the fallbacks, so that a key gets at most 1.2x what its policy allows across a
 * kill, an outage and an empty restart; after a pause that keeps Redis's data nothing is counted twice.
 */
class RedisFallbackCarryTest {
  private static final long SECOND = 1_000_000L;
  private static final String KEY = "k";
  /** Calls made only to move the breakers (while Redis is paused they may still reach it later). */
  private static final String OTHER = "other";

  private static RateLimiter limiter(RedisServer redis, RateLimitPolicy policy, ManualTimeSource clock) {
    return RateLimiters.builder(policy)
        .redis(redis.target())
        .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofMillis(250)).build())
        .clock(ClockSource.CLIENT)
        .timeSource(clock)
        .expectedInstances(2)
        .localDenyCache(false) // the worst case: every call reaches Redis or the fallback
        .circuitBreakerConfig(
            CircuitBreakerConfig.custom()
                .slidingWindowSize(10)
                .minimumNumberOfCalls(3)
                .failureRateThreshold(50)
                // long enough that the calls a test makes in the open state never probe a paused Redis
                .waitDurationInOpenState(Duration.ofSeconds(3))
                .permittedNumberOfCallsInHalfOpenState(2)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .build())
        .build();
  }

  /** Every call on KEY goes to one of the two limiters in turn and to a healthy reference. */
  private static final class Run {
    final RateLimiter[] pair;
    final RateLimiter reference;
    final ManualTimeSource clock;
    final List<Long> granted = new ArrayList<>();
    final List<Long> referenceGranted = new ArrayList<>();
    int turn;

    Run(RateLimiter a, RateLimiter b, RateLimiter reference, ManualTimeSource clock) {
      this.pair = new RateLimiter[] {a, b};
      this.reference = reference;
      this.clock = clock;
    }

    /** n calls on KEY, alternating; returns how many were granted. */
    int calls(int n) {
      int ok = 0;
      for (int i = 0; i < n; i++) {
        long now = clock.currentTimeMicros();
        if (pair[turn++ & 1].tryAcquire(KEY).allowed()) {
          granted.add(now);
          ok++;
        }
        if (reference.tryAcquire(KEY).allowed()) {
          referenceGranted.add(now);
        }
      }
      return ok;
    }

    /** Calls on OTHER until both limiters are in the state. */
    void until(BackendState state) {
      await("both limiters " + state)
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(20))
          .until(
              () -> {
                for (RateLimiter l : pair) {
                  if (l.backendState() != state) {
                    l.tryAcquire(OTHER);
                  }
                }
                return pair[0].backendState() == state && pair[1].backendState() == state;
              });
    }

    static long in(List<Long> times, long from, long to) {
      return times.stream().filter(t -> t >= from && t < to).count();
    }
  }

  /*
   * The worst case of a window: Redis grants the whole limit at T0, is killed at T0 + 10 s, restarts
   * empty at T0 + 30 s; the key is hammered throughout. Without the seed, each fallback grants its half
   * again at T0 + 10 s; without the carry, the restarted Redis grants the whole limit again.
   */
  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void killOutageAndEmptyRestartStayWithinTheLimit(Algorithm algorithm) throws Exception {
    RateLimitPolicy policy =
        RateLimitPolicy.builder().algorithm(algorithm).limit(20, Duration.ofSeconds(60)).build();
    ManualTimeSource clock = new ManualTimeSource(AbstractRateLimiterConformanceTest.START);
    long t0 = clock.currentTimeMicros();
    try (RedisServer redis = RedisHarness.standalone();
        RateLimiter a = limiter(redis, policy, clock);
        RateLimiter b = limiter(redis, policy, clock);
        RateLimiter reference = RateLimiters.builder(policy).timeSource(clock).build()) {
      Run run = new Run(a, b, reference, clock);
      assertThat(run.calls(30)).as("Redis grants the limit").isEqualTo(20);

      clock.advanceMicros(10 * SECOND);
      redis.kill();
      run.until(BackendState.FALLBACK);
      int atKill = run.calls(20);
      clock.advanceMicros(10 * SECOND);
      int inOutage = run.calls(20);

      clock.advanceMicros(10 * SECOND);
      redis.restart();
      run.until(BackendState.PRIMARY);
      int afterRestart = run.calls(20);
      clock.advanceMicros(10 * SECOND);
      afterRestart += run.calls(20);
      for (long at : new long[] {61, 100, 130}) {
        clock.advanceMicros(at * SECOND - (clock.currentTimeMicros() - t0));
        run.calls(20);
      }

      long first = Run.in(run.granted, t0, t0 + 60 * SECOND);
      long firstRef = Run.in(run.referenceGranted, t0, t0 + 60 * SECOND);
      long second = Run.in(run.granted, t0 + 60 * SECOND, t0 + 120 * SECOND);
      long secondRef = Run.in(run.referenceGranted, t0 + 60 * SECOND, t0 + 120 * SECOND);
      System.out.printf(
          "[%s] first minute (kill, outage, empty restart): %d granted, %.2fx of the %d a healthy Redis"
              + " grants (at the kill %d, in the outage %d, after the restart %d); second minute %d"
              + " against %d%n",
          algorithm, first, (double) first / firstRef, firstRef, atKill, inOutage, afterRestart, second,
          secondRef);
      assertThat((double) first).as("the first minute").isLessThanOrEqualTo(1.2 * firstRef);
      assertThat((double) second).as("the second minute").isLessThanOrEqualTo(1.2 * secondRef);
      assertThat(second).as("the key is served again once the carried usage has passed").isPositive();
    }
  }

  /*
   * A pause keeps Redis's data: the fallbacks' own grants are added to it, and what seeded them (which
   * Redis still has) is not added again. Clock frozen, so each count is exact.
   */
  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aPauseThatKeepsTheDataCountsNothingTwice(Algorithm algorithm) throws Exception {
    RateLimitPolicy policy =
        RateLimitPolicy.builder().algorithm(algorithm).limit(40, Duration.ofSeconds(60)).build();
    ManualTimeSource clock = new ManualTimeSource(AbstractRateLimiterConformanceTest.START);
    try (RedisServer redis = RedisHarness.standalone();
        RateLimiter a = limiter(redis, policy, clock);
        RateLimiter b = limiter(redis, policy, clock);
        RateLimiter reference = RateLimiters.builder(policy).timeSource(clock).build()) {
      Run run = new Run(a, b, reference, clock);
      assertThat(run.calls(16)).as("Redis grants them all").isEqualTo(16);

      redis.pause();
      int inPause;
      try {
        run.until(BackendState.FALLBACK);
        inPause = run.calls(10);
        assertThat(a.backendState()).as("no probe reached the paused Redis").isEqualTo(BackendState.FALLBACK);
      } finally {
        redis.resume();
      }
      assertThat(inPause).as("each fallback, seeded with half of the 16, grants 5 of its 12").isEqualTo(10);
      run.until(BackendState.PRIMARY);
      int after = run.calls(40);
      System.out.printf(
          "[%s] pause: 16 granted by Redis, %d by the fallbacks, %d after the resume (40 in all expected)%n",
          algorithm, inPause, after);
      assertThat(after)
          .as("Redis has its 16 and the fallbacks' 10, not the seeds again: 40 - 26")
          .isEqualTo(14);
    }
  }
}
