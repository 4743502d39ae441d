package io.github.switchboard.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.core.testing.Topology;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory figure of docs/redis-integration.md ("Memory sizing"): MEMORY USAGE of one entry holding a
 * 200-byte result, as the cache writes it. Run:
 * {@code ./mvnw -B -pl cache test -Dtest=RedisCacheFootprintTest}; the figure is in the test's log.
 */
class RedisCacheFootprintTest {
  private static final Logger LOG = LoggerFactory.getLogger(RedisCacheFootprintTest.class);

  @Test
  void oneEntryWithA200ByteResult() {
    RedisServer redis = (RedisServer) RedisHarness.shared(Topology.STANDALONE);
    redis.flushAll();
    try (TranslationCache cache = TranslationCaches.builder("translations").redis(redis.target()).build()) {
      cache.put(TranslationKey.builder("en", "es", "a sentence of some length to translate").build(), "x".repeat(200));
    }
    List<String> keys = redis.cli("--scan", "--pattern", "switchboard:cache:translations:0:*").lines()
        .filter(l -> !l.isBlank()).toList();
    assertThat(keys).hasSize(1);
    long bytes = Long.parseLong(String.valueOf(redis.call("MEMORY", "USAGE", keys.get(0), "SAMPLES", "0")));
    LOG.info("MEMORY USAGE of one cache entry with a 200-byte result: {} bytes", bytes);
    assertThat(bytes).as("docs/redis-integration.md says 360").isBetween(300L, 420L);
  }
}
