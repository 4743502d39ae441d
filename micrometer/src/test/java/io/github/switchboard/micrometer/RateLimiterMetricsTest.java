package io.github.switchboard.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.FallbackMode;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The limiter's meters on an in-memory limiter and on a fallback (Redis unreachable): exact counts. */
class RateLimiterMetricsTest {
  private static final RateLimitPolicy THREE_PER_MINUTE =
      RateLimitPolicy.builder().limit(3, Duration.ofMinutes(1)).build();

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Meters meters = new Meters(registry, "api");

  @Test
  void monitorRegistersEveryMeterAtZero() {
    try (RateLimiter limiter =
        RateLimiterMetrics.monitor(registry, RateLimiters.builder(THREE_PER_MINUTE).build(), "api")) {
      assertThat(meters.allDecisions()).isZero();
      assertThat(meters.latencyCount()).isZero();
      assertThat(meters.limiterBackend()).as("an in-memory limiter is always on its primary").isEqualTo(1);
      assertThat(limiter.policy()).isEqualTo(THREE_PER_MINUTE);
    }
  }

  @Test
  void countsSyncAsyncAndAllowDecisionsByOutcome() throws Exception {
    ManualTimeSource clock = new ManualTimeSource();
    try (RateLimiter limiter =
        RateLimiterMetrics.monitor(
            registry, RateLimiters.builder(THREE_PER_MINUTE).timeSource(clock).build(), "api")) {
      assertThat(limiter.tryAcquire("a").allowed()).isTrue();
      assertThat(limiter.allow("a")).isTrue();
      Decision third = limiter.tryAcquireAsync("a", 1).toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertThat(third.allowed()).isTrue();
      assertThat(meters.decisions("allowed", false)).isEqualTo(3);
      assertThat(meters.decisions("denied", false)).isZero();

      assertThat(limiter.tryAcquire("a").allowed()).isFalse();
      assertThat(limiter.allow("a")).isFalse();
      assertThat(limiter.tryAcquireAsync("a", 1).toCompletableFuture().get(5, TimeUnit.SECONDS).allowed())
          .isFalse();
      assertThat(limiter.tryAcquire("b", 2).allowed()).isTrue();

      assertThat(meters.decisions("allowed", false)).isEqualTo(4);
      assertThat(meters.decisions("denied", false)).isEqualTo(3);
      assertThat(meters.decisions("allowed", true) + meters.decisions("denied", true)).isZero();
      assertThat(meters.latencyCount()).isEqualTo(7);
    }
  }

  @Test
  void aShadowPolicyCountsWhatItWouldHaveDeniedAsShadowDenied() throws Exception {
    ManualTimeSource clock = new ManualTimeSource();
    RateLimitPolicy shadow = RateLimitPolicy.builder().limit(3, Duration.ofMinutes(1)).shadow(true).build();
    try (RateLimiter limiter =
        RateLimiterMetrics.monitor(registry, RateLimiters.builder(shadow).timeSource(clock).build(), "api")) {
      assertThat(meters.decisions("shadow_denied", false)).as("registered at 0").isZero();
      for (int i = 0; i < 3; i++) {
        Decision d = limiter.tryAcquire("a");
        assertThat(d.allowed()).isTrue();
        assertThat(d.shadowDenied()).isFalse();
      }
      Decision fourth = limiter.tryAcquire("a");
      assertThat(fourth.allowed()).as("a shadow policy never denies").isTrue();
      assertThat(fourth.shadowDenied()).isTrue();
      assertThat(limiter.allow("a")).isTrue();
      Decision async = limiter.tryAcquireAsync("a", 1).toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertThat(async.shadowDenied()).isTrue();

      assertThat(meters.decisions("allowed", false)).isEqualTo(3);
      assertThat(meters.decisions("shadow_denied", false)).isEqualTo(3);
      assertThat(meters.decisions("denied", false)).isZero();
      assertThat(meters.decisions("shadow_denied", true)).isZero();
      assertThat(meters.latencyCount()).isEqualTo(6);
    }
  }

