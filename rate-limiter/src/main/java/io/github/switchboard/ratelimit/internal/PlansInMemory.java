package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.ratelimit.LimitPlans;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.UnknownPlanException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Plans of this process only. */
public final class PlansInMemory extends AbstractLimitPlans {
  /**
   * Creates empty plans.
   *
   * @param name the plans' name
   */
  public PlansInMemory(String name) {
    super(name);
  }

  @Override
  public synchronized void putPlan(String plan, RateLimitPolicy policy) {
    PlanChecks.plan(book, plan, policy);
    book.apply(0, new PlanBook.SetPlan(plan, policy));
  }

  @Override
  public CompletionStage<Void> putPlanAsync(String plan, RateLimitPolicy policy) {
    return run(() -> putPlan(plan, policy));
  }

  @Override
  public synchronized void removePlan(String plan) {
    PlanBook.checkName(plan, "plan");
    if (book.hasPlan(plan)) {
      book.apply(0, new PlanBook.SetPlan(plan, null));
    }
  }

  @Override
  public CompletionStage<Void> removePlanAsync(String plan) {
    return run(() -> removePlan(plan));
  }

  @Override
  public synchronized void assign(String key, String plan) {
    PlanChecks.assignment(book, key, plan);
    if (!book.hasPlan(plan)) {
      throw new UnknownPlanException(plan);
    }
    book.apply(0, new PlanBook.SetAssignment(key, plan));
  }

  @Override
  public CompletionStage<Void> assignAsync(String key, String plan) {
    return run(() -> assign(key, plan));
  }

  @Override
  public synchronized void unassign(String key) {
    Keys.checkKey(key);
    if (book.isAssigned(key)) {
      book.apply(0, new PlanBook.SetAssignment(key, null));
    }
  }

  @Override
  public CompletionStage<Void> unassignAsync(String key) {
    return run(() -> unassign(key));
  }

  private static CompletionStage<Void> run(Runnable r) {
    try {
      r.run();
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public BackendState backendState() {
    return BackendState.PRIMARY;
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "LimitPlans[" + name + ", in memory, " + book.planCount() + " plans]";
  }
}
