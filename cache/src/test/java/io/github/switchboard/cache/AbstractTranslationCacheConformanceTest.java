package io.github.switchboard.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
 * The contract of {@link TranslationCache}, run over every implementation (in memory; Redis standalone,
 * Sentinel and Cluster) by thin subclasses.
 */
abstract class AbstractTranslationCacheConformanceTest {
  private final List<TranslationCache> opened = new ArrayList<>();
  private static final AtomicInteger NAMES = new AtomicInteger();

  /** A builder for a cache of this implementation, with the given name. */
  protected abstract TranslationCaches.Builder builder(String name);

  /** Removes every entry the previous test left. */
  protected abstract void clean();

  protected TranslationCache cache() {
    return cache(UnaryOperator.identity());
  }

  protected TranslationCache cache(UnaryOperator<TranslationCaches.Builder> custom) {
    TranslationCache c = custom.apply(builder("conf-" + NAMES.incrementAndGet())).build();
    opened.add(c);
    return c;
  }

  @BeforeEach
  void before() {
    clean();
  }

  @AfterEach
  void after() {
    opened.forEach(TranslationCache::close);
    opened.clear();
  }

  static TranslationKey key(String input) {
    return TranslationKey.builder("en", "es", input).build();
  }

  @Test
  void aMissIsEmptyAndAPutIsRead() {
    TranslationCache cache = cache();
    assertThat(cache.get(key("hello"))).isEmpty();
    cache.put(key("hello"), "hola");
    assertThat(cache.get(key("hello"))).contains("hola");
    assertThat(cache.get(key("bye"))).isEmpty();
  }

  @Test
  void aPutReplaces() {
    TranslationCache cache = cache();
    cache.put(key("hello"), "hola");
    cache.put(key("hello"), "buenas");
    assertThat(cache.get(key("hello"))).contains("buenas");
  }

  @Test
  void getOrLoadLoadsOnceThenHits() {
    TranslationCache cache = cache();
    AtomicInteger loads = new AtomicInteger();
    TranslationLoader loader = k -> "r" + loads.incrementAndGet();
    assertThat(cache.getOrLoad(key("a"), loader)).isEqualTo("r1");
    assertThat(cache.getOrLoad(key("a"), loader)).isEqualTo("r1");
    assertThat(cache.get(key("a"))).contains("r1");
    assertThat(loads).hasValue(1);
    CacheStats s = cache.stats();
    assertThat(s.loadSuccesses()).isEqualTo(1);
    assertThat(s.misses()).isEqualTo(1);
    assertThat(s.hits() + s.nearHits()).isEqualTo(2);
    assertThat(s.totalLoadNanos()).isPositive();
  }

