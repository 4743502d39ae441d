package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.core.testing.ManualTimeSource;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** With Redis unreachable from the start, each fallback answers, marked degraded, and nothing throws. */
class FallbackModesTest {
  private static RedisTarget nowhere;
  private static final RateLimitPolicy POLICY =
      RateLimitPolicy.builder().limit(10, Duration.ofMinutes(1)).limit(100, Duration.ofHours(1)).build();

  @BeforeAll
  static void findAClosedPort() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    nowhere = RedisTarget.parse("redis://127.0.0.1:" + port);
  }

  private static RateLimiters.Builder builder(FallbackMode mode) {
    return RateLimiters.builder(POLICY)
        .redis(nowhere)
        .redisOptions(RedisOptions.builder().connectTimeout(Duration.ofMillis(200)).build())
        .fallback(mode);
  }

  @Test
  void localDividesTheCountsByTheExpectedInstances() {
    ManualTimeSource clock = new ManualTimeSource(AbstractRateLimiterConformanceTest.START);
    List<BackendState> transitions = new CopyOnWriteArrayList<>();
    try (RateLimiter l =
        builder(FallbackMode.LOCAL)
            .expectedInstances(3)
            .timeSource(clock)
            .listener((name, from, to) -> transitions.add(to))
            .listener((name, from, to) -> {
              throw new IllegalStateException("a listener that throws must not hurt the caller");
            })
            .build()) {
      for (int i = 0; i < 3; i++) {
        Decision d = l.tryAcquire("k");
        assertThat(d.degraded()).isTrue();
        assertThat(d.allowed()).isTrue();
        assertThat(d.limit()).as("10 / 3").isEqualTo(3);
      }
      Decision denied = l.tryAcquire("k");
      assertThat(denied.allowed()).isFalse();
      assertThat(denied.degraded()).isTrue();
      assertThat(denied.retryAfter()).isEqualTo(Duration.ofMinutes(1));
      // 5 permits are valid for the policy (10) but above the divided count (3): denied, not thrown
      Decision tooMany = l.tryAcquire("other", 5);
      assertThat(tooMany.allowed()).isFalse();
      assertThat(tooMany.retryAfter()).isEqualTo(Duration.ofMinutes(1));
      ClientStats s = l.stats("k");
      assertThat(s.degraded()).isTrue();
      assertThat(s.limits().get(0).used()).isEqualTo(3);
      assertThatThrownBy(() -> l.reset("k"))
          .as("never a silent half-reset")
          .isInstanceOf(ResetFailedException.class);
      assertThat(l.stats("k").limits().get(0).used()).as("this instance's state is cleared").isZero();
      assertThat(l.tryAcquireAsync("k", 1).toCompletableFuture().join().degraded()).isTrue();
      assertThat(l.backendState()).isEqualTo(BackendState.FALLBACK);
      assertThat(transitions).contains(BackendState.FALLBACK);
    }
  }

  @Test
  void allowFailsOpen() {
    try (RateLimiter l = builder(FallbackMode.ALLOW).build()) {
      for (int i = 0; i < 50; i++) {
        Decision d = l.tryAcquire("k", 4);
        assertThat(d.allowed()).isTrue();
        assertThat(d.degraded()).isTrue();
        assertThat(d.limit()).isEqualTo(10);
        assertThat(d.remaining()).isEqualTo(6);
      }
      assertThat(l.stats("k").limits()).allMatch(x -> x.used() == 0);
    }
  }

  @Test
  void denyFailsClosed() {
    try (RateLimiter l = builder(FallbackMode.DENY).build()) {
      Decision d = l.tryAcquire("k");
      assertThat(d.allowed()).isFalse();
      assertThat(d.degraded()).isTrue();
      assertThat(d.remaining()).isZero();
      assertThat(d.retryAfter()).as("the breaker's wait in the open state").isEqualTo(Duration.ofSeconds(1));
      assertThat(l.tryAcquireAsync("k", 1).toCompletableFuture().join().allowed()).isFalse();
      assertThat(l.stats("k").limits()).allMatch(x -> x.remaining() == 0);
    }
  }
}
