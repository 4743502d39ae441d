package io.github.switchboard.ratelimit;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.Topology;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The conformance suite on a standalone Redis, through a connection handed in by the user. */
class RedisStandaloneConformanceTest extends AbstractRateLimiterConformanceTest {
  private static RedisDeployment redis;
  private static StatefulRedisConnection<String, String> connection;

  @BeforeAll
  static void connect() {
    redis = RedisHarness.shared(Topology.STANDALONE);
    connection = (StatefulRedisConnection<String, String>) redis.connect();
  }

  @AfterAll
  static void disconnect() {
    connection.close();
  }

  @Override
  protected void clean() {
    redis.flushAll();
  }

  @Override
  protected RateLimiter create(RateLimitPolicy policy, ManualTimeSource clock) {
    return RateLimiters.builder(policy)
        .redis(connection)
        .redisOptions(RedisOptions.builder().commandTimeout(Duration.ofSeconds(2)).build())
        .clock(ClockSource.CLIENT)
        .timeSource(clock)
        .build();
  }
}
