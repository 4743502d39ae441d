package io.github.switchboard.ratelimit.internal;

/** Plans whose book a limiter reads directly (every implementation of LimitPlans in this module). */
public interface PlanSource {
  /**
   * Returns the book this instance keeps current.
   *
   * @return the book
   */
  PlanBook book();
}