  @Test
  void getOrLoadAsyncLoadsOnceThenHits() throws Exception {
    TranslationCache cache = cache();
    AtomicInteger loads = new AtomicInteger();
    AsyncTranslationLoader loader = k -> CompletableFuture.completedFuture("r" + loads.incrementAndGet());
    assertThat(cache.getOrLoadAsync(key("a"), loader).toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("r1");
    assertThat(cache.getOrLoadAsync(key("a"), loader).toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("r1");
    assertThat(cache.getAsync(key("a")).toCompletableFuture().get(5, TimeUnit.SECONDS)).contains("r1");
    assertThat(loads).hasValue(1);
  }

  @Test
  void theKeyCoversEveryField() {
    TranslationCache cache = cache();
    TranslationKey plain = TranslationKey.builder("en", "es", "x").build();
    TranslationKey otherTarget = TranslationKey.builder("en", "fr", "x").build();
    TranslationKey domain = TranslationKey.builder("en", "es", "x").domain("medical").build();
    TranslationKey model = TranslationKey.builder("en", "es", "x").model("m-1").build();
    TranslationKey bytes = TranslationKey.builder("en", "es", new byte[] {'x'}).build();
    cache.put(plain, "p");
    cache.put(otherTarget, "t");
    cache.put(domain, "d");
    cache.put(model, "m");
    assertThat(cache.get(plain)).contains("p");
    assertThat(cache.get(otherTarget)).contains("t");
    assertThat(cache.get(domain)).contains("d");
    assertThat(cache.get(model)).contains("m");
    assertThat(cache.get(bytes)).as("the same input as bytes or text is one key").contains("p");
  }

  @Test
  void aFailedLoadCachesNothingAndTheNextCallLoadsAgain() {
    TranslationCache cache = cache();
    assertThatThrownBy(() -> cache.getOrLoad(key("a"), k -> {
          throw new IllegalStateException("decoder down");
        }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("decoder down");
    assertThatThrownBy(() -> cache.getOrLoad(key("a"), k -> {
          throw new IOException("socket");
        }))
        .isInstanceOf(TranslationLoadException.class)
        .hasCauseInstanceOf(IOException.class);
    assertThat(cache.get(key("a"))).isEmpty();
    assertThat(cache.getOrLoad(key("a"), k -> "ok")).isEqualTo("ok");
    assertThat(cache.stats().loadFailures()).isEqualTo(2);
    assertThat(cache.stats().loadSuccesses()).isEqualTo(1);
  }

  @Test
  void aFailedAsyncLoadFailsTheStageAndCachesNothing() {
    TranslationCache cache = cache();
    CompletableFuture<String> f = cache.getOrLoadAsync(key("a"),
        k -> CompletableFuture.failedFuture(new IllegalStateException("decoder down"))).toCompletableFuture();
    assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
    CompletableFuture<String> thrown = cache.getOrLoadAsync(key("a"), k -> {
      throw new IllegalArgumentException("thrown, not returned");
    }).toCompletableFuture();
    assertThatThrownBy(() -> thrown.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalArgumentException.class);
    assertThat(cache.get(key("a"))).isEmpty();
  }

  @Test
  void aNullResultIsAFailure() {
    TranslationCache cache = cache();
    assertThatThrownBy(() -> cache.getOrLoad(key("a"), k -> null))
        .isInstanceOf(TranslationLoadException.class)
        .hasMessageContaining("returned null");
    assertThat(cache.get(key("a"))).isEmpty();
  }

  @Test
  void concurrentCallersOfOneKeyShareOneLoad() throws Exception {
    TranslationCache cache = cache();
    AtomicInteger loads = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TranslationLoader loader = k -> {
      loads.incrementAndGet();
      started.countDown();
      assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
      return "shared";
    };
    ExecutorService pool = Executors.newFixedThreadPool(20);
    try {
      List<Future<String>> results = new ArrayList<>();
      results.add(pool.submit(() -> cache.getOrLoad(key("k"), loader)));
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      for (int i = 0; i < 19; i++) {
        results.add(pool.submit(() -> cache.getOrLoad(key("k"), loader)));
      }
      List<CompletableFuture<String>> async = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        async.add(cache.getOrLoadAsync(key("k"), k -> CompletableFuture.completedFuture("other")).toCompletableFuture());
      }
      // every caller has joined the load (each counts a miss as it joins) before it finishes
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cache.stats().misses() == 25);
      release.countDown();
      for (Future<String> r : results) {
        assertThat(r.get(10, TimeUnit.SECONDS)).isEqualTo("shared");
      }
      for (CompletableFuture<String> r : async) {
        assertThat(r.get(10, TimeUnit.SECONDS)).isEqualTo("shared");
      }
      assertThat(loads).hasValue(1);
      assertThat(cache.stats().loadSuccesses()).isEqualTo(1);
      assertThat(cache.stats().sharedLoads()).isEqualTo(24);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void waitersOfAFailedLoadGetItsFailure() throws Exception {
    TranslationCache cache = cache();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<String> owner = pool.submit(() -> cache.getOrLoad(key("k"), k -> {
        started.countDown();
        assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
        throw new IllegalStateException("boom");
      }));
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<String> waiter =
          cache.getOrLoadAsync(key("k"), k -> CompletableFuture.completedFuture("never")).toCompletableFuture();
      release.countDown();
      assertThatThrownBy(() -> owner.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> waiter.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
      assertThat(cache.getOrLoad(key("k"), k -> "again")).isEqualTo("again");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void invalidateRemovesOneKey() {
    TranslationCache cache = cache();
    cache.put(key("a"), "1");
    cache.put(key("b"), "2");
    cache.invalidate(key("a"));
    assertThat(cache.get(key("a"))).isEmpty();
    assertThat(cache.get(key("b"))).contains("2");
    assertThat(cache.getOrLoad(key("a"), k -> "reloaded")).isEqualTo("reloaded");
  }

  @Test
  void invalidateAllRemovesEveryKey() throws Exception {
    TranslationCache cache = cache();
    for (int i = 0; i < 50; i++) {
      cache.put(key("k" + i), "v" + i);
    }
    cache.invalidateAllAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);
    for (int i = 0; i < 50; i++) {
      assertThat(cache.get(key("k" + i))).isEmpty();
    }
    cache.put(key("k1"), "new");
    assertThat(cache.get(key("k1"))).contains("new");
  }

  @Test
  void aValueAboveMaxValueBytesIsReturnedButNotCached() {
    TranslationCache cache = cache(b -> b.maxValueBytes(100));
    String big = "x".repeat(101);
    AtomicInteger loads = new AtomicInteger();
    assertThat(cache.getOrLoad(key("a"), k -> {
      loads.incrementAndGet();
      return big;
    })).isEqualTo(big);
    assertThat(cache.getOrLoad(key("a"), k -> {
      loads.incrementAndGet();
      return big;
    })).isEqualTo(big);
    assertThat(loads).hasValue(2);
    assertThat(cache.stats().notCached()).isEqualTo(2);
    cache.put(key("b"), "small");
    cache.put(key("b"), big);
    assertThat(cache.get(key("b"))).as("an oversized put drops the old value").isEmpty();
    String exact = "y".repeat(100);
    cache.put(key("c"), exact);
    assertThat(cache.get(key("c"))).contains(exact);
  }

  @Test
  void largeAndNonAsciiValuesRoundTrip() {
    TranslationCache cache = cache(b -> b.compressionThreshold(64));
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      sb.append("línea ").append(i).append(" 翻訳 😀 ");
    }
    String large = sb.toString();
    cache.put(key("large"), large);
    cache.put(key("short"), "ñ😀");
    cache.put(key("empty"), "");
    assertThat(cache.get(key("large"))).contains(large);
    assertThat(cache.get(key("short"))).contains("ñ😀");
    assertThat(cache.get(key("empty"))).contains("");
  }

  @Test
  void argumentsAreChecked() {
    TranslationCache cache = cache();
    assertThatThrownBy(() -> cache.get(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("key");
    assertThatThrownBy(() -> cache.put(key("a"), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("value");
    assertThatThrownBy(() -> cache.getOrLoad(key("a"), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("loader");
    assertThatThrownBy(() -> cache.getOrLoadAsync(null, k -> CompletableFuture.completedFuture("")))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("key");
  }

  @Test
  void statsCountEveryGet() {
    TranslationCache cache = cache();
    cache.get(key("a"));
    cache.put(key("a"), "1");
    cache.get(key("a"));
    cache.get(key("a"));
    CacheStats s = cache.stats();
    assertThat(s.misses()).isEqualTo(1);
    assertThat(s.hits() + s.nearHits()).isEqualTo(2);
    assertThat(s.hitRatio()).isCloseTo(2.0 / 3, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(cache.name()).startsWith("conf-");
  }

  @Test
  void anExpiredEntryIsGone() {
    TranslationCache cache = cache(b -> b.timeToLive(Duration.ofSeconds(1)));
    cache.put(key("a"), "1");
    assertThat(cache.get(key("a"))).contains("1");
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> cache.get(key("a")).equals(Optional.empty()));
  }

  @Test
  void asyncCallsComplete() throws Exception {
    TranslationCache cache = cache();
    cache.putAsync(key("a"), "1").toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(cache.getAsync(key("a")).toCompletableFuture().get(5, TimeUnit.SECONDS)).contains("1");
    cache.invalidateAsync(key("a")).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(cache.getAsync(key("a")).toCompletableFuture().get(5, TimeUnit.SECONDS)).isEmpty();
    try {
      cache.getOrLoadAsync(key("b"), k -> CompletableFuture.completedFuture("x")).toCompletableFuture().join();
    } catch (CompletionException e) {
      throw new AssertionError(e);
    }
  }
}
