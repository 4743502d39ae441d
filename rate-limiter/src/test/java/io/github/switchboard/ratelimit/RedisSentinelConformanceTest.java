package io.github.switchboard.ratelimit;

import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.Topology;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;

/** The conformance suite on a Sentinel-managed master, through a {@code redis-sentinel://} target. */
class RedisSentinelConformanceTest extends AbstractRateLimiterConformanceTest {
  private static RedisDeployment redis;

  @BeforeAll
  static void start() {
    redis = RedisHarness.shared(Topology.SENTINEL);
  }

  @Override
  protected void clean() {
    redis.flushAll();
  }

  @Override
  protected RateLimiter create(RateLimitPolicy policy, ManualTimeSource clock) {
    return RateLimiters.builder(policy)
        .redis(redis.target())
        .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofSeconds(2)).build())
        .clock(ClockSource.CLIENT)
        .timeSource(clock)
        .build();
  }
}
