package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.ratelimit.ClientStats;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import java.util.Objects;

/**
 * A limiter wrapped around another that decides: everything but the decisions goes to it unchanged (the
 * wrappers, {@link ListeningRateLimiter} and {@link ShadowRateLimiter}, change only the decisions).
 */
abstract class ForwardingRateLimiter implements RateLimiter {
  final RateLimiter delegate;

  ForwardingRateLimiter(RateLimiter delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public final ClientStats stats(String key) {
    return delegate.stats(key);
  }

  @Override
  public final void reset(String key) {
    delegate.reset(key);
  }

  @Override
  public final RateLimitPolicy policy() {
    return delegate.policy();
  }

  @Override
  public final BackendState backendState() {
    return delegate.backendState();
  }

  @Override
  public final void close() {
    delegate.close();
  }

  @Override
  public final String toString() {
    return getClass().getSimpleName() + "[" + delegate + "]";
  }
}
