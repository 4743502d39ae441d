package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Synchronous decisions on a standalone Redis go over blocking connections (RedisOptions.syncConnections):
 * at most that many besides the shared one, none with 0, and still exact when some decisions of one
 * moment go over blocking connections and others over the shared one.
 */
class RedisSyncConnectionsTest {
  @RegisterExtension
  static final RedisExtension<RedisServer> REDIS = RedisExtension.standalone();

  private static final RateLimitPolicy GENEROUS =
      RateLimitPolicy.builder().limit(1_000_000, Duration.ofSeconds(10)).build();

  @BeforeEach
  void flush() {
    REDIS.deployment().flushAll();
  }

  /** Clients connected to the server, less the one that asks. */
  private static long clients() {
    return Long.parseLong(REDIS.deployment().info("clients").get("connected_clients")) - 1;
  }

  private static RateLimiter limiter(RateLimitPolicy policy, int syncConnections) {
    RedisOptions options =
        REDIS.deployment().optionsBuilder()
            .commandTimeout(Duration.ofSeconds(2))
            .syncConnections(syncConnections)
            .build();
    return RateLimiters.builder(policy).redis(REDIS.deployment().target()).redisOptions(options).build();
  }

  /** Runs n threads, each making `each` synchronous decisions on one key; returns {granted, denied}. */
  private static long[] hammer(RateLimiter limiter, int threads, int each, String key) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    AtomicLong granted = new AtomicLong();
    AtomicLong denied = new AtomicLong();
    AtomicLong degraded = new AtomicLong();
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  for (int i = 0; i < each; i++) {
                    Decision d = limiter.tryAcquire(key);
                    (d.degraded() ? degraded : d.allowed() ? granted : denied).incrementAndGet();
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(degraded.get()).as("degraded decisions").isZero();
    return new long[] {granted.get(), denied.get()};
  }

  @Test
  void syncDecisionsOpenAtMostSyncConnectionsBesideTheSharedOne() throws Exception {
    long before = clients();
    try (RateLimiter limiter = limiter(GENEROUS, 2)) {
      assertThat(clients()).isEqualTo(before + 1);
      assertThat(hammer(limiter, 8, 200, "many-threads")[0]).isEqualTo(1600);
      assertThat(clients()).isBetween(before + 2, before + 3);
    }
    assertThat(clients()).isEqualTo(before);
  }

  @Test
  void limitersOnOneTargetShareTheirBlockingConnections() throws Exception {
    long before = clients();
    RateLimiter first = limiter(GENEROUS, 2);
    RateLimiter second = limiter(GENEROUS, 2);
    try {
      CompletableFuture<long[]> a = CompletableFuture.supplyAsync(() -> hammerUnchecked(first, "first"));
      CompletableFuture<long[]> b = CompletableFuture.supplyAsync(() -> hammerUnchecked(second, "second"));
      assertThat(a.get(60, TimeUnit.SECONDS)[0]).isEqualTo(1600);
      assertThat(b.get(60, TimeUnit.SECONDS)[0]).isEqualTo(1600);
      // two shared (Lettuce) connections, and at most 2 blocking ones for both limiters, not 2 each
      assertThat(clients()).isBetween(before + 3, before + 4);
      first.close();
      assertThat(hammer(second, 4, 50, "second-alone")[0]).isEqualTo(200);
      assertThat(clients()).as("the pool outlives the first limiter").isBetween(before + 2, before + 3);
    } finally {
      first.close();
      second.close();
    }
    assertThat(clients()).isEqualTo(before);
  }

  private static long[] hammerUnchecked(RateLimiter limiter, String key) {
    try {
      return hammer(limiter, 8, 200, key);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void withNoSyncConnectionsEverySyncDecisionTakesTheSharedConnection() throws Exception {
    long before = clients();
    try (RateLimiter limiter = limiter(GENEROUS, 0)) {
      assertThat(hammer(limiter, 8, 200, "shared-only")[0]).isEqualTo(1600);
      assertThat(clients()).isEqualTo(before + 1);
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void fiftyConcurrentSyncRequestsOnALimitOfTenGrantExactlyTen(Algorithm algorithm) throws Exception {
    RateLimitPolicy ten = RateLimitPolicy.builder().algorithm(algorithm).limit(10, Duration.ofSeconds(30)).build();
    // 4 blocking connections for 50 threads: decisions of one moment go both ways
    try (RateLimiter limiter = limiter(ten, 4)) {
      long[] counts = hammer(limiter, 50, 1, "exact-" + algorithm);
      assertThat(counts[0]).isEqualTo(10);
      assertThat(counts[1]).isEqualTo(40);
    }
  }
}
