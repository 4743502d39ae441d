package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.ratelimit.LimitPlansListener;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/*
 * The bookkeeping of a limiter with plans, shared by its two forms (on Redis, PlanRoutingRateLimiter: a
 * limiter per plan; in memory, PlannedInMemoryRateLimiter: one limiter, a slot of limits per plan): plan
 * name -> slot, key -> the slot of its plan (a key on no plan is absent), kept in step with the PlanBook.
 * A slot is shared by every key of its plan, so a change of a plan's policy is one update of its slot,
 * whatever the number of its keys; an assignment is one put; removing a plan, and a full reload, walk the
 * assignments. Changes are serialised by this object's monitor; decisions read the maps without a lock.
 */
/** Plan name to slot, key to its plan's slot, kept in step with the plans. */
abstract class PlanTable<S> implements LimitPlansListener {
  final PlanBook book;
  final ConcurrentHashMap<String, S> plans = new ConcurrentHashMap<>();
  final ConcurrentHashMap<String, S> keys = new ConcurrentHashMap<>();
  private final Map<String, RateLimitPolicy> policies = new HashMap<>(); // plan -> its slot's; by this
  private boolean closed; // guarded by this

  PlanTable(PlanBook book) {
    this.book = book;
  }

  /** A new slot, with no policy yet. */
  abstract S newSlot();

  /** Gives a slot another policy (it differs from the one it holds). */
  abstract void setPolicy(S slot, RateLimitPolicy policy);

  /** The plan of a slot went: its keys, already taken off, go back to the default. */
  abstract void dropped(S slot);

  /** A key changed slot (or went to or came from the default). */
  void moved(String key) {}

  /** Stops following the plans; returns false if already stopped. Caller holds the monitor. */
  final boolean stop() {
    if (closed) {
      return false;
    }
    closed = true;
    book.removeListener(this);
    return true;
  }

  @Override
  public final synchronized void onPlan(String name, @Nullable RateLimitPolicy policy) {
    if (closed) {
      return;
    }
    if (policy == null) {
      S gone = plans.remove(name);
      policies.remove(name);
      if (gone != null) {
        keys.values().removeIf(v -> v == gone);
        dropped(gone);
      }
      return;
    }
    S slot = plans.computeIfAbsent(name, n -> newSlot());
    if (!policy.equals(policies.put(name, policy))) {
      setPolicy(slot, policy);
    }
  }

  @Override
  public final synchronized void onAssignment(String key, @Nullable String plan) {
    if (closed) {
      return;
    }
    S slot = null;
    if (plan != null) {
      slot = plans.get(plan);
      if (slot == null) {
        onPlan(plan, book.plan(plan).orElse(null));
        slot = plans.get(plan);
      }
    }
    move(key, slot);
  }

  @Override
  public final synchronized void onReload() {
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

  /** Puts a key on a slot (null: the default); tells moved() if that changed its slot. */
  private void move(String key, @Nullable S slot) {
    S before = slot == null ? keys.remove(key) : keys.put(key, slot);
    if (before != slot) {
      moved(key);
    }
  }
}
