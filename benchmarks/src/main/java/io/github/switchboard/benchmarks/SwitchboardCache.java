package io.github.switchboard.benchmarks;

import io.github.switchboard.cache.AsyncTranslationLoader;
import io.github.switchboard.cache.CacheStats;
import io.github.switchboard.cache.TranslationCache;
import io.github.switchboard.cache.TranslationCaches;
import io.github.switchboard.cache.TranslationLoader;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.RedisTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/*
 * Switchboard's translation cache through its public API only, as a user builds it:
 * TranslationCaches.builder(name).redis(RedisTarget), its defaults otherwise (7 days to live, a near cache
 * of 10,000 entries, the circuit breaker and local fallback), or with nearCacheSize(0) for the remote
 * reads. The loader of a near hit is one constant that fails the call if it is ever run; the loader of a
 * miss is one constant that answers with an already completed future.
 *
 * The trial's numbers are checked against the cache's own counters (CacheStats) after the measurement:
 * every near-hit call answered by the near cache, every remote read a Redis hit, every miss a load of its
 * own (none shared, none failed) whose result reached Redis; and the circuit breaker must never have left
 * Redis (a fallback answer is not a measurement of Redis).
 */
/** Switchboard's {@code TranslationCache} on Redis, near cache on or off. */
final class SwitchboardCache implements CachePeer {
  /** The cache's name, so its Redis keys are {@code switchboard:cache:bench:<generation>:{<digest>}}. */
  static final String NAME = "bench";

  /** The SCAN pattern of the cache's entries (and only them: not its generation, leases or channel). */
  static final String ENTRY_PATTERN = "switchboard:cache:" + NAME + ":*:{*}";

  /** The result of every fresh key, and the future the instant loader answers with. */
  private static final String FRESH_VALUE = CacheData.value("fresh: ");

  private static final CompletableFuture<String> FRESH_LOADED = CompletableFuture.completedFuture(FRESH_VALUE);

  private static final AsyncTranslationLoader INSTANT = key -> FRESH_LOADED;

  private static final TranslationLoader NEVER =
      key -> {
        throw new IllegalStateException("the near-hit benchmark loaded " + key + ": not a near hit");
      };

  private final TranslationCache cache;
  private final RedisFixture redis;
  private final boolean near;
  private final LongAdder leftRedis = new LongAdder();
  private CacheData data = CacheData.of(0);
  private CacheStats before;
  private long leftRedisBefore;

  private SwitchboardCache(RedisFixture redis, boolean near) {
    this.redis = redis;
    this.near = near;
    TranslationCaches.Builder builder =
        TranslationCaches.builder(NAME)
            .redis(RedisTarget.parse(redis.url()))
            .listener(
                (name, from, to) -> {
                  if (to != BackendState.PRIMARY) {
                    leftRedis.increment();
                  }
                });
    this.cache = near ? builder.build() : builder.nearCacheSize(0).build();
    this.before = cache.stats();
  }

  /**
   * A cache with the near cache on (its default size).
   *
   * @param redis the trial's server
   * @return the peer
   */
  static SwitchboardCache near(RedisFixture redis) {
    return new SwitchboardCache(redis, true);
  }

  /**
   * A cache with the near cache off: every read goes to Redis.
   *
   * @param redis the trial's server
   * @return the peer
   */
  static SwitchboardCache remote(RedisFixture redis) {
    return new SwitchboardCache(redis, false);
  }

  /*
   * put stores in Redis and, with the near cache on, keeps the value near. The puts go AsyncWindow.SIZE at
   * a time: thousands at once would each wait longer than the command timeout behind the others, which
   * the circuit breaker counts as slow calls, and it would open and hand the rest to the fallback (which
   * keeps nothing in Redis). The fill is checked: every entry in Redis, the breaker never left Redis.
   *
   * The near cache is trusted only once the cache's subscription is live (and is emptied when it starts),
   * so a near cache is read back until every key is a near hit (a near miss meanwhile finds the value in
   * Redis and keeps it near).
   */
  @Override
  public void fill(CacheData data) {
    this.data = data;
    List<CompletableFuture<Void>> batch = new ArrayList<>(AsyncWindow.SIZE);
    for (int i = 0; i < data.size(); i++) {
      batch.add(cache.putAsync(data.keys[i], data.values[i]).toCompletableFuture());
      if (batch.size() == AsyncWindow.SIZE || i == data.size() - 1) {
        CompletableFuture.allOf(batch.toArray(new CompletableFuture<?>[0])).join();
        batch.clear();
      }
    }
    int stored = redis.keys(ENTRY_PATTERN).size();
    if (stored != data.size() || leftRedis.sum() > 0) {
      throw new IllegalStateException(
          "the fill left " + stored + " of " + data.size() + " entries in Redis (circuit breaker left Redis "
              + leftRedis.sum() + " times)");
    }
    if (near && data.size() > 0) {
      awaitNearHits();
    }
    before = cache.stats();
    leftRedisBefore = leftRedis.sum();
  }

