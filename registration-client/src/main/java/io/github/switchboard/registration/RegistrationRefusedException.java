package io.github.switchboard.registration;

import java.util.List;
import java.util.Objects;

/**
 * A channel answered and refused the call: the coordinator rejected the API token ({@code 401}) or forbade
 * the request ({@code 403}). This ends the chain: no lower channel is tried, so that a node the coordinator
 * refuses is never written behind its back into Redis or the pool file. (A node refused as invalid,
 * {@code 400}, is reported by {@link InvalidNodeException} for the same reason.) The message never holds the
 * token.
 */
public final class RegistrationRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The channel that refused. */
  private final Channel channel;
  /** The HTTP status of the refusal. */
  private final int status;

  /** The failures before the refusal; a List.copyOf, serializable in practice. */
  @SuppressWarnings("serial")
  private final List<ChannelFailure> failures;

  /**
   * Creates the exception.
   *
   * @param channel the channel that refused
   * @param status the status it answered (such as {@code 401}), or {@code 0} when it has none
   * @param message why, for a person
   * @param failures the failures of the channels tried before it, in order
   */
  public RegistrationRefusedException(Channel channel, int status, String message, List<ChannelFailure> failures) {
    super(Objects.requireNonNull(message, "message"));
    this.channel = Objects.requireNonNull(channel, "channel");
    this.status = status;
    this.failures = List.copyOf(failures);
  }

  /**
   * Returns the channel that refused.
   *
   * @return the channel
   */
  public Channel channel() {
    return channel;
  }

  /**
   * Returns the status the channel answered, such as {@code 401} or {@code 403}.
   *
   * @return the HTTP status, or {@code 0} when the channel has none
   */
  public int status() {
    return status;
  }

  /**
   * Returns the failures of the channels tried before the one that refused (a higher channel that could
   * not be reached), in order.
   *
   * @return an immutable list, often empty
   */
  public List<ChannelFailure> failures() {
    return failures;
  }
}
