package io.github.switchboard.core.internal;

/** Thrown (or used to complete a future) when there is no connection to Redis yet or any more. */
public final class RedisUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what is unavailable; must not hold a password
   */
  public RedisUnavailableException(String message) {
    super(message, null, false, false);
  }
}
