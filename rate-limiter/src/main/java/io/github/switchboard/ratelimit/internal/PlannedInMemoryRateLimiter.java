package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.core.TimeSource;
import io.github.switchboard.ratelimit.ClientStats;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.LimitPlansListener;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/*
 * Plans in memory: one InMemoryRateLimiter in routed mode holds every key, each state made with the limits
 * of its key's plan (a PlanSlot, shared by the plan's keys). A decision costs the one map look-up it costs
 * without plans: the key's plan is read only when its state is made (keys: key -> slot). A change of a
 * plan's policy is one write to its slot (O(1) whatever the number of its keys; each state finds itself
 * stale at its next decision and starts afresh under the new limits, as documented for in-memory plans);
 * an assignment is one put and one forget of the key's state; removing a plan, and a full reload, walk the
 * assignments. Plan changes are serialised by this object's monitor; decisions take no lock here.
 */
/** The in-memory limiter with plans: each key decided under its plan's policy, in one look-up. */
public final class PlannedInMemoryRateLimiter implements RateLimiter, LimitPlansListener {
  private final PlanBook book;
  private final PlanSlot defaultSlot;
  private final ConcurrentHashMap<String, PlanSlot> plans = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, PlanSlot> keys = new ConcurrentHashMap<>();
  private final InMemoryRateLimiter states;
  private volatile boolean closed;

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
    this.book = book;
    this.defaultSlot = new PlanSlot(new Limits(policy));
    this.states = new InMemoryRateLimiter(defaultSlot, keys::get, time, maximumKeys, name);
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
  public synchronized void onPlan(String name, @Nullable RateLimitPolicy policy) {
    if (closed) {
      return;
    }
    if (policy == null) {
      PlanSlot gone = plans.remove(name);
      if (gone != null) {
        gone.limits = null; // its keys' states are stale from now on; made again under the default
        keys.values().removeIf(v -> v == gone);
      }
      return;
    }
    PlanSlot slot = plans.computeIfAbsent(name, n -> new PlanSlot(null));
    Limits old = slot.limits;
    if (old == null || !old.policy.equals(policy)) {
      slot.limits = new Limits(policy);
    }
  }

  @Override
  public synchronized void onAssignment(String key, @Nullable String plan) {
    if (closed) {
      return;
    }
    PlanSlot slot = null;
    if (plan != null) {
      slot = plans.get(plan);
      if (slot == null) {
        onPlan(plan, book.plan(plan).orElse(null));
        slot = plans.get(plan);
      }
    }
    move(key, slot);
  }

  /** Puts a key on a plan's slot (null: the default) and forgets its state if that changed its slot. */
  private void move(String key, @Nullable PlanSlot slot) {
    PlanSlot before = slot == null ? keys.remove(key) : keys.put(key, slot);
    if (before != slot) {
      states.forgetMoved(key);
    }
  }

  @Override
  public synchronized void onReload() {
    if (closed) {
      return;
    }
    Map<String, RateLimitPolicy> now = book.plans();
    for (String gone : new ArrayList<>(plans.keySet())) {
      if (!now.containsKey(gone)) {
        onPlan(gone, null);
      }
    }
    for (Map.Entry<String, RateLimitPolicy> e : now.entrySet()) {
      onPlan(e.getKey(), e.getValue());
    }
    Map<String, String> assigned = book.assignmentsCopy();
    for (String key : new ArrayList<>(keys.keySet())) {
      if (!assigned.containsKey(key)) {
        move(key, null);
      }
    }
    for (Map.Entry<String, String> e : assigned.entrySet()) {
      move(e.getKey(), plans.get(e.getValue()));
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      book.removeListener(this);
    }
    states.close();
  }

  @Override
  public String toString() {
    return "PlannedInMemoryRateLimiter[" + plans.size() + " plans, default " + states.policy() + "]";
  }
}
