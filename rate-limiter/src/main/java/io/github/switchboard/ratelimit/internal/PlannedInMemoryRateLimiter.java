package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.core.TimeSource;
import io.github.switchboard.ratelimit.ClientStats;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import java.util.concurrent.CompletionStage;

/*
 * Plans in memory: one InMemoryRateLimiter in routed mode holds every key, each state made with the limits
 * of its key's plan (a PlanSlot, shared by the plan's keys). A decision costs the one map look-up it costs
 * without plans: the key's plan is read only when its state is made (keys: key -> slot). A change of a
 * plan's policy is one write to its slot (O(1) whatever the number of its keys; each state finds itself
 * stale at its next decision and starts afresh under the new limits, as documented for in-memory plans);
 * an assignment is one put and one forget of the key's state (the bookkeeping is PlanTable's). Decisions
 * take no lock here.
 */
/** The in-memory limiter with plans: each key decided under its plan's policy, in one look-up. */
public final class PlannedInMemoryRateLimiter extends PlanTable<PlanSlot> implements RateLimiter {
  private final InMemoryRateLimiter states;

  /**
   * Creates the limiter and reads the plans.
   *
   * @param policy the default policy (keys on no plan)
   * @param book the plans
   * @param time the clock
   * @param maximumKeys the most keys held
   * @param name the limiter's name, for logs
   */
  public PlannedInMemoryRateLimiter(
      RateLimitPolicy policy, PlanBook book, TimeSource time, long maximumKeys, String name) {
    super(book);
    this.states =
        new InMemoryRateLimiter(new PlanSlot(new Limits(policy)), keys::get, time, maximumKeys, name);
    book.addListener(this);
    onReload();
  }

  @Override
  public Decision tryAcquire(String key, long permits) {
    return states.tryAcquire(key, permits);
  }

  @Override
  public boolean allow(String key, long permits) {
    return states.allow(key, permits);
  }

  @Override
  public CompletionStage<Decision> tryAcquireAsync(String key, long permits) {
    return states.tryAcquireAsync(key, permits);
  }

  @Override
  public ClientStats stats(String key) {
    return states.stats(key);
  }

  @Override
  public void reset(String key) {
    states.reset(key);
  }

  @Override
  public RateLimitPolicy policy() {
    return states.policy();
  }

  // ------------------------------------------------------------------------------------- plan changes

  @Override
  PlanSlot newSlot() {
    return new PlanSlot(null);
  }

  @Override
  void setPolicy(PlanSlot slot, RateLimitPolicy policy) {
    slot.limits = new Limits(policy);
  }

  @Override
  void dropped(PlanSlot slot) {
    slot.limits = null; // its keys' states are stale from now on; made again under the default
  }

  @Override
  void moved(String key) {
    states.forgetMoved(key);
  }

  @Override
  public void close() {
    synchronized (this) {
      if (!stop()) {
        return;
      }
    }
    states.close();
  }

  @Override
  public String toString() {
    return "PlannedInMemoryRateLimiter[" + plans.size() + " plans, default " + states.policy() + "]";
  }
}
