package io.github.switchboard.registration;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of a {@link RegistrationClient#deregister deregistration} that reached at least one channel.
 *
 * @param channel the channel that removed the node; if no channel had it, the highest channel that
 *     answered
 * @param removed true if a channel held the node and removed it
 * @param failures the failures of the channels tried before {@code channel} (and, when {@code removed} is
 *     false, of every channel that could not be asked), in order
 */
public record DeregistrationResult(Channel channel, boolean removed, List<ChannelFailure> failures) {

  /**
   * Checks and copies the fields.
   *
   * @param channel the channel that removed the node, or the highest that answered
   * @param removed whether a channel removed the node
   * @param failures the failures of the channels asked
   * @throws NullPointerException if a field is null
   */
  public DeregistrationResult {
    Objects.requireNonNull(channel, "channel");
    failures = List.copyOf(failures);
  }
}
