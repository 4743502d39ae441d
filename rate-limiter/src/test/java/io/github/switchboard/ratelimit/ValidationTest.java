package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Every rule of the policy, the builder and the inputs fails with a message naming the field and rule. */
class ValidationTest {
  private static final RateLimitPolicy POLICY =
      RateLimitPolicy.builder().limit(5, Duration.ofSeconds(1)).limit(20, Duration.ofMinutes(1)).build();

  @Test
  void aPolicyNeedsALimit() {
    assertThatThrownBy(() -> RateLimitPolicy.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limits must hold at least one limit, was empty");
  }

  @Test
  void countMustBePositiveAndBounded() {
    assertThatThrownBy(() -> RateLimitPolicy.builder().limit(0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("count must be at least 1, was 0");
    assertThatThrownBy(() -> RateLimitPolicy.builder().limit(-3, Duration.ofSeconds(1)))
        .hasMessage("count must be at least 1, was -3");
    assertThatThrownBy(() -> RateLimitPolicy.builder().limit(1_000_000_001L, Duration.ofSeconds(1)))
        .hasMessage("count must be at most 1000000000, was 1000000001");
  }

  @Test
  void windowMustBeAtLeastAMillisecondAndWholeMicroseconds() {
    assertThatThrownBy(() -> RateLimitPolicy.builder().limit(1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("window must be at least 1 ms, was PT0S");
    assertThatThrownBy(() -> RateLimitPolicy.builder().limit(1, Duration.ofSeconds(-1)))
        .hasMessageStartingWith("window must be at least 1 ms");
    assertThatThrownBy(() -> RateLimitPolicy.builder().limit(1, Duration.ofNanos(999_999)))
        .hasMessageStartingWith("window must be at least 1 ms");
    assertThatThrownBy(() -> RateLimitPolicy.builder().limit(1, Duration.ofNanos(1_000_000_001)))
        .hasMessage("window must be a whole number of microseconds, was PT1.000000001S");
    assertThatThrownBy(() -> RateLimitPolicy.builder().limit(1, Duration.ofDays(367)))
        .hasMessage("window must be at most 366 days, was PT8808H");
    assertThat(RateLimitPolicy.builder().limit(1, Duration.ofMillis(1)).build().limits()).hasSize(1);
  }

  @Test
  void windowsMustBeUnique() {
    assertThatThrownBy(
            () ->
                RateLimitPolicy.builder()
                    .limit(5, Duration.ofMinutes(1))
                    .limit(10, Duration.ofSeconds(60))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("window must be unique across limits, PT1M is given twice");
  }

  @Test
  void slidingWindowCounterBoundsCountTimesWindow() {
    RateLimitPolicy.Builder b =
        RateLimitPolicy.builder()
            .algorithm(Algorithm.SLIDING_WINDOW_COUNTER)
            .limit(1_000_000, Duration.ofDays(1));
    assertThatThrownBy(b::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("count × window (µs) must be at most 2^52 for SLIDING_WINDOW_COUNTER");
    assertThat(
            RateLimitPolicy.builder()
                .algorithm(Algorithm.SLIDING_WINDOW_COUNTER)
                .limit(1_000_000, Duration.ofHours(1))
                .build())
        .isNotNull();
    assertThat(
            RateLimitPolicy.builder()
                .algorithm(Algorithm.SLIDING_WINDOW_LOG)
                .limit(1_000_000, Duration.ofDays(1))
                .build())
        .isNotNull();
  }

  @Test
  void limitsAreSortedByWindowAndDivisionKeepsAtLeastOne() {
    RateLimitPolicy p =
        RateLimitPolicy.builder()
            .limit(1000, Duration.ofHours(1))
            .limit(3, Duration.ofSeconds(1))
            .limit(60, Duration.ofMinutes(1))
            .build();
    assertThat(p.limits())
        .extracting(RateLimitPolicy.Limit::window)
        .containsExactly(Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofHours(1));
    assertThat(p.smallestCount()).isEqualTo(3);
    assertThat(p.dividedBy(4).limits())
        .extracting(RateLimitPolicy.Limit::count)
        .containsExactly(1L, 15L, 250L);
    assertThat(p.dividedBy(1)).isSameAs(p);
    assertThatThrownBy(() -> p.dividedBy(0)).hasMessage("n must be at least 1, was 0");
  }

  @Test
  void keysAndPermitsAreChecked() {
    try (RateLimiter l = RateLimiters.builder(POLICY).build()) {
      assertThatThrownBy(() -> l.tryAcquire(null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("key must not be null");
      assertThatThrownBy(() -> l.tryAcquire(""))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("key must not be empty");
      assertThatThrownBy(() -> l.tryAcquire("x".repeat(1025)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("key must be at most 1024 UTF-8 bytes");
      // 342 characters, 1026 UTF-8 bytes
      assertThatThrownBy(() -> l.tryAcquire("€".repeat(342)))
          .hasMessage("key must be at most 1024 UTF-8 bytes, was 1026");
      assertThat(l.tryAcquire("€".repeat(341)).allowed()).isTrue();
      assertThatThrownBy(() -> l.tryAcquire("a\uD800b"))
          .hasMessage("key must be valid Unicode text, has an unpaired surrogate at index 1");
      assertThatThrownBy(() -> l.tryAcquire("k", 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("permits must be at least 1, was 0");
      assertThatThrownBy(() -> l.tryAcquire("k", 6))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("permits must not exceed the smallest limit's count (5), was 6");
      assertThatThrownBy(() -> l.tryAcquireAsync("k", -1))
          .hasMessage("permits must be at least 1, was -1");
      assertThatThrownBy(() -> l.stats("")).hasMessage("key must not be empty");
      assertThatThrownBy(() -> l.reset(null)).hasMessage("key must not be null");
      assertThat(l.stats("k").limits().get(0).used()).as("nothing was recorded").isZero();
    }
  }

  @Test
  void builderSettingsAreChecked() {
    RateLimiters.Builder b = RateLimiters.builder(POLICY);
    assertThatThrownBy(() -> b.expectedInstances(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expectedInstances must be at least 1, was 0");
    assertThatThrownBy(() -> b.keyPrefix(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keyPrefix must not be empty");
    assertThatThrownBy(() -> b.keyPrefix("rl:{x}:"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("keyPrefix must not contain '{' or '}'");
  }

  @Test
  void aClosedLimiterRefusesCalls() {
    RateLimiter l = RateLimiters.builder(POLICY).build();
    l.close();
    assertThatThrownBy(() -> l.tryAcquire("k"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the rate limiter is closed");
  }

  @Test
  void decisionsCheckTheirValues() {
    assertThatThrownBy(() -> Decision.ofMicros(false, 5, 0, 0, 0, 1000, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("retryAfter must be 0 when allowed and positive when denied");
    assertThatThrownBy(() -> Decision.ofMicros(true, 5, 6, 0, 0, 1000, false))
        .hasMessage("remaining must be between 0 and limit (5), was 6");
    Decision d = Decision.ofMicros(false, 5, 0, 1, 7, 1000, true);
    assertThat(d.retryAfter()).isEqualTo(Duration.ofNanos(1000));
    assertThat(d.resetAfter()).isEqualTo(Duration.ofNanos(7000));
    assertThat(d.window()).isEqualTo(Duration.ofMillis(1));
    assertThat(d.degraded()).isTrue();
  }
}
