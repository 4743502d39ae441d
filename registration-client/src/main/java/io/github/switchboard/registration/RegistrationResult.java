package io.github.switchboard.registration;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of a successful {@link RegistrationClient#register registration}.
 *
 * @param channel the channel that stored the node
 * @param created true if the pool did not know the node before, false if the node replaced one with the
 *     same id
 * @param failures the failures of the higher channels tried before {@code channel}, in order (empty when
 *     the first channel succeeded)
 */
public record RegistrationResult(Channel channel, boolean created, List<ChannelFailure> failures) {

  /**
   * Checks and copies the fields.
   *
   * @param channel the channel that stored the node
   * @param created whether the node was new
   * @param failures the failures of the channels before
   * @throws NullPointerException if a field is null
   */
  public RegistrationResult {
    Objects.requireNonNull(channel, "channel");
    failures = List.copyOf(failures);
  }
}
