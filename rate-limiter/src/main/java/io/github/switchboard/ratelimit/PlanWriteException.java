package io.github.switchboard.ratelimit;

/**
 * A write to {@link LimitPlans} that Redis did not take (it is unreachable, failing, or did not answer in
 * time): nothing changed, anywhere. Writes of plans are operator actions, not traffic; try again once Redis
 * answers (an HTTP layer answers {@code 503}).
 */
public final class PlanWriteException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was not written and why
   * @param cause Redis's failure, or null
   */
  public PlanWriteException(String message, @org.jspecify.annotations.Nullable Throwable cause) {
    super(message, cause);
  }
}
