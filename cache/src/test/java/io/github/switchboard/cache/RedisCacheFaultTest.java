package io.github.switchboard.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.cache.internal.RedisTranslationCache;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real Redis killed, restarted empty and paused under the cache; a fresh server per test. */
class RedisCacheFaultTest {
  private RedisServer redis;
  private final List<TranslationCache> opened = new ArrayList<>();

  @BeforeEach
  void start() {
    redis = RedisHarness.standalone();
  }

  @AfterEach
  void stop() {
    opened.forEach(TranslationCache::close);
    redis.close();
  }

  private TranslationCache instance(List<String> transitions) {
    TranslationCache c =
        TranslationCaches.builder("faults")
            .redis(redis.target())
            .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofMillis(300)).build())
            .listener((name, from, to) -> transitions.add(from + "->" + to))
            .build();
    opened.add(c);
    return c;
  }

  private static TranslationKey key(String input) {
    return TranslationKey.builder("en", "it", input).build();
  }

  @Test
  void redisKilledGetOrLoadStillAnswersWithOneLoadPerKeyThenReturnsToRedis() throws Exception {
    List<String> transitions = new CopyOnWriteArrayList<>();
    TranslationCache cache = instance(transitions);
    cache.put(key("cached"), "in near cache");
    redis.kill();

    AtomicInteger loads = new AtomicInteger();
    for (int i = 0; i < 30; i++) {
      assertThat(cache.getOrLoad(key("cached"), k -> "never")).isEqualTo("in near cache");
      assertThat(cache.getOrLoad(key("new-" + (i % 3)), k -> "loaded " + loads.incrementAndGet())).startsWith("loaded");
      assertThat(cache.get(key("absent-" + i))).isEmpty();
    }
    // concurrent callers of one key while Redis is gone share one load
    CountDownLatch inLoad = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger concurrentLoads = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    long missesBefore = cache.stats().misses();
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        results.add(pool.submit(() -> cache.getOrLoad(key("together"), k -> {
          concurrentLoads.incrementAndGet();
          inLoad.countDown();
          assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
          return "one";
        })));
      }
      assertThat(inLoad.await(10, TimeUnit.SECONDS)).isTrue();
      // all 8 have joined the one load (each counts a miss) before it finishes
      await().atMost(Duration.ofSeconds(10)).until(() -> cache.stats().misses() == missesBefore + 8);
      release.countDown();
      for (Future<String> r : results) {
        assertThat(r.get(10, TimeUnit.SECONDS)).isEqualTo("one");
      }
      assertThat(concurrentLoads).hasValue(1);
    } finally {
      pool.shutdownNow();
    }
    assertThat(cache.backendState()).isNotEqualTo(BackendState.PRIMARY);

    redis.restart();
    await().atMost(Duration.ofSeconds(15)).until(() -> {
      cache.get(key("probe"));
      return cache.backendState() == BackendState.PRIMARY;
    });
    cache.put(key("after"), "on redis");
    assertThat(String.valueOf(redis.call("DBSIZE"))).isNotEqualTo("0");
    assertThat(transitions).contains("PRIMARY->FALLBACK").anyMatch(t -> t.endsWith("->PRIMARY"));
  }

  @Test
  void afterAnEmptyRestartNoNearCacheServesAnEntryInvalidatedMeanwhile() {
    List<String> transitions = new CopyOnWriteArrayList<>();
    TranslationCache a = instance(transitions);
    TranslationCache b = instance(transitions);
    await().atMost(Duration.ofSeconds(5))
        .until(() -> ((RedisTranslationCache) a).nearTrusted() && ((RedisTranslationCache) b).nearTrusted());
    a.put(key("k"), "old");
    // b reads it from Redis into its near cache (a read that raced a's message does not fill it: read again)
    await().atMost(Duration.ofSeconds(5)).until(() -> b.get(key("k")).equals(Optional.of("old")) && b.stats().nearHits() > 0);

    redis.kill();
    a.invalidate(key("k")); // Redis gone: queued, and dropped from a's near cache
    assertThat(a.get(key("k"))).isEmpty();
    redis.restart();

    // once b reaches Redis again it never serves the old entry
    await().atMost(Duration.ofSeconds(15)).until(() -> b.get(key("k")).isEmpty() && b.backendState() == BackendState.PRIMARY);
    for (int i = 0; i < 20; i++) {
      assertThat(b.get(key("k"))).isEmpty();
    }
    // and the fleet works again: a put on a (once a's breaker lets it reach Redis; a put answered by its
    // fallback stays in a's near cache only) reaches b
    await().atMost(Duration.ofSeconds(15)).until(() -> {
      a.put(key("k"), "new");
      return b.get(key("k")).equals(Optional.of("new"));
    });
  }

  @Test
  void invalidationsMadeWhileRedisWasDownAreSentWhenItIsBack() {
    List<String> transitions = new CopyOnWriteArrayList<>();
    TranslationCache a = instance(transitions);
    TranslationCache b = instance(transitions);
    a.put(key("one"), "stale");
    a.put(key("two"), "kept");
    redis.call("SAVE"); // the restarted server loads this snapshot: the entries come back with it
    redis.kill();
    a.invalidate(key("one")); // Redis gone: queued
    redis.restart();
    assertThat(String.valueOf(redis.call("DBSIZE"))).isEqualTo("2");
    await().atMost(Duration.ofSeconds(15)).until(() -> String.valueOf(redis.call("DBSIZE")).equals("1"));
    assertThat(b.get(key("one"))).isEmpty();
    assertThat(b.get(key("two"))).contains("kept");

    redis.call("SAVE");
    redis.kill();
    a.invalidateAll(); // queued as a new generation
    redis.restart();
    await().atMost(Duration.ofSeconds(15)).until(() -> b.get(key("two")).isEmpty());
    assertThat(((RedisTranslationCache) b).generation()).isEqualTo(1);
  }
}
