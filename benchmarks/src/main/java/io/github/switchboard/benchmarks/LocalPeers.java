package io.github.switchboard.benchmarks;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.local.SynchronizationStrategy;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/*
 * The in-memory peers. None of them is keyed, so each sits behind the per-client map an application would
 * write: ConcurrentHashMap.get, and computeIfAbsent only on a miss (the map is filled before measuring, so
 * the measured path is the get). Switchboard's in-memory limiter does the same lookup inside, so both
 * sides pay for it.
 */
/** Guava, resilience4j and Bucket4j's local buckets, each behind a per-client map. */
final class LocalPeers {
  private LocalPeers() {}

  /** A per-client map of one library's limiters. */
  abstract static class Keyed<T> implements Limiter {
    private final String[] keys;
    private final ConcurrentHashMap<String, T> map;
    private final Function<String, T> factory;

    Keyed(String[] keys, Function<String, T> factory) {
      this.keys = keys;
      this.map = new ConcurrentHashMap<>(Math.max(16, keys.length * 2));
      this.factory = factory;
      for (String k : keys) {
        map.put(k, factory.apply(k));
      }
    }

    final T limiterFor(int key) {
      String k = keys[key];
      T t = map.get(k);
      return t != null ? t : map.computeIfAbsent(k, factory);
    }

    @Override
    public void close() {
      map.clear();
    }
  }

  /** Guava's {@code RateLimiter} (SmoothBursty), one per client. */
  static final class Guava extends Keyed<com.google.common.util.concurrent.RateLimiter> {
    Guava(String[] keys) {
      super(keys, k -> com.google.common.util.concurrent.RateLimiter.create(BenchmarkPolicy.MEMORY_RATE_PER_SECOND));
    }

    @Override
    public boolean tryAcquire(int key) {
      return limiterFor(key).tryAcquire();
    }
  }

  /** resilience4j's {@code AtomicRateLimiter}, one per client. */
  static final class Resilience4j extends Keyed<io.github.resilience4j.ratelimiter.RateLimiter> {
    Resilience4j(String[] keys) {
      super(keys, Resilience4j::create);
    }

    private static io.github.resilience4j.ratelimiter.RateLimiter create(String key) {
      RateLimiterConfig config =
          RateLimiterConfig.custom()
              .limitForPeriod((int) BenchmarkPolicy.MEMORY_RATE_PER_SECOND)
              .limitRefreshPeriod(BenchmarkPolicy.PERIOD)
              .timeoutDuration(java.time.Duration.ZERO)
              .build();
      return io.github.resilience4j.ratelimiter.RateLimiter.of(key, config);
    }

    @Override
    public boolean tryAcquire(int key) {
      return limiterFor(key).acquirePermission();
    }
  }

  /** Bucket4j's local bucket with the given synchronization strategy, one per client. */
  static final class Bucket4jLocal extends Keyed<Bucket> {
    Bucket4jLocal(String[] keys, SynchronizationStrategy strategy) {
      super(
          keys,
          k ->
              Bucket.builder()
                  .addLimit(
                      limit ->
                          limit
                              .capacity(BenchmarkPolicy.MEMORY_RATE_PER_SECOND)
                              .refillGreedy(BenchmarkPolicy.MEMORY_RATE_PER_SECOND, BenchmarkPolicy.PERIOD))
                  .withSynchronizationStrategy(strategy)
                  .build());
    }

    @Override
    public boolean tryAcquire(int key) {
      return limiterFor(key).tryConsume(1);
    }
  }
}
