package io.github.switchboard.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.switchboard.cache.TranslationCaches;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RBucket;
import org.redisson.api.RFuture;
import org.redisson.api.RLocalCachedMap;
import org.redisson.api.RMap;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.LocalCachedMapOptions;
import org.redisson.client.codec.StringCodec;

/*
 * The peers of the translation cache, each set up as its documentation shows and configured like
 * Switchboard's defaults where it has the same knob (10,000 entries near, 7 days to live):
 *
 *   Caffeine: the near tier's ceiling, a Caffeine cache built exactly as Switchboard builds its near cache
 *     (maximumSize 10,000, expireAfterWrite 7 days, same-thread executor), read with getIfPresent.
 *   Redisson RLocalCachedMap: a hash in Redis with a local cache (LRU, 10,000 entries, 7 days), defaults
 *     otherwise (invalidation by pub/sub), StringCodec; and the same with useObjectAsCacheKey(true), which
 *     keys the local cache by the key object instead of a hash of its encoding.
 *   Redisson RMap (one hash, HGET) and RBucket (one string key per entry, GET), StringCodec, the RBucket
 *     objects built once per key (generous: an application often builds one per call).
 *   Raw Lettuce GET, the ceiling of a remote read: the very GET Switchboard sends, on the same keys holding
 *     the same bytes (written by a Switchboard cache, then found with SCAN), on one connection with the
 *     same UTF-8 string codec, every key name precomputed.
 *
 * Redisson's values are the 200-character results as they are; Switchboard stores each with a 10-byte
 * header (sb1:t:200:), which the raw GET reads too.
 */
/** Caffeine, Redisson and raw Lettuce, the translation cache's peers. */
final class CachePeers {
  private CachePeers() {}

  /** Switchboard's defaults, which every peer that has the knob is given. */
  static final int NEAR_ENTRIES = TranslationCaches.DEFAULT_NEAR_CACHE_SIZE;

  static final Duration TIME_TO_LIVE = TranslationCaches.DEFAULT_TIME_TO_LIVE;

  /** Caffeine's getIfPresent, built as Switchboard's near cache. */
  static final class CaffeineCeiling implements CachePeer {
    private final Cache<String, String> cache =
        Caffeine.newBuilder()
            .maximumSize(NEAR_ENTRIES)
            .expireAfterWrite(TIME_TO_LIVE)
            .executor(Runnable::run)
            .build();
    private String[] digests = new String[0];

    @Override
    public void fill(CacheData data) {
      digests = data.digests;
      for (int i = 0; i < data.size(); i++) {
        cache.put(data.digests[i], data.values[i]);
      }
    }

    @Override
    public @Nullable String get(int key) {
      return cache.getIfPresent(digests[key]);
    }

    @Override
    public void close() {
      cache.invalidateAll();
    }
  }

  /** What every Redisson peer shares: the client, its shut-down, its entries written in batches. */
  abstract static class RedissonCache implements CachePeer {
    final RedissonClient redisson;
    String[] digests = new String[0];
    int size;

    RedissonCache(RedisFixture redis) {
      redisson = RedissonPeer.connect(redis);
    }

    /** Fills a map in batches of 1,000 entries, keyed by the digests. */
    final void fill(RMap<String, String> map, CacheData data) {
      digests = data.digests;
      size = data.size();
      Map<String, String> batch = new HashMap<>();
      for (int i = 0; i < data.size(); i++) {
        batch.put(data.digests[i], data.values[i]);
        if (batch.size() == 1000 || i == data.size() - 1) {
          map.putAll(batch);
          batch.clear();
        }
      }
    }

    @Override
    public void close() {
      redisson.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }

  /** Redisson's {@code RLocalCachedMap}, read from its local cache. */
  static final class RedissonLocalCached extends RedissonCache {
    private static final String NAME = "redisson:cache:near";
    private final RLocalCachedMap<String, String> map;

    RedissonLocalCached(RedisFixture redis, boolean objectKeys) {
      super(redis);
      map =
          redisson.getLocalCachedMap(
              LocalCachedMapOptions.<String, String>name(NAME)
                  .codec(StringCodec.INSTANCE)
                  .cacheSize(NEAR_ENTRIES)
                  .evictionPolicy(LocalCachedMapOptions.EvictionPolicy.LRU)
                  .timeToLive(TIME_TO_LIVE)
                  .useObjectAsCacheKey(objectKeys));
    }

