package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a decision costs on Redis: exactly one script call whatever the number of limits, no
 * transactions; every key written has a TTL bounded by its windows; a flushed script cache is reloaded
 * without the caller noticing.
 */
class RedisCostTest {
  private RedisServer redis;

  @BeforeEach
  void clean() {
    redis = RedisHarness.sharedStandalone();
    redis.flushAll();
  }

  private RateLimiter limiter(Algorithm algorithm) {
    return RateLimiters.builder(
            RateLimitPolicy.builder()
                .algorithm(algorithm)
                .limit(5, Duration.ofSeconds(1))
                .limit(20, Duration.ofMinutes(1))
                .limit(100, Duration.ofHours(1))
                .build())
        .redis(redis.target())
        .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofSeconds(2)).build())
        .localDenyCache(false) // every decision goes to Redis: the cost of one is measured here
        .build();
  }

  private long calls(String command) {
    Map<String, String> stats = redis.info("commandstats");
    String v = stats.get("cmdstat_" + command);
    if (v == null) {
      return 0;
    }
    for (String part : v.split(",")) {
      if (part.startsWith("calls=")) {
        return Long.parseLong(part.substring("calls=".length()));
      }
    }
    return 0;
  }

  @Test
  void oneScriptCallPerDecisionAndATtlOnEveryKey() {
    List<RateLimiter> limiters = new ArrayList<>();
    for (Algorithm a : Algorithm.values()) {
      limiters.add(limiter(a));
    }
    try {
      for (RateLimiter l : limiters) {
        l.tryAcquire("warm-up"); // loads the script (EVALSHA, NOSCRIPT, EVAL) outside the count
      }
      long evalshaBefore = calls("evalsha");
      long evalBefore = calls("eval");
      long transactionsBefore = calls("multi") + calls("watch") + calls("exec");
      long decisions = 0;
      long stats = 0;
      for (RateLimiter l : limiters) {
        for (int i = 0; i < 40; i++) {
          String key = "client-" + (i % 7);
          if (i % 3 == 0) {
            l.tryAcquireAsync(key, 1 + i % 2).toCompletableFuture().join();
          } else {
            l.tryAcquire(key);
          }
          decisions++;
          if (i % 10 == 0) {
            l.stats(key);
            stats++;
          }
        }
      }
      assertThat(calls("evalsha") - evalshaBefore)
          .as("one EVALSHA per decision and per stats call")
          .isEqualTo(decisions + stats);
      assertThat(calls("eval") - evalBefore).isZero();
      assertThat(calls("multi") + calls("watch") + calls("exec")).isEqualTo(transactionsBefore);

      try (StatefulRedisConnection<String, String> c = redis.connect()) {
        List<String> keys = c.sync().keys("*");
        assertThat(keys).hasSize(4 * 8); // 4 algorithms × (7 clients + warm-up)
        for (String k : keys) {
          assertThat(k).startsWith("switchboard:rl:{").containsPattern("\\}:(swl|swc|fw|tb)$");
          long ttl = c.sync().pttl(k);
          assertThat(ttl).as("TTL of %s", k).isPositive();
          // the longest window is 1 h; the counter keeps a bucket for two windows
          assertThat(ttl).as("TTL of %s", k).isLessThanOrEqualTo(k.endsWith(":swc") ? 7_200_000 : 3_600_000);
        }
      }
    } finally {
      limiters.forEach(RateLimiter::close);
    }
  }

  @Test
  void scriptFlushDuringARunReachesNoCaller() throws Exception {
    RateLimitPolicy policy =
        RateLimitPolicy.builder()
            .algorithm(Algorithm.SLIDING_WINDOW_LOG)
            .limit(500, Duration.ofMinutes(1))
            .build();
    try (RateLimiter l =
        RateLimiters.builder(policy)
            .redis(redis.target())
            .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofSeconds(2)).build())
            .build()) {
      long evalBefore = calls("eval");
      ExecutorService pool = Executors.newFixedThreadPool(4);
      AtomicLong granted = new AtomicLong();
      AtomicLong degraded = new AtomicLong();
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 200; i++) {
                    Decision d =
                        i % 2 == 0
                            ? l.tryAcquire("k")
                            : l.tryAcquireAsync("k", 1).toCompletableFuture().join();
                    if (d.degraded()) {
                      degraded.incrementAndGet();
                    } else if (d.allowed()) {
                      granted.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      CompletableFuture<Void> flusher =
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < 5; i++) {
                  redis.scriptFlush();
                  try {
                    Thread.sleep(20); // spacing between flushes, not waiting for a condition
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }
              });
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS); // throws if any caller saw an exception
      }
      flusher.get(10, TimeUnit.SECONDS);
      pool.shutdown();
      assertThat(degraded.get()).as("decisions still come from Redis").isZero();
      assertThat(granted.get()).isEqualTo(500);
      assertThat(calls("eval") - evalBefore).as("the script was sent again").isPositive();
      assertThat(l.backendState()).isEqualTo(io.github.switchboard.core.BackendState.PRIMARY);
    }
  }
}
