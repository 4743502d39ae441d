package io.github.switchboard.benchmarks;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/*
 * Every cache under test, chosen with @Param as LimiterType chooses a limiter. Each of CacheBenchmark's
 * scenarios lists the types that make sense for it; a type's configuration is in SwitchboardCache and
 * CachePeers.
 */
/** The caches under test. */
public enum CacheType {
  /** Switchboard on Redis with its near cache (10,000 entries, its default). */
  SWITCHBOARD_NEAR(true) {
    @Override
    CachePeer create(@Nullable RedisFixture redis) {
      return SwitchboardCache.near(need(redis));
    }
  },
  /** Switchboard on Redis with the near cache off ({@code nearCacheSize(0)}): every read from Redis. */
  SWITCHBOARD_REMOTE(true) {
    @Override
    CachePeer create(@Nullable RedisFixture redis) {
      return SwitchboardCache.remote(need(redis));
    }
  },
  /** The near tier's ceiling: Caffeine's {@code getIfPresent}, built as Switchboard's near cache. */
  CAFFEINE(false) {
    @Override
    CachePeer create(@Nullable RedisFixture redis) {
      return new CachePeers.CaffeineCeiling();
    }
  },
  /** Redisson's {@code RLocalCachedMap}, read from its local cache. */
  REDISSON_LOCAL_CACHED_MAP(true) {
    @Override
    CachePeer create(@Nullable RedisFixture redis) {
      return new CachePeers.RedissonLocalCached(need(redis), false);
    }
  },
  /** Redisson's {@code RLocalCachedMap} with {@code useObjectAsCacheKey(true)}. */
  REDISSON_LOCAL_CACHED_MAP_OBJECT_KEY(true) {
    @Override
    CachePeer create(@Nullable RedisFixture redis) {
      return new CachePeers.RedissonLocalCached(need(redis), true);
    }
  },
  /** Redisson's {@code RMap} (one hash), read from Redis. */
  REDISSON_MAP(true) {
    @Override
    CachePeer create(@Nullable RedisFixture redis) {
      return new CachePeers.RedissonMap(need(redis));
    }
  },
  /** Redisson's {@code RBucket} (one string key per entry), read from Redis. */
  REDISSON_BUCKET(true) {
    @Override
    CachePeer create(@Nullable RedisFixture redis) {
      return new CachePeers.RedissonBuckets(need(redis));
    }
  },
  /** The ceiling of a remote read: a raw Lettuce {@code GET} of the entries Switchboard wrote. */
  LETTUCE_GET(true) {
    @Override
    CachePeer create(@Nullable RedisFixture redis) {
      return new CachePeers.LettuceGet(need(redis));
    }
  };

  private final boolean usesRedis;

  CacheType(boolean usesRedis) {
    this.usesRedis = usesRedis;
  }

  /**
   * Whether this cache keeps its entries in Redis.
   *
   * @return true for the Redis-backed types
   */
  public boolean usesRedis() {
    return usesRedis;
  }

  /** Builds the cache (on the trial's Redis server, for the Redis-backed types). */
  abstract CachePeer create(@Nullable RedisFixture redis);

  private static RedisFixture need(@Nullable RedisFixture redis) {
    return Objects.requireNonNull(redis, "a Redis-backed cache needs a Redis server");
  }
}
