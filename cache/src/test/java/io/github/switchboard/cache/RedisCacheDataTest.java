package io.github.switchboard.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.cache.internal.RedisTranslationCache;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.core.testing.Topology;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad data in Redis: a corrupt or foreign value, a poisoned generation, stray messages on the channel. */
class RedisCacheDataTest {
  private RedisServer redis;

  @BeforeEach
  void start() {
    redis = (RedisServer) RedisHarness.shared(Topology.STANDALONE);
    redis.flushAll();
  }

  private TranslationCache cache(String name) {
    return TranslationCaches.builder(name)
        .redis(redis.target())
        .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofSeconds(2)).build())
        .build();
  }

  private String entryKeyOf(String cacheName) {
    List<String> keys = redis.cli("--scan", "--pattern", "switchboard:cache:" + cacheName + ":0:*").lines()
        .filter(l -> !l.isBlank() && !l.endsWith(":lease")).toList();
    assertThat(keys).hasSize(1);
    return keys.get(0);
  }

  @Test
  void aCorruptValueIsAMissReportedOnceAndReplaced() {
    try (TranslationCache cache = cache("corrupt"); CacheLogCapture log = new CacheLogCapture()) {
      TranslationKey k = TranslationKey.builder("en", "fr", "bonjour?").build();
      cache.put(k, "bonjour");
      String entry = entryKeyOf("corrupt");
      for (String bad : new String[] {"garbage", "sb1:t:99:short", "sb1:z:5:@@@"}) {
        redis.call("SET", entry, bad);
        // as another instance's change would, drop this instance's near copy of k
        redis.call("PUBLISH", "switchboard:cache:corrupt:events", "e|0|" + k.digest() + "|someone-else");
        await().atMost(Duration.ofSeconds(2)).until(() -> cache.get(k).isEmpty());
      }
      assertThat(cache.getOrLoad(k, key -> "bonjour (reloaded)")).isEqualTo("bonjour (reloaded)");
      // the store goes to Redis after getOrLoad returns (its waiters elsewhere are woken by it)
      await().atMost(Duration.ofSeconds(5)).until(() -> String.valueOf(redis.call("GET", entry)).startsWith("sb1:t:"));
      assertThat(cache.stats().corruptValues()).isGreaterThanOrEqualTo(3);
      assertThat(log.warnings()).filteredOn(l -> l.contains("cannot be read")).hasSize(1);
      assertThat(log.warnings()).noneMatch(l -> l.contains("garbage"));
      assertThat(cache.backendState()).isEqualTo(BackendState.PRIMARY);
    }
  }

  @Test
  void strayMessagesAreIgnoredAndReportedOnce() {
    try (TranslationCache cache = cache("stray"); CacheLogCapture log = new CacheLogCapture()) {
      TranslationKey k = TranslationKey.builder("en", "fr", "x").build();
      cache.put(k, "y");
      for (int i = 0; i < 50; i++) {
        redis.call("PUBLISH", "switchboard:cache:stray:events", "nonsense " + i);
        redis.call("PUBLISH", "switchboard:cache:stray:events", "a|notanumber|x");
        redis.call("PUBLISH", "switchboard:cache:stray:events", "x".repeat(10_000));
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> log.warnings().stream().anyMatch(l -> l.contains("ignored")));
      assertThat(cache.get(k)).contains("y");
      assertThat(log.warnings()).filteredOn(l -> l.contains("ignored")).hasSizeLessThanOrEqualTo(2);
    }
  }

  @Test
  void aPoisonedGenerationKeepsTheCacheOffRedisUntilRemoved() {
    redis.call("SET", "switchboard:cache:poison:gen", "not-a-number");
    try (TranslationCache cache = cache("poison"); CacheLogCapture log = new CacheLogCapture()) {
      TranslationKey k = TranslationKey.builder("en", "fr", "x").build();
      assertThat(cache.getOrLoad(k, key -> "local")).isEqualTo("local");
      assertThat(((RedisTranslationCache) cache).generation()).isEqualTo(-1);
      redis.call("DEL", "switchboard:cache:poison:gen");
      await().atMost(Duration.ofSeconds(5)).until(() -> ((RedisTranslationCache) cache).generation() == 0);
      cache.put(k, "on redis");
      assertThat(redis.cli("--scan", "--pattern", "switchboard:cache:poison:0:*")).isNotBlank();
      assertThat(log.warnings()).filteredOn(l -> l.contains("not a generation")).hasSizeLessThanOrEqualTo(1);
    }
  }
}