    @Override
    public void fill(CacheData data) {
      fill(map, data);
      for (String d : digests) {
        map.get(d);
      }
    }

    @Override
    public @Nullable String get(int key) {
      return map.get(digests[key]);
    }

    @Override
    public void printMemoryUsage(RedisFixture redis) {
      CacheTrial.printMemoryUsage(redis, "Redisson RLocalCachedMap hash", NAME, size);
    }

    @Override
    public void verify(CacheTrial.Scenario scenario) {
      int cached = map.getCachedMap().size();
      if (cached != size) {
        throw new IllegalStateException(
            "Redisson's local cache holds " + cached + " of the " + size + " keys: not every read was near");
      }
    }
  }

  /** Redisson's {@code RMap}: one hash, {@code HGET}. */
  static final class RedissonMap extends RedissonCache {
    private static final String NAME = "redisson:cache:map";
    private final RMap<String, String> map;

    RedissonMap(RedisFixture redis) {
      super(redis);
      map = redisson.getMap(NAME, StringCodec.INSTANCE);
    }

    @Override
    public void fill(CacheData data) {
      fill(map, data);
    }

    @Override
    public CompletionStage<?> getAsync(int key) {
      return map.getAsync(digests[key]);
    }

    @Override
    public void printMemoryUsage(RedisFixture redis) {
      CacheTrial.printMemoryUsage(redis, "Redisson RMap hash", NAME, size);
    }
  }

  /** Redisson's {@code RBucket}: one string key per entry, {@code GET}. */
  static final class RedissonBuckets extends RedissonCache {
    private static final String PREFIX = "redisson:cache:bucket:0:";
    private RBucket<String>[] buckets = newBuckets(0);

    RedissonBuckets(RedisFixture redis) {
      super(redis);
    }

    @SuppressWarnings("unchecked")
    private static RBucket<String>[] newBuckets(int n) {
      return (RBucket<String>[]) new RBucket<?>[n];
    }

    @Override
    public void fill(CacheData data) {
      buckets = newBuckets(data.size());
      List<CompletableFuture<Void>> pending = new ArrayList<>(data.size());
      for (int i = 0; i < data.size(); i++) {
        buckets[i] = redisson.getBucket(PREFIX + "{" + data.digests[i] + "}", StringCodec.INSTANCE);
        RFuture<Void> set = buckets[i].setAsync(data.values[i], TIME_TO_LIVE);
        pending.add(set.toCompletableFuture());
      }
      CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0])).join();
    }

    @Override
    public CompletionStage<?> getAsync(int key) {
      return buckets[key].getAsync();
    }

    @Override
    public void printMemoryUsage(RedisFixture redis) {
      CacheTrial.printMemoryUsage(redis, "Redisson RBucket", PREFIX + "*", 1);
    }
  }

  /** The ceiling of a remote read: a raw Lettuce {@code GET} of the keys Switchboard wrote. */
  static final class LettuceGet implements CachePeer {
    private final RedisFixture redis;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisAsyncCommands<String, String> async;
    private String[] names = new String[0];

    LettuceGet(RedisFixture redis) {
      this.redis = redis;
      client = RedisClient.create(redis.uri());
      connection = client.connect();
      async = connection.async();
    }

    /* Switchboard writes the entries; SCAN finds their names, each holding its key's digest in braces. */
    @Override
    public void fill(CacheData data) {
      try (SwitchboardCache writer = SwitchboardCache.remote(redis)) {
        writer.fill(data);
      }
      Map<String, Integer> byDigest = new HashMap<>();
      for (int i = 0; i < data.size(); i++) {
        byDigest.put(data.digests[i], i);
      }
      names = new String[data.size()];
      for (String name : redis.keys(SwitchboardCache.ENTRY_PATTERN)) {
        Integer i = byDigest.get(name.substring(name.lastIndexOf('{') + 1, name.lastIndexOf('}')));
        if (i != null) {
          names[i] = name;
        }
      }
      for (int i = 0; i < names.length; i++) {
        if (names[i] == null) {
          throw new IllegalStateException("no Redis key found for entry " + i + " (" + data.digests[i] + ")");
        }
      }
    }

    @Override
    public CompletionStage<?> getAsync(int key) {
      return async.get(names[key]);
    }

    @Override
    public void close() {
      connection.close();
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
