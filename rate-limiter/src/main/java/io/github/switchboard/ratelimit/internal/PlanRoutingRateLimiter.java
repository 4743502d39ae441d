package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.ratelimit.ClientStats;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/*
 * A key's policy is its plan's, else the builder's. Each plan has a limiter of its policy (on Redis, a
 * sibling of the default limiter: same connection, breaker and key prefix, so a key keeps its state when
 * it moves between plans of one algorithm). A decision costs one map look-up more than without plans:
 * key -> the holder of its plan's route; a plan's holder is shared by all its keys, so a change of a plan's
 * policy is one swap (O(1)) whatever the number of its keys (the bookkeeping is PlanTable's).
 *
 * A limiter replaced by a change is closed 10 s later (calls in flight on it finish first), or when this
 * one closes. A shadow policy's denials become allowed, shadowDenied decisions here.
 */
/** Routes each decision to the limiter of its key's plan. */
public final class PlanRoutingRateLimiter extends PlanTable<PlanRoutingRateLimiter.Holder>
    implements RateLimiter {
  private static final long RETIRE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** A plan's policy and its limiter. */
  private record Route(RateLimitPolicy policy, RateLimiter limiter) {}

  /** A plan's current route, shared by its keys; null route: the plan is gone (default policy). */
  static final class Holder {
    volatile @Nullable Route route;
  }

  private record Retired(RateLimiter limiter, long atNanos) {}

  private final RateLimiter defaultLimiter;
  private final boolean defaultShadow;
  private final Function<RateLimitPolicy, RateLimiter> factory;
  private final List<Retired> retired = new ArrayList<>(); // guarded by this

  /**
   * Creates the router and reads the plans.
   *
   * @param defaultLimiter the limiter of the builder's policy (closed with this one)
   * @param book the plans
   * @param factory makes the limiter of a plan's policy
   */
  public PlanRoutingRateLimiter(
      RateLimiter defaultLimiter, PlanBook book, Function<RateLimitPolicy, RateLimiter> factory) {
    super(book);
    this.defaultLimiter = Objects.requireNonNull(defaultLimiter, "defaultLimiter");
    this.defaultShadow = defaultLimiter.policy().shadow();
    this.factory = factory;
    book.addListener(this);
    onReload();
  }

  private @Nullable Route route(String key) {
    Holder h = keys.get(key);
    return h == null ? null : h.route;
  }

  @Override
  public Decision tryAcquire(String key, long permits) {
    Route r = route(key);
    if (r == null) {
      Decision d = defaultLimiter.tryAcquire(key, permits);
      return defaultShadow ? Decisions.shadow(d) : d;
    }
    Decision d = r.limiter.tryAcquire(key, permits);
    return r.policy.shadow() ? Decisions.shadow(d) : d;
  }

  @Override
  public boolean allow(String key, long permits) {
    Route r = route(key);
    if (r == null) {
      return defaultLimiter.allow(key, permits) || defaultShadow;
    }
    return r.limiter.allow(key, permits) || r.policy.shadow();
  }

  @Override
  public CompletionStage<Decision> tryAcquireAsync(String key, long permits) {
    Route r = route(key);
    if (r == null) {
      CompletionStage<Decision> d = defaultLimiter.tryAcquireAsync(key, permits);
      return defaultShadow ? d.thenApply(Decisions::shadow) : d;
    }
    CompletionStage<Decision> d = r.limiter.tryAcquireAsync(key, permits);
    return r.policy.shadow() ? d.thenApply(Decisions::shadow) : d;
  }

  @Override
  public ClientStats stats(String key) {
    Route r = route(key);
    return (r == null ? defaultLimiter : r.limiter).stats(key);
  }

  @Override
  public void reset(String key) {
    Route r = route(key);
    (r == null ? defaultLimiter : r.limiter).reset(key);
  }

  /**
   * Returns the policy that applies to a key now.
   *
   * @param key the client key
   * @return its plan's policy, or the default
   */
  public RateLimitPolicy policyFor(String key) {
    Route r = route(key);
    return r == null ? defaultLimiter.policy() : r.policy;
  }

  @Override
  public RateLimitPolicy policy() {
    return defaultLimiter.policy();
  }

  @Override
  public BackendState backendState() {
    return defaultLimiter.backendState();
  }

  // ------------------------------------------------------------------------------------- plan changes

  @Override
  Holder newSlot() {
    return new Holder();
  }

  @Override
  void setPolicy(Holder slot, RateLimitPolicy policy) {
    Route old = slot.route;
    slot.route = new Route(policy, factory.apply(policy));
    retire(old);
  }

  @Override
  void dropped(Holder slot) {
    retire(slot.route);
    slot.route = null;
  }

  private void retire(@Nullable Route old) {
    long now = System.nanoTime();
    for (Iterator<Retired> it = retired.iterator(); it.hasNext(); ) {
      Retired r = it.next();
      if (now - r.atNanos > RETIRE_AFTER_NANOS) {
        r.limiter.close();
        it.remove();
      }
    }
    if (old != null) {
      retired.add(new Retired(old.limiter, now));
    }
  }

  @Override
  public void close() {
    List<RateLimiter> toClose = new ArrayList<>();
    synchronized (this) {
      if (!stop()) {
        return;
      }
      for (Holder h : plans.values()) {
        Route r = h.route;
        if (r != null) {
          toClose.add(r.limiter);
        }
      }
      for (Retired r : retired) {
        toClose.add(r.limiter);
      }
      retired.clear();
    }
    for (RateLimiter l : toClose) {
      l.close();
    }
    defaultLimiter.close();
  }

  @Override
  public String toString() {
    return "PlanRoutingRateLimiter[" + plans.size() + " plans, default " + defaultLimiter + "]";
  }
}
