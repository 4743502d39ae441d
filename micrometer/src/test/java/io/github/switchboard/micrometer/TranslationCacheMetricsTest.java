package io.github.switchboard.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.cache.TranslationCache;
import io.github.switchboard.cache.TranslationCaches;
import io.github.switchboard.cache.TranslationKey;
import io.github.switchboard.cache.TranslationLoader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The cache's meters on an in-memory cache: they read what its stats say, from the first scrape. */
class TranslationCacheMetricsTest {
  private static final long LOAD_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Meters meters = new Meters(registry, "x");

  static TranslationKey key(String input) {
    return TranslationKey.builder("en", "es", input).build();
  }

  /** A loader that takes at least {@link #LOAD_NANOS} (spinning on the clock, not sleeping). */
  static TranslationLoader slowLoader(String value) {
    return k -> {
      long start = System.nanoTime();
      while (System.nanoTime() - start < LOAD_NANOS) {
        Thread.onSpinWait();
      }
      return value;
    };
  }

  static final TranslationLoader MUST_NOT_LOAD =
      k -> {
        throw new AssertionError("the loader ran for " + k);
      };

  @Test
  void everyMeterFollowsTheStatsThroughHitsMissesAndLoads() {
    try (TranslationCache cache =
        TranslationCacheMetrics.monitor(registry, TranslationCaches.builder("x").build(), "x")) {
      meters.assertCacheMetersRead(cache.stats());
      assertThat(meters.cacheGets("miss")).as("registered at 0").isZero();
      assertThat(meters.cacheBackend()).as("a cache without Redis").isEqualTo(1);

      assertThat(cache.getOrLoad(key("a"), slowLoader("A"))).isEqualTo("A");
      assertThat(meters.cacheGets("miss")).isEqualTo(1);
      assertThat(meters.cacheLoads("success")).isEqualTo(1);
      assertThat(meters.cacheLoadLatency().count()).isEqualTo(1);
      assertThat(meters.cacheLoadLatency().totalTime(TimeUnit.NANOSECONDS)).isGreaterThanOrEqualTo(LOAD_NANOS);
      meters.assertCacheMetersRead(cache.stats());

      // a cache without Redis has no near tier: its memory answers, as hits
      assertThat(cache.getOrLoad(key("a"), MUST_NOT_LOAD)).isEqualTo("A");
      assertThat(cache.get(key("a"))).contains("A");
      assertThat(cache.get(key("b"))).isEmpty();
      assertThat(meters.cacheGets("hit")).isEqualTo(2);
      assertThat(meters.cacheGets("miss")).as("the get of b").isEqualTo(2);
      assertThat(meters.cacheLoads("success")).as("a get loads nothing").isEqualTo(1);

      assertThatThrownBy(
              () ->
                  cache.getOrLoad(
                      key("c"),
                      k -> {
                        throw new IllegalStateException("decoder down");
                      }))
          .hasMessage("decoder down");
      assertThat(meters.cacheGets("miss")).isEqualTo(3);
      assertThat(meters.cacheLoads("failure")).isEqualTo(1);
      assertThat(meters.cacheLoadLatency().count()).as("failed loads are timed too").isEqualTo(2);

      cache.put(key("d"), "D");
      assertThat(cache.getOrLoadAsync(key("d"), k -> { throw new AssertionError(); }).toCompletableFuture().join())
          .isEqualTo("D");
      assertThat(meters.cacheGets("hit")).as("async calls count alike").isEqualTo(3);

      assertThat(meters.cacheGets("near")).isZero();
      assertThat(meters.cacheLoads("shared")).isZero();
      meters.assertCacheMetersRead(cache.stats());
    }
  }

  @Test
  void aLoadSharedByConcurrentCallersCountsOneSuccessAndOneShared() throws Exception {
    ExecutorService callers = Executors.newFixedThreadPool(2);
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TranslationLoader held =
        k -> {
          loading.countDown();
          if (!release.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("never released");
          }
          return "S";
        };
    try (TranslationCache cache =
        TranslationCacheMetrics.monitor(registry, TranslationCaches.builder("x").build(), "x")) {
      Future<String> first = callers.submit(() -> cache.getOrLoad(key("s"), held));
      assertThat(loading.await(30, TimeUnit.SECONDS)).isTrue();
      Future<String> second = callers.submit(() -> cache.getOrLoad(key("s"), MUST_NOT_LOAD));
      // the second caller counts its miss when it finds the load running, before it waits for it
      await("the second caller waits for the first's load")
          .atMost(Duration.ofSeconds(30))
          .until(() -> meters.cacheGets("miss") == 2);
      assertThat(meters.cacheLoads("shared")).as("not received yet").isZero();
      release.countDown();
      assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo("S");
      assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo("S");

      assertThat(meters.cacheLoads("success")).isEqualTo(1);
      assertThat(meters.cacheLoads("shared")).as("the decode saved").isEqualTo(1);
      assertThat(meters.cacheLoads("failure")).isZero();
      assertThat(meters.cacheLoadLatency().count()).as("one load ran").isEqualTo(1);
      meters.assertCacheMetersRead(cache.stats());
    } finally {
      release.countDown();
      callers.shutdownNow();
    }
  }

  @Test
  void theMetersDoNotKeepTheCacheAlive() {
    WeakReference<TranslationCache> ref = monitorAndDrop();
    await("the cache is collected")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              System.gc();
              return ref.get() == null;
            });
    assertThat(meters.cacheBackend()).as("a collected cache's gauge").isNaN();
  }

  private WeakReference<TranslationCache> monitorAndDrop() {
    TranslationCache cache = TranslationCaches.builder("x").build();
    TranslationCacheMetrics.monitor(registry, cache, "x");
    cache.getOrLoad(key("a"), k -> "A");
    assertThat(meters.cacheLoads("success")).isEqualTo(1);
    cache.close();
    return new WeakReference<>(cache);
  }

  @Test
  void monitorReturnsTheCacheAndChecksItsArguments() {
    try (TranslationCache cache = TranslationCaches.builder("x").build()) {
      assertThat(TranslationCacheMetrics.monitor(registry, cache, "x")).isSameAs(cache);
      assertThatThrownBy(() -> TranslationCacheMetrics.monitor(registry, cache, " "))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("name");
      assertThatThrownBy(() -> TranslationCacheMetrics.monitor(registry, null, "x"))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("cache");
    }
  }
}
