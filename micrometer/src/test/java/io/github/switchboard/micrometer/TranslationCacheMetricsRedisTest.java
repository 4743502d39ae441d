package io.github.switchboard.micrometer;

import static io.github.switchboard.micrometer.TranslationCacheMetricsTest.MUST_NOT_LOAD;
import static io.github.switchboard.micrometer.TranslationCacheMetricsTest.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.cache.CacheStats;
import io.github.switchboard.cache.TranslationCache;
import io.github.switchboard.cache.TranslationCaches;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The cache's meters on a real Redis server: near hits, Redis hits, and the backend through an outage. */
class TranslationCacheMetricsRedisTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Meters meters = new Meters(registry, "translations");

  private static TranslationCache build(RedisServer redis, String name, RedisOptions options) {
    return TranslationCaches.builder(name).redis(redis.target()).redisOptions(options).build();
  }

  @Test
  void nearHitsRedisHitsMissesAndLoadsAreCountedApart() {
    RedisServer redis = RedisHarness.sharedStandalone();
    // generous for a loaded machine: a slow first call must not open the breaker and turn a hit into a miss
    RedisOptions options = redis.optionsBuilder().commandTimeout(Duration.ofSeconds(2)).build();
    try (TranslationCache other = build(redis, "metrics-near", options);
        TranslationCache cache =
            TranslationCacheMetrics.monitor(registry, build(redis, "metrics-near", options), "translations")) {
      // near hits are served once the cache's subscription is live (it invalidates near copies)
      await("the near cache answers")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                cache.put(key("warm-up"), "W");
                cache.get(key("warm-up"));
                return meters.cacheGets("near") > 0;
              });
      CacheStats before = cache.stats();
      meters.assertCacheMetersRead(before);

      other.put(key("from-other"), "O"); // in Redis, never in this instance's near cache
      assertThat(cache.get(key("from-other"))).contains("O");
      cache.put(key("own"), "N"); // a put keeps the value near
      assertThat(cache.get(key("own"))).contains("N");
      assertThat(cache.get(key("absent"))).isEmpty();
      assertThat(cache.getOrLoad(key("loaded"), k -> "L")).isEqualTo("L");
      assertThat(cache.getOrLoad(key("loaded"), MUST_NOT_LOAD)).as("kept near").isEqualTo("L");

      assertThat(meters.cacheGets("hit") - before.hits()).as("hits").isEqualTo(1);
      assertThat(meters.cacheGets("near") - before.nearHits()).as("near hits").isEqualTo(2);
      assertThat(meters.cacheGets("miss") - before.misses()).as("misses").isEqualTo(2);
      assertThat(meters.cacheLoads("success") - before.loadSuccesses()).as("loads").isEqualTo(1);
      assertThat(meters.cacheLoadLatency().count() - before.loads()).as("timed loads").isEqualTo(1);
      assertThat(meters.cacheBackend()).isEqualTo(1);
      meters.assertCacheMetersRead(cache.stats());
    }
  }

  @Test
  void theBackendGaugeFollowsRedisAndTheFallbackKeepsLoading() {
    try (RedisServer redis = RedisHarness.standalone();
        TranslationCache cache =
            TranslationCacheMetrics.monitor(
                registry,
                build(redis, "metrics-backend", redis.optionsBuilder().commandTimeout(Duration.ofSeconds(1)).build()),
                "translations")) {
      assertThat(cache.getOrLoad(key("before"), k -> "B")).isEqualTo("B");
      assertThat(meters.cacheBackend()).isEqualTo(1);

      redis.kill();
      await("the gauge drops to 0 once the fallback answers")
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(20))
          .until(
              () -> {
                cache.get(key("probe"));
                return meters.cacheBackend() == 0;
              });
      assertThat(cache.backendState()).isNotEqualTo(BackendState.PRIMARY);
      long loads = meters.cacheLoads("success");
      assertThat(cache.getOrLoad(key("during"), k -> "D")).as("answered without Redis").isEqualTo("D");
      assertThat(meters.cacheLoads("success")).as("loaded here meanwhile").isEqualTo(loads + 1);

      redis.restart();
      await("the gauge is back to 1 once Redis answers again")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                cache.get(key("probe"));
                return meters.cacheBackend() == 1;
              });
      meters.assertCacheMetersRead(cache.stats());
    }
  }
}
