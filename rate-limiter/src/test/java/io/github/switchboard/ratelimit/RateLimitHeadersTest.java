package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The IETF RateLimit fields and Retry-After. */
class RateLimitHeadersTest {
  private static final long S = 1_000_000L;
  private static final RateLimitPolicy POLICY =
      RateLimitPolicy.builder().limit(60, Duration.ofMinutes(1)).limit(1000, Duration.ofHours(1)).build();

  @Test
  void anAllowedDecisionDescribesThePolicyAndTheReportedLimit() {
    Decision d = Decision.ofMicros(true, 60, 42, 0, 17 * S + 1, 60 * S, false);
    Map<String, String> h = RateLimitHeaders.of(d, POLICY);
    assertThat(h)
        .containsExactly(
            Map.entry("RateLimit-Policy", "\"1m\";q=60;w=60, \"1h\";q=1000;w=3600"),
            Map.entry("RateLimit", "\"1m\";r=42;t=18"));
  }

  @Test
  void aDenialAddsRetryAfterInWholeSecondsRoundedUp() {
    Decision d = Decision.ofMicros(false, 1000, 0, 2 * S + 1, 3599 * S, 3600 * S, false);
    Map<String, String> h = RateLimitHeaders.of(d, POLICY);
    assertThat(h).containsEntry("RateLimit", "\"1h\";r=0;t=3599").containsEntry("Retry-After", "3");
  }

  @Test
  void retryAfterIsAtLeastOneSecond() {
    Decision d = Decision.ofMicros(false, 60, 0, 1, 1, 60 * S, false);
    assertThat(RateLimitHeaders.of(d, POLICY)).containsEntry("Retry-After", "1");
    Decision exact = Decision.ofMicros(false, 60, 0, 5 * S, 5 * S, 60 * S, false);
    assertThat(RateLimitHeaders.of(exact, POLICY)).containsEntry("Retry-After", "5");
  }

  @Test
  void allowedDecisionsHaveNoRetryAfterAndAnUnusedLimitResetsNow() {
    Decision d = Decision.ofMicros(true, 60, 60, 0, 0, 60 * S, false);
    assertThat(RateLimitHeaders.of(d, POLICY))
        .doesNotContainKey("Retry-After")
        .containsEntry("RateLimit", "\"1m\";r=60;t=0");
  }

  @Test
  void subSecondWindowsAreNamedInMillisecondsAndAdvertiseAtLeastOneSecond() {
    RateLimitPolicy p = RateLimitPolicy.builder().limit(10, Duration.ofMillis(500)).build();
    Decision d = Decision.ofMicros(true, 10, 9, 0, 500_000, 500_000, false);
    assertThat(RateLimitHeaders.of(d, p))
        .containsEntry("RateLimit-Policy", "\"500ms\";q=10;w=1")
        .containsEntry("RateLimit", "\"500ms\";r=9;t=1");
  }

  @Test
  void worksOnARealDecision() {
    try (RateLimiter l = RateLimiters.builder(POLICY).build()) {
      Decision d = l.tryAcquire("k", 60);
      Decision denied = l.tryAcquire("k");
      assertThat(RateLimitHeaders.of(d, POLICY)).containsEntry("RateLimit", "\"1m\";r=0;t=60");
      Map<String, String> h = RateLimitHeaders.of(denied, POLICY);
      assertThat(h.get("Retry-After")).isEqualTo("60");
    }
  }
}
