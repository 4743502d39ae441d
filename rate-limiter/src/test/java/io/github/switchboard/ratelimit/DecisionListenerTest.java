package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.ratelimit.internal.ListeningRateLimiter;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The decision listener hears every decision once, sync, async and {@code allow}, with its outcome,
 * whether a fallback answered and a latency; a listener that throws never reaches the caller; without one
 * the limiter is not wrapped at all. The circuit breaker goes into a user's registry under its name.
 */
class DecisionListenerTest {
  private static final RateLimitPolicy POLICY =
      RateLimitPolicy.builder().limit(2, Duration.ofMinutes(1)).build();

  record Seen(String key, boolean allowed, boolean degraded, long nanos) {}

  @Test
  void everyDecisionIsReportedOnceInMemory() {
    List<Seen> seen = new CopyOnWriteArrayList<>();
    try (RateLimiter l =
        RateLimiters.builder(POLICY)
            .decisionListener((k, a, d, n) -> seen.add(new Seen(k, a, d, n)))
            .build()) {
      l.tryAcquire("a");
      assertThat(l.allow("a")).isTrue();
      Decision third = l.tryAcquireAsync("a", 1).toCompletableFuture().join();
      assertThat(third.allowed()).isFalse();
      assertThatThrownBy(() -> l.tryAcquire("a", 0)).isInstanceOf(IllegalArgumentException.class);
      l.stats("a");
      l.reset("a");
      assertThat(seen).hasSize(3);
      assertThat(seen).extracting(Seen::key).containsOnly("a");
      assertThat(seen).extracting(Seen::allowed).containsExactly(true, true, false);
      assertThat(seen).extracting(Seen::degraded).containsOnly(false);
      assertThat(seen).allMatch(s -> s.nanos() >= 0);
    }
  }

  @Test
  void withoutAListenerTheLimiterIsNotWrapped() {
    try (RateLimiter l = RateLimiters.builder(POLICY).build()) {
      assertThat(l).isNotInstanceOf(ListeningRateLimiter.class);
    }
  }

  @Test
  void aThrowingListenerNeverReachesTheCaller() {
    AtomicInteger calls = new AtomicInteger();
    try (RateLimiter l =
        RateLimiters.builder(POLICY)
            .decisionListener(
                (k, a, d, n) -> {
                  calls.incrementAndGet();
                  throw new IllegalStateException("listener failure");
                })
            .build()) {
      for (int i = 0; i < 100; i++) {
        l.tryAcquire("k" + i);
        l.tryAcquireAsync("k" + i, 1).toCompletableFuture().join();
      }
    }
    assertThat(calls).hasValue(200);
  }

  @Test
  void redisDecisionsAndFallbackAnswersAreReported() throws IOException {
    RedisServer redis = RedisHarness.sharedStandalone();
    List<Seen> seen = new CopyOnWriteArrayList<>();
    CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
    try (RateLimiter l =
        RateLimiters.builder(POLICY)
            .redis(redis.target())
            .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofSeconds(2)).build())
            .keyPrefix("listener-test:")
            .name("api")
            .circuitBreakerRegistry(registry)
            .decisionListener((k, a, d, n) -> seen.add(new Seen(k, a, d, n)))
            .build()) {
      l.reset("r");
      l.tryAcquire("r");
      l.tryAcquireAsync("r", 1).toCompletableFuture().join();
      assertThat(seen).extracting(Seen::degraded).containsExactly(false, false);
      assertThat(registry.getAllCircuitBreakers())
          .extracting(cb -> cb.getName())
          .contains("switchboard-api");
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    seen.clear();
    try (RateLimiter l =
        RateLimiters.builder(POLICY)
            .redis(RedisTarget.parse("redis://127.0.0.1:" + port))
            .redisOptions(RedisOptions.builder().connectTimeout(Duration.ofMillis(200)).build())
            .decisionListener((k, a, d, n) -> seen.add(new Seen(k, a, d, n)))
            .build()) {
      l.tryAcquire("x");
      l.tryAcquireAsync("x", 1).toCompletableFuture().join();
      assertThat(seen).extracting(Seen::degraded).containsExactly(true, true);
    }
  }

  @Test
  void namesAreValidated() {
    RateLimiters.Builder b = RateLimiters.builder(POLICY);
    assertThatThrownBy(() -> b.name("")).hasMessageContaining("name must be 1 to 100");
    assertThatThrownBy(() -> b.name("a b")).hasMessageContaining("name may hold only");
    assertThatThrownBy(() -> b.name("x".repeat(101))).hasMessageContaining("was 101");
    assertThat(b.name("api-v2_eu.1:a")).isSameAs(b);
  }
}
