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
 * The README's first example, line for line ({@code ReadmeExampleTest} checks that the README and this file
 * agree), so that the README cannot drift from the API.
 */
public final class ReadmeExample {
  private ReadmeExample() {}

  /**
   * Runs the README's example against Redis on localhost (or its local fallback, when Redis is not there).
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    // README:begin
    RateLimitPolicy policy = RateLimitPolicy.builder()
        .algorithm(Algorithm.SLIDING_WINDOW_LOG)
        .limit(60, Duration.ofMinutes(1))          // all limits are checked atomically
        .limit(1000, Duration.ofHours(1))
        .build();
    try (RateLimiter limiter = RateLimiters.builder(policy)
            .redis(RedisTarget.parse("redis://localhost:6379"))
            .fallback(FallbackMode.LOCAL)          // Redis down: limit locally, never throw
            .build()) {
      Decision d = limiter.tryAcquire("client-42");
      if (!d.allowed()) {
        System.out.println("retry after " + d.retryAfter());
      }
    }
    // README:end
  }
}
