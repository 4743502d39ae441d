package io.github.switchboard.registration;

import java.util.Objects;

/**
 * Why one channel could not be used. The message never holds the API token or a Redis password.
 *
 * @param channel the channel that failed
 * @param message what went wrong, for a person (for example {@code coordinator http://c:8002 rejected the
 *     API token (401): the Bearer token is not valid})
 */
public record ChannelFailure(Channel channel, String message) {

  /**
   * Checks the fields.
   *
   * @param channel the channel that failed
   * @param message what went wrong
   * @throws NullPointerException if a field is null
   */
  public ChannelFailure {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(message, "message");
  }

  /** Returns {@code channel: message}. */
  @Override
  public String toString() {
    return channel.label() + ": " + message;
  }
}
