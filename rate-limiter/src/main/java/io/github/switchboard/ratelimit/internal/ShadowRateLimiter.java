package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.RateLimiter;
import java.util.concurrent.CompletionStage;

/**
 * A shadow policy's limiter: the limiter given decides and counts, and a denial is turned into an allowed
 * decision marked {@link Decision#shadowDenied()}. The builder wraps a limiter in it only for a shadow
 * policy without plans (with plans, {@link PlanRoutingRateLimiter} does the same per key).
 */
public final class ShadowRateLimiter extends ForwardingRateLimiter {
  /**
   * Wraps a limiter.
   *
   * @param delegate the limiter that decides (its policy is the shadow policy)
   */
  public ShadowRateLimiter(RateLimiter delegate) {
    super(delegate);
  }

  @Override
  public Decision tryAcquire(String key, long permits) {
    return Decisions.shadow(delegate.tryAcquire(key, permits));
  }

  @Override
  public boolean allow(String key, long permits) {
    delegate.allow(key, permits);
    return true;
  }

  @Override
  public CompletionStage<Decision> tryAcquireAsync(String key, long permits) {
    return delegate.tryAcquireAsync(key, permits).thenApply(Decisions::shadow);
  }
}
