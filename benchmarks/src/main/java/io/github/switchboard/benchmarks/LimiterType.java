package io.github.switchboard.benchmarks;

import io.github.bucket4j.local.SynchronizationStrategy;
import io.github.switchboard.ratelimit.Algorithm;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/*
 * Every limiter under test, chosen with @Param as Caffeine's benchmarks choose a CacheType. Each benchmark
 * lists the types that make sense for it (in-memory or Redis-backed); a type's policy is in
 * BenchmarkPolicy.
 */
/** The limiters under test. */
public enum LimiterType {
  /** Switchboard in memory, {@code SLIDING_WINDOW_LOG}. */
  SWITCHBOARD_SLIDING_WINDOW_LOG(false) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return SwitchboardLimiter.inMemory(Algorithm.SLIDING_WINDOW_LOG, keys);
    }
  },
  /** Switchboard in memory, {@code SLIDING_WINDOW_COUNTER}. */
  SWITCHBOARD_SLIDING_WINDOW_COUNTER(false) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return SwitchboardLimiter.inMemory(Algorithm.SLIDING_WINDOW_COUNTER, keys);
    }
  },
  /** Switchboard in memory, {@code FIXED_WINDOW}. */
  SWITCHBOARD_FIXED_WINDOW(false) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return SwitchboardLimiter.inMemory(Algorithm.FIXED_WINDOW, keys);
    }
  },
  /** Switchboard in memory, {@code TOKEN_BUCKET} (GCRA). */
  SWITCHBOARD_TOKEN_BUCKET(false) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return SwitchboardLimiter.inMemory(Algorithm.TOKEN_BUCKET, keys);
    }
  },
  /**
   * Switchboard in memory, {@code TOKEN_BUCKET}, with {@code LimitPlans}: 100 plans, half the keys
   * assigned (issue 21; see {@link SwitchboardLimiter#withPlans}).
   */
  SWITCHBOARD_TOKEN_BUCKET_PLANS(false) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return SwitchboardLimiter.withPlans(Algorithm.TOKEN_BUCKET, keys, null);
    }
  },
  /**
   * Switchboard in memory, {@code TOKEN_BUCKET}, through {@code RateLimiter.allow}: the verdict alone, as
   * Guava, resilience4j and Bucket4j return it (no {@code Decision} is built).
   */
  SWITCHBOARD_TOKEN_BUCKET_ALLOW(false) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return SwitchboardLimiter.inMemoryVerdict(Algorithm.TOKEN_BUCKET, keys);
    }
  },
  /** Switchboard in memory, {@code FIXED_WINDOW}, through {@code RateLimiter.allow} (the verdict alone). */
  SWITCHBOARD_FIXED_WINDOW_ALLOW(false) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return SwitchboardLimiter.inMemoryVerdict(Algorithm.FIXED_WINDOW, keys);
    }
  },
  /** Bucket4j's local bucket, lock-free (its default), one per client in a map. */
  BUCKET4J_LOCK_FREE(false) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return new LocalPeers.Bucket4jLocal(keys, SynchronizationStrategy.LOCK_FREE);
    }
  },
  /** Bucket4j's local bucket, synchronized, one per client in a map. */
  BUCKET4J_SYNCHRONIZED(false) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return new LocalPeers.Bucket4jLocal(keys, SynchronizationStrategy.SYNCHRONIZED);
    }
  },
  /** Guava's {@code RateLimiter}, one per client in a map. */
  GUAVA(false) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return new LocalPeers.Guava(keys);
    }
  },
  /** resilience4j's {@code RateLimiter} (AtomicRateLimiter), one per client in a map. */
  RESILIENCE4J(false) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return new LocalPeers.Resilience4j(keys);
    }
  },

  /** Switchboard on Redis, {@code SLIDING_WINDOW_LOG}. */
  SWITCHBOARD_REDIS_SLIDING_WINDOW_LOG(true) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return SwitchboardLimiter.onRedis(Algorithm.SLIDING_WINDOW_LOG, keys, need(redis));
    }
  },
  /** Switchboard on Redis, {@code SLIDING_WINDOW_COUNTER}. */
  SWITCHBOARD_REDIS_SLIDING_WINDOW_COUNTER(true) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return SwitchboardLimiter.onRedis(Algorithm.SLIDING_WINDOW_COUNTER, keys, need(redis));
    }
  },
  /** Switchboard on Redis, {@code FIXED_WINDOW}. */
  SWITCHBOARD_REDIS_FIXED_WINDOW(true) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return SwitchboardLimiter.onRedis(Algorithm.FIXED_WINDOW, keys, need(redis));
    }
  },
  /** Switchboard on Redis, {@code TOKEN_BUCKET} (GCRA). */
  SWITCHBOARD_REDIS_TOKEN_BUCKET(true) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return SwitchboardLimiter.onRedis(Algorithm.TOKEN_BUCKET, keys, need(redis));
    }
  },
  /**
   * Switchboard on Redis, {@code TOKEN_BUCKET}, with {@code LimitPlans} on the same Redis: 100 plans, half
   * the keys assigned (issue 21; see {@link SwitchboardLimiter#withPlans}).
   */
  SWITCHBOARD_REDIS_TOKEN_BUCKET_PLANS(true) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return SwitchboardLimiter.withPlans(Algorithm.TOKEN_BUCKET, keys, need(redis));
    }
  },
  /**
   * Switchboard on Redis, {@code TOKEN_BUCKET}, with coalescing and the local deny cache off: one script
   * call per decision, as before them (the same-run baseline of what they change).
   */
  SWITCHBOARD_REDIS_TOKEN_BUCKET_UNCOALESCED(true) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return SwitchboardLimiter.onRedisUncoalesced(Algorithm.TOKEN_BUCKET, keys, need(redis));
    }
  },
  /**
   * Switchboard on Redis, {@code TOKEN_BUCKET}, with no blocking connections ({@code syncConnections(0)}):
   * every sync decision through the shared Lettuce connection, coalesced (the same-run baseline of the
   * blocking connections).
   */
  SWITCHBOARD_REDIS_TOKEN_BUCKET_SHARED_CONNECTION(true) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return SwitchboardLimiter.onRedisSharedConnection(Algorithm.TOKEN_BUCKET, keys, need(redis));
    }
  },
  /** The ceiling: a raw Lettuce EVALSHA of Switchboard's {@code SLIDING_WINDOW_LOG} script. */
  EVALSHA_SLIDING_WINDOW_LOG(true) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return new RawEvalSha(Algorithm.SLIDING_WINDOW_LOG, keys, need(redis));
    }
  },
  /** The ceiling: a raw Lettuce EVALSHA of Switchboard's {@code SLIDING_WINDOW_COUNTER} script. */
  EVALSHA_SLIDING_WINDOW_COUNTER(true) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return new RawEvalSha(Algorithm.SLIDING_WINDOW_COUNTER, keys, need(redis));
    }
  },
  /** The ceiling: a raw Lettuce EVALSHA of Switchboard's {@code FIXED_WINDOW} script. */
  EVALSHA_FIXED_WINDOW(true) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return new RawEvalSha(Algorithm.FIXED_WINDOW, keys, need(redis));
    }
  },
  /** The ceiling: a raw Lettuce EVALSHA of Switchboard's {@code TOKEN_BUCKET} script. */
  EVALSHA_TOKEN_BUCKET(true) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return new RawEvalSha(Algorithm.TOKEN_BUCKET, keys, need(redis));
    }
  },
  /** Bucket4j's Lettuce proxy manager (compare-and-swap). */
  BUCKET4J_LETTUCE(true) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return new Bucket4jRedis(keys, need(redis));
    }
  },
  /** Redisson's {@code RRateLimiter}. */
  REDISSON(true) {
    @Override
    Limiter create(String[] keys, @Nullable RedisFixture redis) {
      return new RedissonPeer(keys, need(redis));
    }
  };

  private final boolean usesRedis;

  LimiterType(boolean usesRedis) {
    this.usesRedis = usesRedis;
  }

  /**
   * Whether this limiter keeps its state in Redis.
   *
   * @return true for the Redis-backed types
   */
  public boolean usesRedis() {
    return usesRedis;
  }

  /** Builds the limiter over the given keys (and Redis server, for the Redis-backed types). */
  abstract Limiter create(String[] keys, @Nullable RedisFixture redis);

  private static RedisFixture need(@Nullable RedisFixture redis) {
    return Objects.requireNonNull(redis, "a Redis-backed limiter needs a Redis server");
  }
}
