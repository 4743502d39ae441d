package io.github.switchboard.ratelimit;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.Topology;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The conformance suite on a 3-master Redis Cluster, through a Cluster connection handed in. */
class RedisClusterConformanceTest extends AbstractRateLimiterConformanceTest {
  private static RedisDeployment redis;
  private static StatefulRedisClusterConnection<String, String> connection;

  @BeforeAll
  static void connect() {
    redis = RedisHarness.shared(Topology.CLUSTER);
    connection = (StatefulRedisClusterConnection<String, String>) redis.connect();
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
