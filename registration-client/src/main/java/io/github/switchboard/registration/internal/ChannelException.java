package io.github.switchboard.registration.internal;

/**
 * A channel could not do what was asked; the message is safe to show (no token, no password). A channel
 * that could not be reached or failed lets the client try the next one, and so does a channel skipped
 * because its circuit breaker is open ({@link #skipped()}); a channel that answered and refused
 * ({@link #refused()}: {@code 400}, {@code 401}, {@code 403}) ends the chain.
 */
final class ChannelException extends Exception {
  private static final long serialVersionUID = 1L;

  /** {@code status()} of a channel skipped by its open breaker. */
  private static final int SKIPPED = -1;

  private final int status;

  ChannelException(String message) {
    this(message, 0);
  }

  private ChannelException(String message, int status) {
    super(message, null, false, false);
    this.status = status;
  }

  /** The channel answered {@code status} and refused: the chain ends here. */
  static ChannelException refused(String message, int status) {
    if (status <= 0) {
      throw new IllegalArgumentException("status must be positive, was " + status);
    }
    return new ChannelException(message, status);
  }

  /** The channel was not asked: its circuit breaker is open. */
  static ChannelException skipped(String message) {
    return new ChannelException(message, SKIPPED);
  }

  /** Whether the channel answered and refused (the chain ends), rather than failed. */
  boolean refused() {
    return status > 0;
  }

  /** Whether the channel was skipped, not attempted, because its circuit breaker is open. */
  boolean skipped() {
    return status == SKIPPED;
  }

  /** The status of a refusal, else 0 or negative. */
  int status() {
    return status;
  }
}
