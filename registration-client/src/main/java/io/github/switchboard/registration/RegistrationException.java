package io.github.switchboard.registration;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Every configured channel failed: the node could not be registered (or deregistered) anywhere. The
 * message and {@link #failures()} say why for each channel; neither holds a token or a password.
 */
public final class RegistrationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The failures; a List.copyOf, serializable in practice. */
  @SuppressWarnings("serial")
  private final List<ChannelFailure> failures;

  /**
   * Creates the exception.
   *
   * @param failures one failure per channel tried, in order; not empty
   * @throws IllegalArgumentException if {@code failures} is empty
   */
  public RegistrationException(List<ChannelFailure> failures) {
    super(message(failures));
    this.failures = List.copyOf(failures);
  }

  private static String message(List<ChannelFailure> failures) {
    if (failures.isEmpty()) {
      throw new IllegalArgumentException("failures must not be empty");
    }
    return "every channel failed: "
        + failures.stream().map(ChannelFailure::toString).collect(Collectors.joining("; "));
  }

  /**
   * Returns why each channel failed, in the order they were tried.
   *
   * @return an immutable, non-empty list
   */
  public List<ChannelFailure> failures() {
    return failures;
  }
}
