package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The local deny cache: a client over its limit is answered by the instance itself until its
 * retry-after has passed (2,000 over-limit calls make at most 5 script calls), the cached answer is the
 * one Redis would give, a second instance consuming more never makes the cache allow anything, and
 * {@code reset} clears it.
 */
class RedisLocalDenyCacheTest {
  private static final long START = AbstractRateLimiterConformanceTest.START;
  private RedisServer redis;

  @BeforeEach
  void clean() {
    redis = RedisHarness.sharedStandalone();
    redis.flushAll();
  }

  private RateLimiter limiter(RateLimitPolicy policy, ManualTimeSource clock, boolean cache) {
    return RateLimiters.builder(policy)
        .redis(redis.target())
        .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofSeconds(2)).build())
        .clock(ClockSource.CLIENT)
        .timeSource(clock)
        .localDenyCache(cache)
        .build();
  }

  private static RateLimitPolicy policy(Algorithm a) {
    return RateLimitPolicy.builder()
        .algorithm(a)
        .limit(10, Duration.ofSeconds(10))
        .limit(50, Duration.ofMinutes(1))
        .build();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void twoThousandOverLimitCallsMakeAtMostFiveScriptCalls(Algorithm algorithm) {
    ManualTimeSource clock = new ManualTimeSource(START);
    RateLimitPolicy slow = // a token bucket refills one permit every 10 s: none during the 2 s flood
        RateLimitPolicy.builder().algorithm(algorithm).limit(10, Duration.ofSeconds(100)).build();
    try (RateLimiter l = limiter(slow, clock, true)) {
      for (int i = 0; i < 10; i++) {
        assertThat(l.tryAcquire("flood").allowed()).isTrue();
      }
      long before = ScriptCalls.of(redis);
      List<CompletableFuture<Decision>> async = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        clock.advance(Duration.ofMillis(1)); // 2 s in all
        if (i % 2 == 0) {
          Decision d = l.tryAcquire("flood");
          assertThat(d.allowed()).isFalse();
        } else {
          async.add(l.tryAcquireAsync("flood", 1).toCompletableFuture());
        }
      }
      assertThat(async).allMatch(f -> !f.join().allowed());
      assertThat(ScriptCalls.of(redis) - before).as("script calls for 2,000 over-limit calls").isLessThanOrEqualTo(5);
      assertThat(l.stats("flood").localDenials()).isGreaterThanOrEqualTo(1995);
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void theCachedAnswerIsRedisAnswerAndExpiresWithTheRetryAfter(Algorithm algorithm) {
    ManualTimeSource clock = new ManualTimeSource(START);
    try (RateLimiter cached = limiter(policy(algorithm), clock, true);
        RateLimiter direct = limiter(policy(algorithm), clock, false)) {
      for (int i = 0; i < 10; i++) {
        cached.tryAcquire("k");
      }
      Decision first = cached.tryAcquire("k");
      assertThat(first.allowed()).isFalse();
      long step = first.retryAfterMicros() / 4;
      for (int i = 0; i < 3; i++) {
        clock.advance(Duration.ofNanos(step * 1000));
        Decision fromCache = cached.tryAcquire("k");
        Decision fromRedis = direct.tryAcquire("k");
        assertThat(fromCache).usingRecursiveComparison().isEqualTo(fromRedis);
      }
      clock.advance(Duration.ofNanos((first.retryAfterMicros() - 3 * step) * 1000));
      assertThat(cached.tryAcquire("k").allowed()).as("allowed once the retry-after has passed").isTrue();
      assertThat(cached.stats("k").localDenials()).as("counted while denied only").isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void withAnotherInstanceConsumingTheDecisionsAreThoseWithoutTheCache(Algorithm algorithm) {
    ManualTimeSource clock = new ManualTimeSource(START);
    try (RateLimiter cached = limiter(policy(algorithm), clock, true);
        RateLimiter plain = limiter(policy(algorithm), clock, false);
        RateLimiter other = limiter(policy(algorithm), clock, false)) {
      long fromCache = 0;
      for (int i = 0; i < 300; i++) {
        clock.advance(Duration.ofMillis(i % 7 == 0 ? 1900 : 150));
        if (i % 3 == 0) { // the other instance consumes on both keys alike
          Decision x = other.tryAcquire("with-cache");
          Decision y = other.tryAcquire("without-cache");
          assertThat(x).usingRecursiveComparison().isEqualTo(y);
        } else {
          Decision x = cached.tryAcquire("with-cache");
          Decision y = plain.tryAcquire("without-cache");
          assertThat(x).as("decision %d", i).usingRecursiveComparison().isEqualTo(y);
        }
        fromCache = Math.max(fromCache, cached.stats("with-cache").localDenials());
      }
      assertThat(fromCache).as("the cache answered some calls").isPositive();
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void resetClearsTheCache(Algorithm algorithm) {
    ManualTimeSource clock = new ManualTimeSource(START);
    try (RateLimiter l = limiter(policy(algorithm), clock, true)) {
      for (int i = 0; i < 12; i++) {
        l.tryAcquire("r");
      }
      assertThat(l.stats("r").localDenials()).isEqualTo(1);
      l.reset("r");
      assertThat(l.stats("r").localDenials()).isZero();
      assertThat(l.tryAcquire("r").allowed()).isTrue();
    }
  }
}
