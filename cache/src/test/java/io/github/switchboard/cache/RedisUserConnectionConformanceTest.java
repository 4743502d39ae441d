package io.github.switchboard.cache;

import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.Topology;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The conformance suite on a standalone Redis through a connection handed in (no near cache). */
class RedisUserConnectionConformanceTest extends AbstractTranslationCacheConformanceTest {
  private static RedisDeployment redis;
  private static StatefulRedisConnection<String, String> connection;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void start() {
    redis = RedisHarness.shared(Topology.STANDALONE);
    connection = (StatefulRedisConnection<String, String>) redis.connect();
  }

  @AfterAll
  static void stop() {
    connection.close();
  }

  @Override
  protected TranslationCaches.Builder builder(String name) {
    return TranslationCaches.builder(name)
        .redis(connection)
        .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofSeconds(2)).build());
  }

  @Override
  protected void clean() {
    redis.flushAll();
  }
}