  @Test
  void theBuilderHookCountsShadowDenialsToo() {
    ManualTimeSource clock = new ManualTimeSource();
    RateLimitPolicy shadow = RateLimitPolicy.builder().limit(2, Duration.ofMinutes(1)).shadow(true).build();
    try (RateLimiter limiter =
        RateLimiters.builder(shadow)
            .timeSource(clock)
            .name("api")
            .decisionListener(RateLimiterMetrics.listener(registry, "api"))
            .build()) {
      for (int i = 0; i < 5; i++) {
        assertThat(limiter.tryAcquire("a").allowed()).isTrue();
      }
      assertThat(meters.decisions("allowed", false)).isEqualTo(2);
      assertThat(meters.decisions("shadow_denied", false)).isEqualTo(3);
      assertThat(meters.decisions("denied", false)).isZero();
    }
  }

  @Test
  void anEnforcedPolicyNeverCountsShadowDenied() {
    ManualTimeSource clock = new ManualTimeSource();
    try (RateLimiter limiter =
        RateLimiterMetrics.monitor(
            registry, RateLimiters.builder(THREE_PER_MINUTE).timeSource(clock).build(), "api")) {
      for (int i = 0; i < 5; i++) {
        limiter.tryAcquire("a");
      }
      assertThat(meters.decisions("denied", false)).isEqualTo(2);
      assertThat(meters.decisions("shadow_denied", false)).isZero();
    }
  }

  @Test
  void statsResetAndFailedCallsAreNotDecisions() {
    try (RateLimiter limiter =
        RateLimiterMetrics.monitor(registry, RateLimiters.builder(THREE_PER_MINUTE).build(), "api")) {
      limiter.stats("a");
      limiter.reset("a");
      assertThatThrownBy(() -> limiter.tryAcquire("")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> limiter.tryAcquire("a", 4)).isInstanceOf(IllegalArgumentException.class);
      assertThat(meters.allDecisions()).isZero();
      assertThat(meters.latencyCount()).isZero();
    }
  }

  @Test
  void theBuilderHookRecordsTheSameMeters() throws Exception {
    ManualTimeSource clock = new ManualTimeSource();
    try (RateLimiter limiter =
        RateLimiters.builder(THREE_PER_MINUTE)
            .timeSource(clock)
            .name("api")
            .decisionListener(RateLimiterMetrics.listener(registry, "api"))
            .build()) {
      RateLimiterMetrics.backendGauge(registry, limiter, "api");
      for (int i = 0; i < 4; i++) {
        limiter.tryAcquire("a");
      }
      limiter.tryAcquireAsync("a", 1).toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertThat(meters.decisions("allowed", false)).isEqualTo(3);
      assertThat(meters.decisions("denied", false)).isEqualTo(2);
      assertThat(meters.latencyCount()).isEqualTo(5);
      assertThat(meters.limiterBackend()).isEqualTo(1);
    }
  }

  @Test
  void decisionsOfAFallbackAreCountedAsDegraded() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (RateLimiter limiter =
        RateLimiterMetrics.monitor(
            registry,
            RateLimiters.builder(THREE_PER_MINUTE)
                .redis(RedisTarget.parse("redis://127.0.0.1:" + port))
                .redisOptions(RedisOptions.builder().connectTimeout(Duration.ofMillis(200)).build())
                .fallback(FallbackMode.DENY)
                .build(),
            "api")) {
      for (int i = 0; i < 5; i++) {
        Decision d = limiter.tryAcquire("a");
        assertThat(d.degraded()).isTrue();
        assertThat(d.allowed()).isFalse();
      }
      assertThat(meters.decisions("denied", true)).isEqualTo(5);
      assertThat(meters.allDecisions()).isEqualTo(5);
    }
  }

  @Test
  void namesAreChecked() {
    RateLimiter limiter = RateLimiters.builder(THREE_PER_MINUTE).build();
    assertThatThrownBy(() -> RateLimiterMetrics.monitor(registry, limiter, " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name");
    assertThatThrownBy(() -> RateLimiterMetrics.listener(registry, ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name");
    assertThat(registry.getMeters()).as("nothing registered for a bad name").isEmpty();
    limiter.close();
  }
}
