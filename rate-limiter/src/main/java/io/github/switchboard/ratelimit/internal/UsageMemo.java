package io.github.switchboard.ratelimit.internal;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The usage Redis last reported for a client, kept so that a LOCAL fallback starts from it (FallbackCarry
 * seeds the fallback with its instance's share) instead of from nothing: without it, each fallback grants
 * its whole share again right after Redis goes, on top of what Redis had just granted.
 *
 * Only a client at or above a tenth of its most restrictive limit is kept (FallbackCarry.worthKeeping): one
 * below it can get at most that tenth again from the fallbacks, and most clients of a busy limiter are far
 * below it, so the map stays small and their decisions cost nothing here. A kept client's later decisions
 * update its entry in place (two volatile writes, no allocation).
 *
 * Bounded: at most `bound` entries. Each insertion looks at two entries from a round-robin cursor and drops
 * those whose usage has left every window (until <= now); an insertion at the bound samples up to eight and
 * drops the first expired one, else the one that expires soonest (the least left to protect). The first
 * time the bound is reached is logged at WARN, once.
 */
/** The usage Redis last reported per client, for seeding the LOCAL fallback. */
final class UsageMemo {
  private static final Logger LOG = LoggerFactory.getLogger(UsageMemo.class);
  private static final int SWEEP = 2;
  private static final int SAMPLE = 8;

  /** One client's last reported usage. The two fields are written together; a reader may see a mix. */
  static final class Usage {
    /** The permits used, the smallest over the policy's limits. */
    volatile long permits;
    /** When that usage has left every window, client clock, microseconds. */
    volatile long until;
  }

  private final ConcurrentHashMap<String, Usage> map = new ConcurrentHashMap<>();
  private final int bound;
  private final String name;
  private final ReentrantLock sweepLock = new ReentrantLock();
  private @Nullable Iterator<Map.Entry<String, Usage>> cursor; // guarded by sweepLock
  private final AtomicBoolean boundLogged = new AtomicBoolean();

  UsageMemo(int bound, String name) {
    this.bound = bound;
    this.name = name;
  }

  /** Records a client's usage (permits > 0) valid until the given time. */
  void record(String key, long permits, long until, long now) {
    Usage u = map.get(key);
    if (u == null) {
      if (map.size() >= bound) {
        makeRoom(now);
      }
      sweep(now);
      u = map.computeIfAbsent(key, k -> new Usage());
    }
    u.permits = permits;
    u.until = until;
  }

  /** Whether the client has an entry (a quick test before {@link #take}). */
  boolean has(String key) {
    return map.containsKey(key);
  }

  /** Removes and returns the client's entry. */
  @Nullable Usage take(String key) {
    return map.remove(key);
  }

  /** Forgets the client. */
  void forget(String key) {
    map.remove(key);
  }

  int size() {
    return map.size();
  }

  private void sweep(long now) {
    if (!sweepLock.tryLock()) {
      return;
    }
    try {
      for (int i = 0; i < SWEEP; i++) {
        Map.Entry<String, Usage> e = next();
        if (e == null) {
          break;
        }
        if (e.getValue().until <= now) {
          map.remove(e.getKey(), e.getValue());
        }
      }
    } finally {
      sweepLock.unlock();
    }
  }

  /** The cursor's next entry, starting over at the end; null if the map is empty. */
  private Map.@Nullable Entry<String, Usage> next() {
    Iterator<Map.Entry<String, Usage>> it = cursor;
    if (it == null || !it.hasNext()) {
      it = map.entrySet().iterator();
      cursor = it;
    }
    return it.hasNext() ? it.next() : null;
  }

  private void makeRoom(long now) {
    sweepLock.lock();
    try {
      if (map.size() < bound) {
        return;
      }
      if (boundLogged.compareAndSet(false, true)) {
        LOG.warn(
            "'{}': the usage of {} clients is remembered for the LOCAL fallback, the most it keeps; a new"
                + " one replaces the one whose usage expires soonest",
            name,
            bound);
      }
      String soonest = null;
      long soonestUntil = Long.MAX_VALUE;
      for (int i = 0; i < SAMPLE; i++) {
        Map.Entry<String, Usage> e = next();
        if (e == null) {
          break;
        }
        Usage u = e.getValue();
        String k = e.getKey();
        if (u.until <= now) {
          map.remove(k, u);
          return;
        }
        if (u.until < soonestUntil) {
          soonest = k;
          soonestUntil = u.until;
        }
      }
      if (soonest != null) {
        map.remove(soonest);
      }
    } finally {
      sweepLock.unlock();
    }
  }
}
