package io.github.switchboard.ratelimit;

/** A key was assigned to a plan that does not exist (an HTTP layer answers {@code 404}). */
public final class UnknownPlanException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param plan the plan's name
   */
  public UnknownPlanException(String plan) {
    super("plan '" + plan + "' does not exist");
  }
}
