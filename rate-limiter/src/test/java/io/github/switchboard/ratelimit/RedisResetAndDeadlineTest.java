package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * No silent half-reset: a reset that Redis does not take throws, and one made once Redis answers
 * reaches it. A connection handed in with Lettuce's own (60 s) timeout gets the limiter's deadline on
 * async calls too. One paused server for the class's tests (about 2 s in all).
 */
class RedisResetAndDeadlineTest {
  private static final RateLimitPolicy POLICY =
      RateLimitPolicy.builder().limit(3, Duration.ofMinutes(1)).build();

  @Test
  void aResetWhileRedisIsPausedThrowsAndOneAfterItReachesRedis() throws Exception {
    try (RedisServer redis = RedisHarness.standalone();
        StatefulRedisConnection<String, String> userConnection = redis.connect();
        RateLimiter l =
            RateLimiters.builder(POLICY)
                .redis(redis.target())
                .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofMillis(200)).build())
                .build();
        RateLimiter onUserConnection =
            RateLimiters.builder(POLICY)
                .redis(userConnection) // Lettuce's own timeout: 60 s
                .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofMillis(200)).build())
                .build()) {
      for (int i = 0; i < 3; i++) {
        l.tryAcquire("secret-client-key");
      }
      assertThat(l.tryAcquire("secret-client-key").allowed()).isFalse();
      redis.pause();
      try {
        long start = System.nanoTime();
        assertThatThrownBy(() -> l.reset("secret-client-key"))
            .isInstanceOf(ResetFailedException.class)
            .hasMessageContaining("Redis did not take the reset")
            .hasMessageNotContaining("secret-client-key");
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(2));

        start = System.nanoTime();
        Decision d = onUserConnection.tryAcquireAsync("k", 1).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(d.degraded()).as("answered by the fallback past the deadline").isTrue();
        assertThat(System.nanoTime() - start)
            .as("the limiter's 200 ms deadline, not Lettuce's 60 s")
            .isLessThan(TimeUnit.SECONDS.toNanos(2));
      } finally {
        redis.resume();
      }
      redis.awaitPing(Duration.ofSeconds(5));
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .ignoreExceptionsInstanceOf(ResetFailedException.class)
          .untilAsserted(() -> l.reset("secret-client-key"));
      assertThat(l.tryAcquire("secret-client-key").allowed()).as("reset on Redis").isTrue();
      assertThat(l.stats("secret-client-key").degraded()).isFalse();
    }
  }
}
