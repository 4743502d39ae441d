package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.core.TimeSource;
import io.github.switchboard.ratelimit.ClientStats;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Concurrency: a ConcurrentHashMap from key to KeyState; each decision takes only its key's monitor, so
 * keys never contend with each other and there is no global lock. The check of all limits and the record
 * in all limits happen under that one monitor, so a multi-limit decision is atomic.
 *
 * Eviction (bounded memory without a stop-the-world sweep): a cursor walks the map's values round-robin.
 * Every insertion of a new key advances it by 3 entries, and every 64th decision on a key (a counter in
 * the key's state, under its monitor: no random number, no shared counter) by 4. An entry is removed when
 * it is idle (KeyState.idle: every limit back to full) AND no decision touched it for the grace period,
 * max(longest window, 1 s). The grace keeps the state of a client that is below its rate but still active
 * (a GCRA bucket is full again one emission interval after a grant), which would otherwise be evicted and
 * rebuilt over and over; it bounds the map by the keys seen within about max(longest window, 1 s) plus
 * the keys not yet full, and stale entries are still found after about size/3 insertions.
 *
 * The cursor is guarded by a tryLock: a thread that finds another sweeping just skips its turn. When the
 * cursor's iterator runs out, a sweep on an insertion (which allocates anyway) starts a new one at once; a
 * sweep on a decision stops there and starts a new one only once in 64 such sweeps (and never twice in one
 * sweep), so that a small map (one hot key) does not allocate an iterator every few calls: on a map of n
 * entries a full walk takes at most max(n/4, 64) such sweeps.
 *
 * Key checks: a key is checked in full (its UTF-8 length and surrogates) only when it is not in the map; a
 * key found in the map equals one that passed that check when it went in.
 *
 * Eviction and reset race safely with decisions: the remover marks the state dead under its monitor
 * before removing it; a decision that finds a dead state looks the key up again.
 *
 * The bound (maximumKeys): a key not in the map that arrives while the map holds maximumKeys entries
 * first makes room, under sweepLock (taken blocking, so that concurrent insertions at the bound cannot
 * overshoot it by more than the threads racing past the size check): the cursor samples up to
 * BOUND_SAMPLE entries; the first idle one (every limit back to full: a new state would be the same, so
 * dropping it loses nothing) is removed, else the least recently touched of the sample is evicted. An
 * evicted client starts again with its full limits, so a client can only get more than its limit by being
 * evicted, never while its state is kept; with a bound above the number of clients active within the
 * longest window nothing is evicted. The first time the bound is reached is logged at WARN, once. The
 * check costs one mappingCount() on an insertion and nothing on a key already held.
 *
 * Plans (routed mode, PlannedInMemoryRateLimiter): a key's state is made with the limits of its plan, read
 * once, when the state is made, from the router (key -> PlanSlot), and keeps its slot. A decision compares
 * the state's limits with its slot's (one volatile read of an object shared by the plan's keys): when the
 * plan's policy changed or the plan went, the state is dropped and made again under the key's limits now,
 * so a change of a plan's policy is one write, whatever the number of its keys, and a decision costs the
 * one map look-up it costs without plans. A key moved to another plan is forgotten by the router. The
 * permits are checked against the state's own policy; a denial under a shadow policy is returned as an
 * allowed, shadowDenied decision.
 */
/** The in-memory rate limiter; also the LOCAL fallback of the Redis limiter. */
public final class InMemoryRateLimiter implements RateLimiter {
  private static final int SWEEP_ON_INSERT = 3;
  private static final int SWEEP_ON_HIT = 4;
  private static final int SWEEP_HIT_MASK = 63;
  /** A sweep on a decision may start the walk over only once in this many such sweeps. */
  private static final int HIT_SWEEPS_PER_RESTART = 64;
  /** The least time an idle state is kept after its last decision, in microseconds. */
  static final long MIN_GRACE_MICROS = 1_000_000L;
  /** How many entries an insertion at the bound looks at to choose the one to drop. */
  static final int BOUND_SAMPLE = 8;

  private static final Logger LOG = LoggerFactory.getLogger(InMemoryRateLimiter.class);

  private final RateLimitPolicy publicPolicy;
  private final Limits limits;
  private final TimeSource time;
  private final boolean degraded;
  private final long maxPermits;
  private final long graceMicros;
  private final ConcurrentHashMap<String, KeyState> states = new ConcurrentHashMap<>();
  private final Function<String, KeyState> factory;
  private final boolean routed;
  private final ReentrantLock sweepLock = new ReentrantLock();
  private @Nullable Iterator<KeyState> cursor; // guarded by sweepLock
  private int hitSweepsSinceRestart = HIT_SWEEPS_PER_RESTART; // guarded by sweepLock
  private final long maximumKeys;
  private final String name;
  private final AtomicBoolean boundLogged = new AtomicBoolean();
  private final LongAdder evicted = new LongAdder();
  private volatile boolean closed;

  /**
   * Creates an in-memory limiter.
   *
   * @param policy the policy it enforces and reports
   * @param time the clock
   */
  public InMemoryRateLimiter(RateLimitPolicy policy, TimeSource time) {
    this(policy, policy, time, false, Long.MAX_VALUE, "rate-limiter");
  }

  /**
   * Creates an in-memory limiter that keeps at most {@code maximumKeys} keys.
   *
   * @param policy the policy it enforces and reports
   * @param time the clock
   * @param maximumKeys the most keys held (see the class notes for what happens at the bound)
   * @param name the limiter's name, for logs
   */
  public InMemoryRateLimiter(RateLimitPolicy policy, TimeSource time, long maximumKeys, String name) {
    this(policy, policy, time, false, maximumKeys, name);
  }

  /**
   * Creates an in-memory limiter that enforces one policy while checking permits against (and reporting)
   * another: the LOCAL fallback enforces the divided policy but accepts what the full policy accepts.
   *
   * @param publicPolicy the policy callers see (permits are checked against it)
   * @param enforced the policy enforced (for example the public one divided by the instance count)
   * @param time the clock
   * @param degraded whether its decisions are marked degraded
   * @param maximumKeys the most keys held (see the class notes for what happens at the bound)
   * @param name the limiter's name, for logs
   */
  public InMemoryRateLimiter(
      RateLimitPolicy publicPolicy,
      RateLimitPolicy enforced,
      TimeSource time,
      boolean degraded,
      long maximumKeys,
      String name) {
    this(
        Objects.requireNonNull(publicPolicy, "publicPolicy"),
        new Limits(Objects.requireNonNull(enforced, "enforced")),
        time,
        degraded,
        Keys.maxPermits(publicPolicy),
        maximumKeys,
        name,
        null,
        null);
  }

  /**
   * Creates an in-memory limiter whose keys are decided under their plans' limits (see the class notes).
   *
   * @param defaultSlot the slot of the default policy (its limits never change)
   * @param router the slot of a key's plan, or null for the default
   * @param time the clock
   * @param maximumKeys the most keys held
   * @param name the limiter's name, for logs
   */
  InMemoryRateLimiter(
      PlanSlot defaultSlot,
      Function<String, @Nullable PlanSlot> router,
      TimeSource time,
      long maximumKeys,
      String name) {
    this( // each state checks the permits against its own policy
        Objects.requireNonNull(defaultSlot.limits, "defaultSlot.limits").policy,
        Objects.requireNonNull(defaultSlot.limits),
        time,
        false,
        Long.MAX_VALUE,
        maximumKeys,
        name,
        defaultSlot,
        Objects.requireNonNull(router, "router"));
  }

  private InMemoryRateLimiter(
      RateLimitPolicy publicPolicy,
      Limits limits,
      TimeSource time,
      boolean degraded,
      long maxPermits,
      long maximumKeys,
      String name,
      @Nullable PlanSlot defaultSlot,
      @Nullable Function<String, @Nullable PlanSlot> router) {
    if (maximumKeys < 1) {
      throw new IllegalArgumentException("maximumKeys must be at least 1, was " + maximumKeys);
    }
    this.maximumKeys = maximumKeys;
    this.name = Objects.requireNonNull(name, "name");
    this.publicPolicy = publicPolicy;
    this.limits = limits;
    this.time = Objects.requireNonNull(time, "time");
    this.degraded = degraded;
    this.maxPermits = maxPermits;
    this.graceMicros = Math.max(limits.maxWindow, MIN_GRACE_MICROS);
    this.routed = router != null;
    if (router == null || defaultSlot == null) {
      this.factory = k -> KeyState.create(k, limits);
      return;
    }
    this.factory =
        k -> {
          PlanSlot slot = router.apply(k);
          Limits pl = slot == null ? null : slot.limits;
          if (pl == null) { // no plan, or the plan went meanwhile
            slot = defaultSlot;
            pl = limits;
          }
          KeyState st = KeyState.create(k, pl);
          st.slot = slot;
          return st;
        };
  }

  @Override
  public Decision tryAcquire(String key, long permits) {
    return decide(key, permits, checkedState(key, permits), true);
  }

  /** The verdict alone: the same decision as tryAcquire, without building a Decision for it. */
  @Override
  public boolean allow(String key, long permits) {
    return decide(key, permits, checkedState(key, permits), false).allowed();
  }

  /**
   * Checks the arguments and returns the key's state if it exists. The full text check of the key runs
   * only for a key that has no state yet (a key with state passed it when the state was made).
   */
  private @Nullable KeyState checkedState(String key, long permits) {
    Keys.checkKeyShape(key);
    KeyState s = states.get(key);
    if (s == null) {
      Keys.checkKeyText(key);
    }
    Keys.checkPermits(permits, maxPermits);
    ensureOpen();
    return s;
  }

  /**
   * Decides without checking the arguments (they were checked by the caller).
   *
   * @param key a valid key
   * @param permits at least 1
   * @return the decision
   */
  public Decision acquire(String key, long permits) {
    return decide(key, permits, states.get(key), true);
  }

  private Decision decide(String key, long permits, @Nullable KeyState found, boolean detail) {
    long now = time.currentTimeMicros();
    KeyState s = found;
    boolean inserted = false;
    if (s == null) {
      if (states.mappingCount() >= maximumKeys) {
        makeRoom(now);
      }
      s = states.computeIfAbsent(key, factory);
      inserted = true;
    }
    Decision d;
    boolean sweepNow;
    while (true) {
      synchronized (s) {
        if (!s.dead) {
          PlanSlot slot = s.slot;
          if (slot == null || slot.limits == s.limits) {
            if (slot != null) {
              Keys.checkPermits(permits, s.limits.maxPermits);
            }
            d = s.acquire(now, permits, degraded, detail);
            s.touched = now;
            sweepNow = (++s.hits & SWEEP_HIT_MASK) == 0;
            break;
          }
          s.dead = true; // its plan changed or went: made again under the key's limits now
          states.remove(key, s);
        }
      }
      s = states.computeIfAbsent(key, factory);
    }
    if (inserted) {
      sweep(SWEEP_ON_INSERT, now, true);
    } else if (sweepNow) {
      sweep(SWEEP_ON_HIT, now, false);
    }
    return routed && !d.allowed() && s.limits.policy.shadow() ? Decisions.shadow(d) : d;
  }

  @Override
  public CompletionStage<Decision> tryAcquireAsync(String key, long permits) {
    return CompletableFuture.completedFuture(tryAcquire(key, permits));
  }

  @Override
  public ClientStats stats(String key) {
    Keys.checkKey(key);
    ensureOpen();
    return statsOf(key);
  }

  /**
   * Returns the statistics without checking the key.
   *
   * @param key a valid key
   * @return the statistics
   */
  public ClientStats statsOf(String key) {
    long now = time.currentTimeMicros();
    KeyState s = states.get(key);
    if (s != null) {
      synchronized (s) {
        PlanSlot slot = s.slot;
        if (!s.dead && (slot == null || slot.limits == s.limits)) {
          return statsOf(s, now);
        }
      }
    }
    return statsOf(factory.apply(key), now); // a new state: the key's limits now, full
  }

  private ClientStats statsOf(KeyState s, long now) {
    Limits l = s.limits;
    long[] used = new long[l.size];
    long[] remaining = new long[l.size];
    long[] reset = new long[l.size];
    s.statsInto(now, used, remaining, reset);
    return l.stats(used, remaining, reset, degraded);
  }

  @Override
  public void reset(String key) {
    Keys.checkKey(key);
    ensureOpen();
    forget(key);
  }

  /**
   * Forgets a key without checking it.
   *
   * @param key a valid key
   */
  public void forget(String key) {
    KeyState s = states.get(key);
    if (s != null) {
      synchronized (s) {
        s.dead = true;
        states.remove(key, s);
      }
    }
  }

  /**
   * Forgets a key's state at once, also one being made by a concurrent first decision (the router calls
   * this after it moved the key to another plan, so that no state of the old plan outlives the move).
   *
   * @param key a valid key
   */
  void forgetMoved(String key) {
    KeyState[] removed = new KeyState[1];
    states.computeIfPresent( // waits for a state being made for the key, and takes it out
        key,
        (k, v) -> {
          removed[0] = v;
          return null;
        });
    KeyState s = removed[0];
    if (s != null) {
      synchronized (s) {
        s.dead = true;
      }
    }
  }

  /** Drops one entry so that a new key fits under maximumKeys (see the class notes). */
  private void makeRoom(long now) {
    sweepLock.lock();
    try {
      if (states.mappingCount() < maximumKeys) {
        return;
      }
      if (boundLogged.compareAndSet(false, true)) {
        LOG.warn(
            "'{}': {} keys held, the maximum (maximumKeys); from now on a new key replaces an idle one or"
                + " the least recently used of a sample, which starts again with its full limits",
            name,
            maximumKeys);
      }
      Iterator<KeyState> it = cursor;
      KeyState oldest = null;
      for (int i = 0; i < BOUND_SAMPLE; i++) {
        if (it == null || !it.hasNext()) {
          it = states.values().iterator();
          if (!it.hasNext()) {
            break;
          }
        }
        KeyState s = it.next();
        synchronized (s) {
          if (s.dead) {
            continue;
          }
          if (s.idle(now)) {
            s.dead = true;
            states.remove(s.key, s);
            oldest = null;
            break;
          }
        }
        if (oldest == null || s.touched < oldest.touched) {
          oldest = s;
        }
      }
      cursor = it;
      if (oldest != null) {
        synchronized (oldest) {
          if (!oldest.dead) {
            oldest.dead = true;
            states.remove(oldest.key, oldest);
            evicted.increment();
          }
        }
      }
    } finally {
      sweepLock.unlock();
    }
  }

  /**
   * Returns how many keys were evicted at the bound while not idle (for tests and metrics).
   *
   * @return the number of evictions
   */
  public long evictions() {
    return evicted.sum();
  }

  private void sweep(int budget, long now, boolean onInsert) {
    if (!sweepLock.tryLock()) {
      return;
    }
    try {
      Iterator<KeyState> it = cursor;
      if (!onInsert && hitSweepsSinceRestart < HIT_SWEEPS_PER_RESTART) {
        hitSweepsSinceRestart++;
      }
      boolean restarted = false;
      for (int i = 0; i < budget; i++) {
        if (it == null || !it.hasNext()) {
          if (!onInsert) {
            if (restarted || hitSweepsSinceRestart < HIT_SWEEPS_PER_RESTART) {
              break; // wrapped within this sweep, or not yet its turn to start over
            }
            hitSweepsSinceRestart = 0;
            restarted = true;
          }
          it = states.values().iterator();
          if (!it.hasNext()) {
            break;
          }
        }
        KeyState s = it.next();
        synchronized (s) {
          if (!s.dead && now - s.touched >= graceMicros && s.idle(now)) {
            s.dead = true;
            states.remove(s.key, s);
          }
        }
      }
      cursor = it;
    } finally {
      sweepLock.unlock();
    }
  }

  /**
   * Returns the number of keys held now (for tests and metrics).
   *
   * @return the number of keys in memory
   */
  public int size() {
    return states.size();
  }

  @Override
  public RateLimitPolicy policy() {
    return publicPolicy;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the rate limiter is closed");
    }
  }

  @Override
  public void close() {
    closed = true;
    states.clear();
  }

  @Override
  public String toString() {
    return "InMemoryRateLimiter[" + limits.policy + (degraded ? ", fallback" : "") + "]";
  }
}
