package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * 4 limiter instances, each with its own connection, 8 threads each, one key, a sliding-window-log limit
 * of 1000 per 10 s on one Redis (Redis's clock): exactly 1000 grants.
 */
class RedisExactnessTest {
  private RedisServer redis;

  @BeforeEach
  void clean() {
    redis = RedisHarness.sharedStandalone();
    redis.flushAll();
  }

  @Test
  void fourInstancesOfEightThreadsGrantExactlyTheLimit() throws Exception {
    RateLimitPolicy policy =
        RateLimitPolicy.builder()
            .algorithm(Algorithm.SLIDING_WINDOW_LOG)
            .limit(1000, Duration.ofSeconds(10))
            .build();
    List<RateLimiter> instances = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      instances.add(
          RateLimiters.builder(policy)
              .redis(redis.target())
              .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofSeconds(2)).build())
              .build());
    }
    ExecutorService pool = Executors.newFixedThreadPool(32);
    AtomicLong granted = new AtomicLong();
    AtomicLong denied = new AtomicLong();
    AtomicLong degraded = new AtomicLong();
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    try {
      for (RateLimiter limiter : instances) {
        for (int t = 0; t < 8; t++) {
          futures.add(
              pool.submit(
                  () -> {
                    go.await();
                    for (int i = 0; i < 50; i++) {
                      Decision d =
                          i % 2 == 0
                              ? limiter.tryAcquire("hammered")
                              : limiter.tryAcquireAsync("hammered", 1).toCompletableFuture().join();
                      if (d.degraded()) {
                        degraded.incrementAndGet();
                      } else if (d.allowed()) {
                        granted.incrementAndGet();
                      } else {
                        denied.incrementAndGet();
                      }
                    }
                    return null;
                  }));
        }
      }
      long start = System.nanoTime();
      go.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
      long tookMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(tookMillis).as("the run must fit in one window to be judged").isLessThan(9_000);
    } finally {
      pool.shutdownNow();
      for (RateLimiter l : instances) {
        l.close();
      }
    }
    assertThat(degraded.get()).isZero();
    assertThat(granted.get()).isEqualTo(1000);
    assertThat(denied.get()).isEqualTo(32 * 50 - 1000);
    try (StatefulRedisConnection<String, String> c = redis.connect()) {
      List<String> keys = c.sync().keys("*");
      assertThat(keys).hasSize(1);
      assertThat(c.sync().zcard(keys.get(0))).as("one member per grant").isEqualTo(1000);
    }
  }
}
