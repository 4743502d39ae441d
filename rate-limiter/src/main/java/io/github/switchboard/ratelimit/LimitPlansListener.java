package io.github.switchboard.ratelimit;

import org.jspecify.annotations.Nullable;

/**
 * Told of each change of {@link LimitPlans} this instance applies (made here or on another instance), on
 * the thread that applies it; it must be fast. An exception it throws is logged and ignored.
 */
public interface LimitPlansListener {
  /**
   * A plan was added, changed or removed.
   *
   * @param name the plan's name
   * @param policy its new policy, or null when removed (its keys are then unassigned, without a call of
   *     {@link #onAssignment} for each)
   */
  default void onPlan(String name, @Nullable RateLimitPolicy policy) {}

  /**
   * A key was put on a plan, or taken off one.
   *
   * @param key the client key
   * @param plan the plan's name, or null when unassigned
   */
  default void onAssignment(String key, @Nullable String plan) {}

  /** Everything was read again (a gap in the changes was healed): read the plans whole. */
  default void onReload() {}
}
