package io.github.switchboard.cache;

import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.Topology;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;

/** The conformance suite on a Sentinel-managed master, through a redis-sentinel:// target. */
class RedisSentinelConformanceTest extends AbstractTranslationCacheConformanceTest {
  private static RedisDeployment redis;

  @BeforeAll
  static void start() {
    redis = RedisHarness.shared(Topology.SENTINEL);
  }

  @Override
  protected TranslationCaches.Builder builder(String name) {
    return TranslationCaches.builder(name)
        .redis(redis.target())
        .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofSeconds(2)).build());
  }

  @Override
  protected void clean() {
    redis.flushAll();
  }
}
