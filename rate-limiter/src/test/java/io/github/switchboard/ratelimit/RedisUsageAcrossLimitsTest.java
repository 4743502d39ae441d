package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.Topology;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A key's usage survives a change of its limits when the algorithm stays (what a plan change does): two
 * limiters with different counts on one Redis state, for every algorithm.
 */
class RedisUsageAcrossLimitsTest {
  private RedisDeployment redis;
  private final ManualTimeSource clock = new ManualTimeSource(1_700_000_000_000_000L);

  @BeforeEach
  void start() {
    redis = RedisHarness.shared(Topology.STANDALONE);
    redis.flushAll();
  }

  private RateLimiter limiter(Algorithm algorithm, long count, long hourly) {
    RateLimitPolicy.Builder p = RateLimitPolicy.builder().algorithm(algorithm).limit(count, Duration.ofMinutes(1));
    if (hourly > 0) {
      p.limit(hourly, Duration.ofHours(1));
    }
    return RateLimiters.builder(p.build())
        .redis(redis.target())
        .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofSeconds(2)).build())
        .clock(ClockSource.CLIENT)
        .timeSource(clock)
        .localDenyCache(false)
        .build();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void eightUsedOfTenMovedToTwentyLeavesTwelve(Algorithm algorithm) {
    try (RateLimiter ten = limiter(algorithm, 10, 0); RateLimiter twenty = limiter(algorithm, 20, 0)) {
      for (int i = 0; i < 8; i++) {
        assertThat(ten.tryAcquire("k").allowed()).isTrue();
      }
      assertThat(twenty.stats("k").limits().get(0).remaining()).isEqualTo(12);
      for (int i = 0; i < 12; i++) {
        assertThat(twenty.tryAcquire("k").allowed()).as("request %d after the change", i).isTrue();
      }
      assertThat(twenty.tryAcquire("k").allowed()).isFalse();
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void loweringALimitBelowTheUsageDeniesAtOnce(Algorithm algorithm) {
    try (RateLimiter twenty = limiter(algorithm, 20, 0); RateLimiter five = limiter(algorithm, 5, 0)) {
      for (int i = 0; i < 8; i++) {
        assertThat(twenty.tryAcquire("k").allowed()).isTrue();
      }
      Decision d = five.tryAcquire("k");
      assertThat(d.allowed()).isFalse();
      assertThat(d.remaining()).isZero();
      // back to twenty: the eight are still counted, the denial recorded nothing
      assertThat(twenty.stats("k").limits().get(0).remaining()).isEqualTo(12);
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void usageSurvivesWithSeveralLimits(Algorithm algorithm) {
    try (RateLimiter a = limiter(algorithm, 10, 100); RateLimiter b = limiter(algorithm, 20, 50)) {
      for (int i = 0; i < 8; i++) {
        assertThat(a.tryAcquire("k").allowed()).isTrue();
      }
      ClientStats s = b.stats("k");
      assertThat(s.limits().get(0).remaining()).isEqualTo(12);
      assertThat(s.limits().get(1).remaining()).isEqualTo(42);
      assertThat(b.tryAcquire("k").allowed()).isTrue();
      assertThat(b.stats("k").limits().get(0).remaining()).isEqualTo(11);
    }
  }
}