  private void awaitNearHits() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      long nearHits = cache.stats().nearHits();
      for (int i = 0; i < data.size(); i++) {
        cache.getOrLoad(data.keys[i], NEVER);
      }
      if (cache.stats().nearHits() - nearHits == data.size()) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "the near cache does not answer every key after 10 s (" + cache.nearCacheEntries() + " entries)");
      }
      try {
        Thread.sleep(50); // the subscription is starting: nothing to wait on from outside the cache
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the near cache", e);
      }
    }
  }

  @Override
  public String get(int key) {
    return cache.getOrLoad(data.keys[key], NEVER);
  }

  @Override
  public CompletionStage<?> getAsync(int key) {
    return cache.getAsync(data.keys[key]);
  }

  @Override
  public boolean found(@Nullable Object result) {
    return result instanceof Optional<?> o ? o.isPresent() : FRESH_VALUE.equals(result);
  }

  @Override
  public CompletionStage<?> loadFresh(int n) {
    return cache.getOrLoadAsync(CacheData.key("A fresh input, never asked before: number " + n + "."), INSTANT);
  }

  @Override
  public void printMemoryUsage(RedisFixture redis) {
    CacheTrial.printMemoryUsage(redis, "Switchboard entry", ENTRY_PATTERN, 1);
  }

  @Override
  public void verify(CacheTrial.Scenario scenario) {
    CacheStats now = cache.stats();
    long nearHits = now.nearHits() - before.nearHits();
    long hits = now.hits() - before.hits();
    long misses = now.misses() - before.misses();
    long loads = now.loadSuccesses() - before.loadSuccesses();
    long shared = now.sharedLoads() - before.sharedLoads();
    long failed = now.loadFailures() - before.loadFailures();
    long left = leftRedis.sum() - leftRedisBefore;
    long inRedis = scenario == CacheTrial.Scenario.MISS ? awaitEntries(loads) : -1;
    String counted =
        "nearHits=" + nearHits + " hits=" + hits + " misses=" + misses + " loads=" + loads + " sharedLoads="
            + shared + " loadFailures=" + failed + " notCached=" + (now.notCached() - before.notCached())
            + " corruptValues=" + (now.corruptValues() - before.corruptValues()) + " breakerLeftRedis=" + left
            + (inRedis >= 0 ? " entriesInRedis=" + inRedis : "");
    System.out.println("\nSwitchboard cache (" + (near ? "near on" : "near off") + ", " + scenario + "): " + counted);
    boolean valid =
        switch (scenario) {
          case NEAR_HIT -> nearHits > 0 && hits == 0 && misses == 0;
          case REDIS_HIT -> hits > 0 && nearHits == 0 && misses == 0;
          case MISS -> misses > 0 && misses == loads && hits == 0 && nearHits == 0 && shared == 0 && failed == 0
              && inRedis == loads;
        };
    if (!valid || left > 0) {
      throw new IllegalStateException("not every call took the " + scenario + " path: " + counted);
    }
  }

  /* A load's store is sent after its caller has the value: the last ones may still be on their way. */
  private long awaitEntries(long expected) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    long n = redis.keys(ENTRY_PATTERN).size();
    while (n != expected && System.nanoTime() - deadline < 0) {
      try {
        Thread.sleep(100); // polling Redis from outside the cache: nothing to wait on instead
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      n = redis.keys(ENTRY_PATTERN).size();
    }
    return n;
  }

  @Override
  public void close() {
    cache.close();
  }
}
