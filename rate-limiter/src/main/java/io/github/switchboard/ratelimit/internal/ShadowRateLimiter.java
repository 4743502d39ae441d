package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.ratelimit.ClientStats;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A shadow policy's limiter: the limiter given decides and counts, and a denial is turned into an allowed
 * decision marked {@link Decision#shadowDenied()}. The builder wraps a limiter in it only for a shadow
 * policy without plans (with plans, {@link PlanRoutingRateLimiter} does the same per key).
 */
public final class ShadowRateLimiter implements RateLimiter {
  private final RateLimiter delegate;

  /**
   * Wraps a limiter.
   *
   * @param delegate the limiter that decides (its policy is the shadow policy)
   */
  public ShadowRateLimiter(RateLimiter delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
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

  @Override
  public ClientStats stats(String key) {
    return delegate.stats(key);
  }

  @Override
  public void reset(String key) {
    delegate.reset(key);
  }

  @Override
  public RateLimitPolicy policy() {
    return delegate.policy();
  }

  @Override
  public BackendState backendState() {
    return delegate.backendState();
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return "ShadowRateLimiter[" + delegate + "]";
  }
}
