package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.ratelimit.LimitPlans;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import java.util.Objects;

/** The argument rules of plan writes, the same for every implementation. */
final class PlanChecks {
  private PlanChecks() {}

  static void plan(PlanBook book, String plan, RateLimitPolicy policy) {
    PlanBook.checkName(plan, "plan");
    Objects.requireNonNull(policy, "policy");
    if (!book.hasPlan(plan) && book.planCount() >= LimitPlans.MAX_PLANS) {
      throw new IllegalArgumentException("plans must be at most " + LimitPlans.MAX_PLANS + "; remove one first");
    }
  }

  static void assignment(PlanBook book, String key, String plan) {
    Keys.checkKey(key);
    PlanBook.checkName(plan, "plan");
    if (!book.isAssigned(key) && book.assignments() >= LimitPlans.MAX_ASSIGNMENTS) {
      throw new IllegalArgumentException(
          "assignments must be at most " + LimitPlans.MAX_ASSIGNMENTS + "; unassign keys first");
    }
  }
}
