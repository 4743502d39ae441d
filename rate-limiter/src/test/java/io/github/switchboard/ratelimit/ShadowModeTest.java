package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.Topology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A shadow policy decides and counts but never denies, in memory and on Redis, for every algorithm. */
class ShadowModeTest {

  private static RateLimitPolicy shadow(Algorithm a) {
    return RateLimitPolicy.builder().algorithm(a).limit(3, Duration.ofMinutes(1)).shadow(true).build();
  }

  private static void check(RateLimiter limiter, List<Decision> heard) throws Exception {
    for (int i = 0; i < 3; i++) {
      Decision d = limiter.tryAcquire("k");
      assertThat(d.allowed()).isTrue();
      assertThat(d.shadowDenied()).isFalse();
    }
    Decision over = limiter.tryAcquire("k");
    assertThat(over.allowed()).as("a shadow policy never denies").isTrue();
    assertThat(over.shadowDenied()).isTrue();
    assertThat(over.retryAfter()).isZero();
    assertThat(over.remaining()).isZero();
    assertThat(over.limit()).isEqualTo(3);
    Decision async = limiter.tryAcquireAsync("k", 1).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(async.allowed()).isTrue();
    assertThat(async.shadowDenied()).isTrue();
    assertThat(limiter.allow("k")).isTrue();
    assertThat(limiter.stats("k").limits().get(0).used()).as("a shadow denial records nothing").isEqualTo(3);
    assertThat(heard).filteredOn(Decision::shadowDenied).hasSize(3);
    assertThat(limiter.policy().shadow()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void inMemory(Algorithm a) throws Exception {
    List<Decision> heard = new ArrayList<>();
    DecisionListener listener = new DecisionListener() {
      @Override
      public void onDecision(String key, boolean allowed, boolean degraded, long latencyNanos) {}

      @Override
      public void onDecision(String key, Decision decision, long latencyNanos) {
        synchronized (heard) {
          heard.add(decision);
        }
      }
    };
    try (RateLimiter limiter = RateLimiters.builder(shadow(a)).timeSource(new ManualTimeSource()).decisionListener(listener).build()) {
      check(limiter, heard);
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void onRedis(Algorithm a) throws Exception {
    RedisDeployment redis = RedisHarness.shared(Topology.STANDALONE);
    redis.flushAll();
    List<Decision> heard = new ArrayList<>();
    DecisionListener listener = new DecisionListener() {
      @Override
      public void onDecision(String key, boolean allowed, boolean degraded, long latencyNanos) {}

      @Override
      public void onDecision(String key, Decision decision, long latencyNanos) {
        synchronized (heard) {
          heard.add(decision);
        }
      }
    };
    try (RateLimiter limiter = RateLimiters.builder(shadow(a))
        .redis(redis.target())
        .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofSeconds(2)).build())
        .decisionListener(listener)
        .build()) {
      check(limiter, heard);
    }
  }
}
