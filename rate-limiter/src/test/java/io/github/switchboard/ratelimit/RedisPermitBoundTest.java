package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One call's permits are bounded so that no call holds Redis: a million-permit request on a
 * sliding-window log is refused naming the bound; the largest accepted one leaves a concurrent PING
 * answered well within 500 ms; the other algorithms take a million permits in O(1).
 */
class RedisPermitBoundTest {
  private static RateLimitPolicy huge(Algorithm algorithm) {
    return RateLimitPolicy.builder().algorithm(algorithm).limit(10_000_000, Duration.ofMinutes(1)).build();
  }

  private RedisServer redis;

  @BeforeEach
  void clean() {
    redis = RedisHarness.sharedStandalone();
    redis.flushAll();
  }

  private RateLimiter limiter(Algorithm algorithm) {
    return RateLimiters.builder(huge(algorithm))
        .redis(redis.target())
        .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofSeconds(2)).build())
        .build();
  }

  @Test
  void aMillionPermitsOnALogAreRefusedNamingTheBound() {
    try (RateLimiter redisLimiter = limiter(Algorithm.SLIDING_WINDOW_LOG);
        RateLimiter memory = RateLimiters.builder(huge(Algorithm.SLIDING_WINDOW_LOG)).build()) {
      for (RateLimiter l : new RateLimiter[] {redisLimiter, memory}) {
        assertThatThrownBy(() -> l.tryAcquire("k", 1_000_000))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("MAX_LOG_PERMITS (10000)")
            .hasMessageContaining("was 1000000");
        assertThatThrownBy(() -> l.tryAcquireAsync("k", RateLimiter.MAX_LOG_PERMITS + 1))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("MAX_LOG_PERMITS");
      }
    }
  }

  @Test
  void theLargestLogRequestDoesNotHoldAConcurrentPing() throws Exception {
    try (RateLimiter l = limiter(Algorithm.SLIDING_WINDOW_LOG);
        StatefulRedisConnection<String, String> probe = redis.connect()) {
      probe.sync().ping();
      for (int round = 0; round < 3; round++) {
        long start = System.nanoTime();
        CompletableFuture<Decision> big =
            l.tryAcquireAsync("big-" + round, RateLimiter.MAX_LOG_PERMITS).toCompletableFuture();
        long worstPingNanos = 0;
        while (!big.isDone()) {
          long p = System.nanoTime();
          probe.sync().ping();
          worstPingNanos = Math.max(worstPingNanos, System.nanoTime() - p);
        }
        Decision d = big.get(2, TimeUnit.SECONDS);
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(d.allowed()).isTrue();
        assertThat(d.degraded()).as("answered by Redis within its timeout").isFalse();
        assertThat(tookMillis).as("the call").isLessThan(2_000);
        assertThat(worstPingNanos / 1_000_000).as("the slowest concurrent PING, ms").isLessThan(500);
      }
      assertThat(l.stats("big-0").limits().get(0).used()).isEqualTo(RateLimiter.MAX_LOG_PERMITS);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Algorithm.class,
      names = {"SLIDING_WINDOW_COUNTER", "FIXED_WINDOW", "TOKEN_BUCKET"})
  void theOtherAlgorithmsTakeAMillionPermitsInOneStep(Algorithm algorithm) {
    try (RateLimiter l = limiter(algorithm);
        StatefulRedisConnection<String, String> probe = redis.connect()) {
      long start = System.nanoTime();
      Decision d = l.tryAcquire("k", 1_000_000);
      assertThat(d.allowed()).isTrue();
      assertThat(d.degraded()).isFalse();
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(500);
      // a token bucket refills while the test runs: a few permits may be back already
      assertThat(l.stats("k").limits().get(0).used()).isBetween(990_000L, 1_000_000L);
      assertThat(probe.sync().ping()).isEqualTo("PONG");
    }
  }
}
