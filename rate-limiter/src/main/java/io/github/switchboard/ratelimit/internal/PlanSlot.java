package io.github.switchboard.ratelimit.internal;

import org.jspecify.annotations.Nullable;

/**
 * A plan's limits now, shared by the in-memory states of its keys: a change of the plan's policy is one
 * write here, and each state finds itself stale at its next decision (see {@link InMemoryRateLimiter}).
 */
final class PlanSlot {
  /** The plan's limits now; null once the plan is removed. */
  volatile @Nullable Limits limits;

  PlanSlot(@Nullable Limits limits) {
    this.limits = limits;
  }
}
