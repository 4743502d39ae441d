package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisSentinel;
import io.github.switchboard.core.testing.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A limiter on a Sentinel target through a failover: synchronous decisions (on blocking connections) and
 * asynchronous ones (on the shared connection) are answered by the fallback while the master is gone, never
 * with an exception, and reach the promoted master afterwards.
 */
class RedisSentinelFailoverTest {
  @RegisterExtension
  static final RedisExtension<RedisSentinel> REDIS = RedisExtension.sentinel();

  @Test
  void syncAndAsyncDecisionsFollowThePromotedMaster() throws Exception {
    RedisSentinel sentinel = REDIS.deployment();
    RateLimitPolicy policy = RateLimitPolicy.builder().limit(1_000, Duration.ofMinutes(1)).build();
    try (RateLimiter limiter =
        RateLimiters.builder(policy).redis(sentinel.target()).redisOptions(sentinel.options()).build()) {
      assertThat(limiter.tryAcquire("before").degraded()).isFalse();
      RedisServer promoted = sentinel.failover();
      // whatever answers meanwhile, it is a decision, not an exception
      await("sync decisions reach the promoted master")
          .atMost(Duration.ofSeconds(30))
          .until(() -> !limiter.tryAcquire("sync-after").degraded());
      await("async decisions reach the promoted master")
          .atMost(Duration.ofSeconds(30))
          .until(() -> !limiter.tryAcquireAsync("async-after", 1).toCompletableFuture().join().degraded());
      Decision d = limiter.tryAcquire("sync-after");
      assertThat(d.degraded()).isFalse();
      // the fallback's answers are not counted on Redis: the first Redis answer and this one are
      assertThat(d.remaining()).isEqualTo(998);
      assertThat(Long.parseLong(promoted.cli("DBSIZE"))).isPositive();
    }
  }
}
