package io.github.switchboard.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.FallbackMode;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The limiter's meters on a real Redis server, killed and restarted. */
class RateLimiterMetricsRedisTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Meters meters = new Meters(registry, "api");

  @Test
  void countsRedisDecisionsByOutcomeSyncAndAsync() throws Exception {
    RateLimitPolicy policy = RateLimitPolicy.builder().limit(5, Duration.ofMinutes(1)).build();
    try (RedisServer redis = RedisHarness.standalone();
        RateLimiter limiter =
            RateLimiterMetrics.monitor(
                registry,
                RateLimiters.builder(policy).redis(redis.target()).redisOptions(redis.options()).build(),
                "api")) {
      int allowed = 0;
      int denied = 0;
      for (int i = 0; i < 4; i++) {
        Decision d = limiter.tryAcquire("sync");
        assertThat(d.degraded()).isFalse();
        if (d.allowed()) {
          allowed++;
        } else {
          denied++;
        }
      }
      List<CompletableFuture<Decision>> async = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        async.add(limiter.tryAcquireAsync("async", 1).toCompletableFuture());
      }
      for (CompletableFuture<Decision> f : async) {
        Decision d = f.get(10, TimeUnit.SECONDS);
        assertThat(d.degraded()).isFalse();
        if (d.allowed()) {
          allowed++;
        } else {
          denied++;
        }
      }
      assertThat(allowed).as("4 of 5 on 'sync', 5 of 5 on 'async'").isEqualTo(9);
      assertThat(meters.decisions("allowed", false)).isEqualTo(allowed);
      assertThat(meters.decisions("denied", false)).isEqualTo(denied);
      assertThat(meters.allDecisions()).isEqualTo(12);
      assertThat(meters.latencyCount()).isEqualTo(12);
      assertThat(meters.limiterBackend()).isEqualTo(1);
    }
  }

  @Test
  void backendGaugeFollowsRedisAndDegradedDecisionsAreCounted() throws Exception {
    RateLimitPolicy policy = RateLimitPolicy.builder().limit(1_000_000, Duration.ofMinutes(1)).build();
    try (RedisServer redis = RedisHarness.standalone();
        RateLimiter limiter =
            RateLimiterMetrics.monitor(
                registry,
                RateLimiters.builder(policy)
                    .redis(redis.target())
                    .redisOptions(redis.options())
                    .fallback(FallbackMode.LOCAL)
                    .build(),
                "api")) {
      Counts seen = new Counts();
      seen.add(limiter.tryAcquire("k"));
      assertThat(meters.limiterBackend()).isEqualTo(1);

      redis.kill();
      await("the gauge drops to 0 once the fallback answers")
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(20))
          .until(
              () -> {
                seen.add(limiter.tryAcquire("k"));
                return meters.limiterBackend() == 0;
              });
      assertThat(limiter.backendState()).isNotEqualTo(BackendState.PRIMARY);
      seen.add(limiter.tryAcquireAsync("k", 1).toCompletableFuture().get(10, TimeUnit.SECONDS));
      assertThat(seen.degraded).as("decisions answered by the fallback").isPositive();

      redis.restart();
      await("the gauge is back to 1 once Redis answers again")
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                seen.add(limiter.tryAcquire("k"));
                return meters.limiterBackend() == 1;
              });
      Decision after = limiter.tryAcquire("k");
      seen.add(after);
      assertThat(after.degraded()).isFalse();

      assertThat(meters.decisions("allowed", true)).isEqualTo(seen.degraded);
      assertThat(meters.decisions("allowed", false)).isEqualTo(seen.total - seen.degraded);
      assertThat(meters.decisions("denied", true) + meters.decisions("denied", false)).isZero();
      assertThat(meters.latencyCount()).isEqualTo(seen.total);
    }
  }

  /** What the test saw. */
  private static final class Counts {
    long total;
    long degraded;

    void add(Decision d) {
      assertThat(d.allowed()).isTrue();
      total++;
      if (d.degraded()) {
        degraded++;
      }
    }
  }
}
