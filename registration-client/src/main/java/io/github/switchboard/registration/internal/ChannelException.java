package io.github.switchboard.registration.internal;

/** A channel could not do what was asked; the message is safe to show (no token, no password). */
final class ChannelException extends Exception {
  private static final long serialVersionUID = 1L;

  ChannelException(String message) {
    super(message, null, false, false);
  }
}
