package io.github.switchboard.examples;

import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.FallbackMode;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import java.time.Duration;

/**
 * The README's quick start, compiled in CI so that it cannot drift from the API.
 *
 * <p>Run it with {@code java -cp examples/target/examples.jar io.github.switchboard.examples.QuickStart
 * [redis-url]}; without Redis at the URL (default {@code redis://localhost:6379}) it answers from the local
 * fallback and says so.
 */
public final class QuickStart {
  private QuickStart() {}

  /**
   * Makes 65 requests for one client against a limit of 60 a minute and prints each decision.
   *
   * @param args optional: the Redis URL
   */
  public static void main(String[] args) {
    String url = args.length > 0 ? args[0] : "redis://localhost:6379";
    // --- README example starts here ---
    RateLimitPolicy policy = RateLimitPolicy.builder()
        .algorithm(Algorithm.SLIDING_WINDOW_LOG)
        .limit(60, Duration.ofMinutes(1))          // all limits are checked atomically
        .limit(1000, Duration.ofHours(1))
        .build();
    try (RateLimiter limiter = RateLimiters.builder(policy)
            .redis(RedisTarget.parse(url))
            .fallback(FallbackMode.LOCAL)          // Redis down: limit locally, never throw
            .build()) {
      limiter.reset("client-42");
      for (int i = 1; i <= 65; i++) {
        Decision d = limiter.tryAcquire("client-42");
        if (!d.allowed()) {
          System.out.println("retry after " + d.retryAfter());
        }
        System.out.printf("request %2d: %s%n", i, d);
      }
    }
    // --- README example ends here ---
  }
}
