package io.github.switchboard.registration.internal;

/**
 * A channel could not do what was asked; the message is safe to show (no token, no password). A channel
 * that could not be reached or failed ({@link #refused()} false) lets the client try the next one; a
 * channel that answered and refused ({@link #refused()} true: {@code 401}, {@code 403}) ends the chain.
 */
final class ChannelException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int refusedStatus;

  ChannelException(String message) {
    this(message, 0);
  }

  private ChannelException(String message, int refusedStatus) {
    super(message, null, false, false);
    this.refusedStatus = refusedStatus;
  }

  /** The channel answered {@code status} and refused: the chain ends here. */
  static ChannelException refused(String message, int status) {
    return new ChannelException(message, status);
  }

  /** Whether the channel answered and refused (the chain ends), rather than failed. */
  boolean refused() {
    return refusedStatus != 0;
  }

  /** The status of a refusal, else 0. */
  int status() {
    return refusedStatus;
  }
}
