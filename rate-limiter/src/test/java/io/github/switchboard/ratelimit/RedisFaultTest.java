package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Redis killed, restarted and paused under a multi-threaded load, on a fresh server per test. */
class RedisFaultTest {
  private static final RateLimitPolicy POLICY =
      RateLimitPolicy.builder().limit(100_000, Duration.ofSeconds(10)).build();

  /** Threads calling the limiter (half sync, half async) until stopped, recording what they see. */
  static final class Load implements AutoCloseable {
    final ExecutorService pool;
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong exceptions = new AtomicLong();
    final AtomicReference<Throwable> firstException = new AtomicReference<>();
    final AtomicReference<Decision> last = new AtomicReference<>();
    final AtomicLong degradedCount = new AtomicLong();
    final AtomicLong lastNonDegradedNanos = new AtomicLong();
    final AtomicLong firstDegradedNanos = new AtomicLong();
    final ConcurrentLinkedQueue<Decision> degraded = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Long> syncLatencyNanos = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Long> asyncLatencyNanos = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Long> asyncCallNanos = new ConcurrentLinkedQueue<>();
    final List<Future<?>> futures = new ArrayList<>();
    volatile boolean measure;

    Load(RateLimiter limiter, int threads) {
      pool = Executors.newFixedThreadPool(threads);
      for (int t = 0; t < threads; t++) {
        final boolean async = t % 2 == 1;
        final String key = "client-" + (t % 3);
        futures.add(
            pool.submit(
                () -> {
                  while (!stop.get()) {
                    try {
                      long start = System.nanoTime();
                      Decision d;
                      if (async) {
                        var stage = limiter.tryAcquireAsync(key, 1);
                        long returned = System.nanoTime();
                        d = stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
                        if (measure) {
                          asyncCallNanos.add(returned - start);
                          asyncLatencyNanos.add(System.nanoTime() - start);
                        }
                      } else {
                        d = limiter.tryAcquire(key);
                        if (measure) {
                          syncLatencyNanos.add(System.nanoTime() - start);
                        }
                      }
                      last.set(d);
                      if (d.degraded()) {
                        degradedCount.incrementAndGet();
                        firstDegradedNanos.compareAndSet(0, System.nanoTime());
                        if (degraded.size() < 10_000) {
                          degraded.add(d);
                        }
                      } else {
                        lastNonDegradedNanos.set(System.nanoTime());
                      }
                    } catch (Throwable e) {
                      exceptions.incrementAndGet();
                      firstException.compareAndSet(null, e);
                    }
                  }
                  return null;
                }));
      }
    }

    @Override
    public void close() throws Exception {
      stop.set(true);
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();
    }
  }

  static long percentile(ConcurrentLinkedQueue<Long> nanos, double p) {
    long[] a = nanos.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(a);
    if (a.length == 0) {
      return 0;
    }
    return a[Math.min(a.length - 1, (int) Math.ceil(p * a.length) - 1)];
  }

  @ParameterizedTest
  @EnumSource(FallbackMode.class)
  void killedThenRestarted(FallbackMode mode) throws Exception {
    try (RedisServer redis = RedisHarness.standalone();
        RateLimiter limiter =
            RateLimiters.builder(POLICY)
                .redis(redis.target())
                .redisOptions(redis.options())
                .fallback(mode)
                .expectedInstances(4)
                .build();
        Load load = new Load(limiter, 8)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> load.lastNonDegradedNanos.get() > 0);
      assertThat(load.degradedCount.get()).as("healthy Redis: no degraded decision").isZero();

      long killedAt = System.nanoTime();
      redis.kill();
      await("degraded decisions after the kill")
          .atMost(Duration.ofSeconds(5))
          .until(() -> load.degradedCount.get() > 100);
      long toDegradedMillis = (load.firstDegradedNanos.get() - killedAt) / 1_000_000;
      System.out.printf("[%s] first degraded decision %d ms after the kill%n", mode, toDegradedMillis);
      assertThat(toDegradedMillis).isLessThan(2_000);
      await("breaker open").atMost(Duration.ofSeconds(5))
          .until(() -> limiter.backendState() == BackendState.FALLBACK);
      for (Decision d : load.degraded) {
        switch (mode) {
          case LOCAL -> assertThat(d.limit()).as("divided by 4").isEqualTo(25_000);
          case ALLOW -> assertThat(d.allowed()).isTrue();
          case DENY -> assertThat(d.allowed()).isFalse();
        }
      }

      long restartedAt = System.nanoTime();
      redis.restart();
      await("decisions from Redis again")
          .atMost(Duration.ofSeconds(15))
          .until(
              () ->
                  load.lastNonDegradedNanos.get() > restartedAt
                      && limiter.backendState() == BackendState.PRIMARY);
      long backMillis = (load.lastNonDegradedNanos.get() - restartedAt) / 1_000_000;
      System.out.printf("[%s] back on Redis about %d ms after the restart%n", mode, backMillis);
      Decision d = limiter.tryAcquire("after-restart");
      assertThat(d.degraded()).isFalse();
      assertThat(d.limit()).isEqualTo(100_000);
      assertThat(load.exceptions.get())
          .as("no exception reaches a caller (first: %s)", load.firstException.get())
          .isZero();
    }
  }

  @Test
  void pausedServerNeverHoldsACallerBeyondTheTimeout() throws Exception {
    try (RedisServer redis = RedisHarness.standalone();
        RateLimiter limiter =
            RateLimiters.builder(POLICY)
                .redis(redis.target())
                .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofMillis(250)).build())
                .build();
        Load load = new Load(limiter, 8)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> load.lastNonDegradedNanos.get() > 0);
      load.measure = true;
      redis.pause();
      try {
        long pausedAt = System.nanoTime();
        // the load runs against the frozen server for 3 s: long enough for the breaker to open,
        // probe (after 1 s) and open again
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
        load.measure = false;
        long syncP99 = percentile(load.syncLatencyNanos, 0.99) / 1_000_000;
        long syncMax = percentile(load.syncLatencyNanos, 1.0) / 1_000_000;
        long asyncP99 = percentile(load.asyncLatencyNanos, 0.99) / 1_000_000;
        long asyncMax = percentile(load.asyncLatencyNanos, 1.0) / 1_000_000;
        long asyncCallP99 = percentile(load.asyncCallNanos, 0.99) / 1_000;
        System.out.printf(
            "paused: %d sync calls p99 %d ms max %d ms; %d async p99 %d ms max %d ms;"
                + " tryAcquireAsync returns in p99 %d µs; degraded %d%n",
            load.syncLatencyNanos.size(),
            syncP99,
            syncMax,
            load.asyncLatencyNanos.size(),
            asyncP99,
            asyncMax,
            asyncCallP99,
            load.degradedCount.get());
        assertThat(load.degradedCount.get()).isPositive();
        assertThat(syncP99).as("sync p99 with a 250 ms command timeout").isLessThan(1_000);
        assertThat(asyncP99).as("async p99 with a 250 ms command timeout").isLessThan(1_000);
        assertThat(syncMax).isLessThan(2_000);
        assertThat(asyncCallP99).as("the async call itself does not wait for Redis").isLessThan(100_000);
        assertThat(System.nanoTime() - pausedAt).isPositive();
      } finally {
        redis.resume();
      }
      long resumedAt = System.nanoTime();
      await("decisions from Redis again after resume")
          .atMost(Duration.ofSeconds(15))
          .until(() -> load.lastNonDegradedNanos.get() > resumedAt);
      assertThat(load.exceptions.get())
          .as("no exception reaches a caller (first: %s)", load.firstException.get())
          .isZero();
    }
  }
}
