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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/*
 * Concurrency: a ConcurrentHashMap from key to KeyState; each decision takes only its key's monitor, so
 * keys never contend with each other and there is no global lock. The check of all limits and the record
 * in all limits happen under that one monitor, so a multi-limit decision is atomic.
 *
 * Eviction (bounded memory without a stop-the-world sweep): a cursor walks the map's values round-robin.
 * Every insertion of a new key advances it by 3 entries, and about one decision in 64 on an existing key
 * by 4; an entry whose limits are all back to full (KeyState.idle) is removed. So stale entries are
 * found after at most about size/3 insertions: the map cannot outgrow the live keys by more than a
 * constant factor, and the work is spread over the calls. The cursor is guarded by a tryLock: a thread
 * that finds another sweeping just skips its turn.
 *
 * Eviction and reset race safely with decisions: the remover marks the state dead under its monitor
 * before removing it; a decision that finds a dead state looks the key up again.
 */
/** The in-memory rate limiter; also the LOCAL fallback of the Redis limiter. */
public final class InMemoryRateLimiter implements RateLimiter {
  private static final int SWEEP_ON_INSERT = 3;
  private static final int SWEEP_ON_HIT = 4;
  private static final int SWEEP_HIT_MASK = 63;

  private final RateLimitPolicy publicPolicy;
  private final Limits limits;
  private final TimeSource time;
  private final boolean degraded;
  private final long maxPermits;
  private final ConcurrentHashMap<String, KeyState> states = new ConcurrentHashMap<>();
  private final Function<String, KeyState> factory;
  private final ReentrantLock sweepLock = new ReentrantLock();
  private @Nullable Iterator<KeyState> cursor; // guarded by sweepLock
  private volatile boolean closed;

  /**
   * Creates an in-memory limiter.
   *
   * @param policy the policy it enforces and reports
   * @param time the clock
   */
  public InMemoryRateLimiter(RateLimitPolicy policy, TimeSource time) {
    this(policy, policy, time, false);
  }

  /**
   * Creates an in-memory limiter that enforces one policy while checking permits against (and reporting)
   * another: the LOCAL fallback enforces the divided policy but accepts what the full policy accepts.
   *
   * @param publicPolicy the policy callers see (permits are checked against it)
   * @param enforced the policy enforced (for example the public one divided by the instance count)
   * @param time the clock
   * @param degraded whether its decisions are marked degraded
   */
  public InMemoryRateLimiter(
      RateLimitPolicy publicPolicy, RateLimitPolicy enforced, TimeSource time, boolean degraded) {
    this.publicPolicy = Objects.requireNonNull(publicPolicy, "publicPolicy");
    this.limits = new Limits(Objects.requireNonNull(enforced, "enforced"));
    this.time = Objects.requireNonNull(time, "time");
    this.degraded = degraded;
    this.maxPermits = publicPolicy.smallestCount();
    final Limits l = limits;
    this.factory = k -> KeyState.create(k, l);
  }

  @Override
  public Decision tryAcquire(String key, long permits) {
    Keys.checkKey(key);
    Keys.checkPermits(permits, maxPermits);
    ensureOpen();
    return acquire(key, permits);
  }

  /**
   * Decides without checking the arguments (they were checked by the caller).
   *
   * @param key a valid key
   * @param permits at least 1
   * @return the decision
   */
  public Decision acquire(String key, long permits) {
    long now = time.currentTimeMicros();
    KeyState s = states.get(key);
    boolean inserted = false;
    if (s == null) {
      s = states.computeIfAbsent(key, factory);
      inserted = true;
    }
    Decision d;
    while (true) {
      synchronized (s) {
        if (!s.dead) {
          boolean ok = s.evaluate(now, permits, true);
          d = limits.decide(ok, s.remaining, s.reset, s.retry, degraded);
          break;
        }
      }
      s = states.computeIfAbsent(key, factory);
    }
    if (inserted) {
      sweep(SWEEP_ON_INSERT, now);
    } else if ((ThreadLocalRandom.current().nextInt() & SWEEP_HIT_MASK) == 0) {
      sweep(SWEEP_ON_HIT, now);
    }
    return d;
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
        if (!s.dead) {
          s.evaluate(now, 0, false);
          return limits.stats(s.used, s.remaining, s.reset, degraded);
        }
      }
    }
    KeyState empty = KeyState.create(key, limits);
    empty.evaluate(now, 0, false);
    return limits.stats(empty.used, empty.remaining, empty.reset, degraded);
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

  private void sweep(int budget, long now) {
    if (!sweepLock.tryLock()) {
      return;
    }
    try {
      Iterator<KeyState> it = cursor;
      for (int i = 0; i < budget; i++) {
        if (it == null || !it.hasNext()) {
          it = states.values().iterator();
          if (!it.hasNext()) {
            break;
          }
        }
        KeyState s = it.next();
        synchronized (s) {
          if (!s.dead && s.idle(now)) {
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
