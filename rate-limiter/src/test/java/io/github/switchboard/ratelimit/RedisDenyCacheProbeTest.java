package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * After an outage, a client that Redis denies while the breaker probes (its fallback grants were carried
 * back to an empty Redis) still lets the breaker close: the deny cache answers only while it is closed,
 * so the probe's calls reach Redis even when they all come from that one client.
 */
class RedisDenyCacheProbeTest {

  @Test
  void aClientDeniedWhileTheBreakerProbesDoesNotKeepItHalfOpen() {
    RedisServer redis = RedisHarness.standalone();
    try (RateLimiter l =
        RateLimiters.builder(RateLimitPolicy.builder().limit(2, Duration.ofMinutes(1)).build())
            .redis(redis.target())
            .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofMillis(500)).build())
            .localDenyCache(true)
            .build()) {
      assertThat(l.tryAcquire("a").allowed()).isTrue();
      redis.kill();
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
          .until(() -> {
            l.tryAcquire("a");
            return l.backendState() == BackendState.FALLBACK;
          });
      redis.restart(); // empty: the carry gives it the fallback's grants, so Redis denies "a"
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
          .until(() -> {
            Decision d = l.tryAcquire("a"); // the only client
            return !d.allowed() && !d.degraded() && l.backendState() == BackendState.PRIMARY;
          });
    } finally {
      redis.close();
    }
  }
}
