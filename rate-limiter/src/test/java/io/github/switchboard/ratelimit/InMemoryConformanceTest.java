package io.github.switchboard.ratelimit;

import io.github.switchboard.core.testing.ManualTimeSource;

/** The conformance suite on the in-memory limiter. */
class InMemoryConformanceTest extends AbstractRateLimiterConformanceTest {
  @Override
  protected RateLimiter create(RateLimitPolicy policy, ManualTimeSource clock) {
    return RateLimiters.builder(policy).timeSource(clock).build();
  }
}
