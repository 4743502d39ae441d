package io.github.switchboard.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.cache.internal.RedisTranslationCache;
import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.core.testing.Topology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Several instances of one cache on one Redis, each with its own connections as separate processes would
 * have: one load per key across them, and their near caches kept current.
 */
class RedisFleetCacheTest {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private final List<TranslationCache> opened = new ArrayList<>();
  private RedisServer redis;
  private String name;

  @BeforeEach
  void start() {
    redis = (RedisServer) RedisHarness.shared(Topology.STANDALONE);
    redis.flushAll();
    name = "fleet-" + NAMES.incrementAndGet();
  }

  @AfterEach
  void close() {
    opened.forEach(TranslationCache::close);
  }

  private TranslationCache instance(UnaryOperator<TranslationCaches.Builder> custom) {
    TranslationCache c =
        custom
            .apply(
                TranslationCaches.builder(name)
                    .redis(redis.target())
                    .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofSeconds(2)).build()))
            .build();
    opened.add(c);
    return c;
  }

  private TranslationCache instance() {
    return instance(UnaryOperator.identity());
  }

  private static TranslationKey key(String input) {
    return TranslationKey.builder("en", "de", input).build();
  }

  @Test
  void fiftyConcurrentCallsOverThreeInstancesLoadOnce() throws Exception {
    List<TranslationCache> caches = List.of(instance(), instance(), instance());
    AtomicInteger loads = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(50);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        TranslationCache c = caches.get(i % 3);
        boolean async = i % 2 == 0;
        results.add(pool.submit(() -> {
          assertThat(go.await(10, TimeUnit.SECONDS)).isTrue();
          if (async) {
            return c.getOrLoadAsync(key("doc"), k -> CompletableFuture.supplyAsync(() -> {
              loads.incrementAndGet();
              pause(300);
              return "Dokument";
            })).toCompletableFuture().get(20, TimeUnit.SECONDS);
          }
          return c.getOrLoad(key("doc"), k -> {
            loads.incrementAndGet();
            pause(300);
            return "Dokument";
          });
        }));
      }
      go.countDown();
      for (Future<String> r : results) {
        assertThat(r.get(30, TimeUnit.SECONDS)).isEqualTo("Dokument");
      }
      assertThat(loads).as("the loader ran once across the three instances").hasValue(1);
      long shared = caches.stream().mapToLong(c -> c.stats().sharedLoads()).sum();
      long ran = caches.stream().mapToLong(c -> c.stats().loadSuccesses()).sum();
      assertThat(ran).isEqualTo(1);
      assertThat(shared).isEqualTo(49);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aFailedLoadLetsAnotherInstanceLoad() throws Exception {
    TranslationCache a = instance();
    TranslationCache b = instance();
    CountDownLatch aLoading = new CountDownLatch(1);
    CountDownLatch fail = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<String> first = pool.submit(() -> a.getOrLoad(key("x"), k -> {
        aLoading.countDown();
        assertThat(fail.await(10, TimeUnit.SECONDS)).isTrue();
        throw new IllegalStateException("node 500");
      }));
      assertThat(aLoading.await(10, TimeUnit.SECONDS)).isTrue();
      AtomicInteger bLoads = new AtomicInteger();
      redis.call("CONFIG", "RESETSTAT");
      Future<String> second = pool.submit(() -> b.getOrLoad(key("x"), k -> {
        bLoads.incrementAndGet();
        return "from b";
      }));
      // b has asked (and been told to wait for a's lease)
      await().atMost(Duration.ofSeconds(5)).until(() -> redis.info("commandstats").containsKey("cmdstat_evalsha"));
      assertThat(second.isDone()).isFalse();
      long start = System.nanoTime();
      fail.countDown();
      assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
      assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("from b");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
          .as("woken by the release's message, not by the 1 s re-check or the 30 s lease")
          .isLessThan(900);
      assertThat(bLoads).hasValue(1);
      assertThat(a.get(key("x"))).contains("from b");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aLoaderHungPastLoadTimeoutLetsAnotherInstanceLoad() throws Exception {
    TranslationCache a = instance(b -> b.loadTimeout(Duration.ofMillis(500)));
    TranslationCache b = instance(b2 -> b2.loadTimeout(Duration.ofMillis(500)));
    CountDownLatch hung = new CountDownLatch(1);
    CountDownLatch end = new CountDownLatch(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      pool.submit(() -> a.getOrLoad(key("slow"), k -> {
        hung.countDown();
        end.await(30, TimeUnit.SECONDS);
        return "late";
      }));
      assertThat(hung.await(10, TimeUnit.SECONDS)).isTrue();
      long start = System.nanoTime();
      assertThat(b.getOrLoad(key("slow"), k -> "b loaded")).isEqualTo("b loaded");
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(tookMillis).as("waited for the lease to expire, no longer").isBetween(200L, 5_000L);
      assertThat(b.stats().loadSuccesses()).isEqualTo(1);
    } finally {
      end.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void putInvalidateAndInvalidateAllReachOtherNearCachesWithinOneSecond() {
    TranslationCache a = instance();
    TranslationCache b = instance();
    await().atMost(Duration.ofSeconds(5)).until(() -> ((RedisTranslationCache) b).nearTrusted());
    a.put(key("k"), "v1");
    // b serves it from its near cache (a read that raced a's message does not fill it: read again)
    await().atMost(Duration.ofSeconds(5)).until(() -> b.get(key("k")).equals(Optional.of("v1")) && b.stats().nearHits() > 0);

    a.put(key("k"), "v2");
    await().atMost(Duration.ofSeconds(1)).until(() -> b.get(key("k")).equals(Optional.of("v2")));

    a.invalidate(key("k"));
    await().atMost(Duration.ofSeconds(1)).until(() -> b.get(key("k")).isEmpty());

    a.put(key("k"), "v3");
    long near = b.stats().nearHits();
    await().atMost(Duration.ofSeconds(5)).until(() -> b.get(key("k")).equals(Optional.of("v3")) && b.stats().nearHits() > near);
    a.invalidateAll();
    await().atMost(Duration.ofSeconds(1)).until(() -> b.get(key("k")).isEmpty());
  }

  @Test
  void invalidateAllIsOneCommandWhateverTheNumberOfEntries() {
    TranslationCache a = instance();
    for (int i = 0; i < 500; i++) {
      a.put(key("k" + i), "v" + i);
    }
    long keysBefore = Long.parseLong(String.valueOf(redis.call("DBSIZE")));
    redis.call("CONFIG", "RESETSTAT");
    a.invalidateAll();
    for (int i = 0; i < 500; i += 50) {
      assertThat(a.get(key("k" + i))).isEmpty();
    }
    assertThat(Long.parseLong(String.valueOf(redis.call("DBSIZE"))))
        .as("nothing deleted (the old generation expires with its TTL); the generation key may be new")
        .isBetween(keysBefore, keysBefore + 1);
    assertThat(redis.info("commandstats").keySet()).noneMatch(k -> k.contains("del") || k.contains("unlink") || k.contains("scan"));
  }

  @Test
  void everyKeyHasATimeToLive() throws Exception {
    TranslationCache a = instance(b -> b.timeToLive(Duration.ofHours(1)));
    TranslationCache b = instance(b2 -> b2.timeToLive(Duration.ofHours(1)));
    a.put(key("p"), "v");
    a.getOrLoad(key("l"), k -> "v");
    CountDownLatch inLoad = new CountDownLatch(1);
    CountDownLatch end = new CountDownLatch(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      pool.submit(() -> b.getOrLoad(key("lease"), k -> {
        inLoad.countDown();
        end.await(10, TimeUnit.SECONDS);
        return "v";
      }));
      assertThat(inLoad.await(10, TimeUnit.SECONDS)).isTrue();
      a.invalidateAll();
      a.put(key("after"), "v");
      List<String> keys = redis.cli("--scan").lines().filter(l -> !l.isBlank()).toList();
      assertThat(keys).anyMatch(k -> k.endsWith(":lease")).anyMatch(k -> k.endsWith(":gen"));
      for (String k : keys) {
        long ttl = Long.parseLong(String.valueOf(redis.call("PTTL", k)));
        assertThat(ttl).as("PTTL of %s", k).isPositive();
      }
    } finally {
      end.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void theInputNeverAppearsInAKeyName() {
    TranslationCache a = instance();
    a.getOrLoad(TranslationKey.builder("en", "de", "SECRET-INPUT-42").domain("legal").build(), k -> "v");
    String keys = redis.cli("--scan");
    assertThat(keys).doesNotContain("SECRET").doesNotContain("legal").contains(name);
  }

  static void pause(long millis) {
    try {
      Thread.sleep(millis); // the loader's own work: a decode takes time
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
