package io.github.switchboard.ratelimit;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by {@link RateLimiter#reset(String)} when Redis did not take the reset: it did not answer in
 * time, failed, or the circuit breaker holds it off while it is failing. This instance's own state of the
 * client (the {@link FallbackMode#LOCAL} fallback, the local deny cache) was cleared; Redis still holds
 * the client's state, so the reset should be tried again once Redis answers. The message never holds the
 * client's key.
 */
public final class ResetFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, without the client's key
   * @param cause the Redis failure, or null if none is known
   */
  public ResetFailedException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
