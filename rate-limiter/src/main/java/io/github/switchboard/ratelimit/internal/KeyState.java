package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.Decision;

/*
 * The in-memory state of one client key, one subclass per algorithm. Every method runs under the state's
 * own monitor (the per-key lock); nothing here is shared between keys.
 *
 * acquire(now, n, degraded, detail) decides a request of n >= 1 permits, records it if every limit allows, and
 * returns the Decision; statsInto(now, used, remaining, reset) reports every limit without writing.
 *
 * Multi-limit states (Multi) run evaluate(now, n, commit), which checks every limit and, only if all allow
 * (and commit is set), records the grant in every limit; it fills per-key scratch arrays (used, remaining,
 * reset, retry) that Limits.decide turns into a Decision. The arrays are allocated once per key.
 * Single-limit FIXED_WINDOW, SLIDING_WINDOW_COUNTER and TOKEN_BUCKET (the common case) have their own
 * classes with scalar fields that compute the Decision directly: the same arithmetic, fewer loads and
 * stores. Either way a decision on an existing key allocates nothing but the Decision (for
 * SLIDING_WINDOW_LOG, once its log has grown, by doubling, to its bound).
 *
 * The arithmetic mirrors the Lua scripts line by line (see the README for the definitions); both use
 * integer microseconds. A request for more permits than a limit's count (possible only in a LOCAL fallback
 * whose counts were divided) is denied by that limit with a retry-after of its window.
 *
 * Bookkeeping for eviction (InMemoryRateLimiter): touched is the clock reading of the last decision, hits
 * counts decisions to pace the sweep without a random number per call.
 */
abstract class KeyState {
  final String key;
  final Limits limits;
  /** Set, under the monitor, when the state is evicted or reset; a caller holding it must look again. */
  boolean dead;
  /** The clock reading of the last decision on this key. */
  long touched;
  /** Decisions on this key (wraps); paces the sweep. */
  int hits;
  /** With plans: the slot of the plan whose limits this state was made with (else null); set once. */
  @org.jspecify.annotations.Nullable PlanSlot slot;

  KeyState(String key, Limits limits) {
    this.key = key;
    this.limits = limits;
  }

  static KeyState create(String key, Limits limits) {
    Algorithm a = limits.policy.algorithm();
    boolean one = limits.size == 1;
    return switch (a) {
      case FIXED_WINDOW -> one ? new FixedWindow1(key, limits) : new FixedWindow(key, limits);
      case SLIDING_WINDOW_COUNTER -> one ? new SlidingCounter1(key, limits) : new SlidingCounter(key, limits);
      case TOKEN_BUCKET -> one ? new TokenBucket1(key, limits) : new TokenBucket(key, limits);
      case SLIDING_WINDOW_LOG -> new SlidingLog(key, limits);
    };
  }

  /** Decides a request of n >= 1 permits at now; records it if every limit allows. */
  abstract Decision acquire(long now, long n, boolean degraded, boolean detail);

  /** Reports every limit at now without writing: used, remaining and reset-after per limit. */
  abstract void statsInto(long now, long[] usedOut, long[] remainingOut, long[] resetOut);

  /** Whether every limit is back to full: the state holds nothing a new one would not. */
  abstract boolean idle(long now);

  static long floorStart(long now, long window) {
    return now - Math.floorMod(now, window);
  }

  static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  /** The general, array-based state of a policy with any number of limits. */
  abstract static class Multi extends KeyState {
    final long[] used;
    final long[] remaining;
    final long[] reset;
    final long[] retry;

    Multi(String key, Limits limits) {
      super(key, limits);
      used = new long[limits.size];
      remaining = new long[limits.size];
      reset = new long[limits.size];
      retry = new long[limits.size];
    }

    /** Evaluates a request of n permits (n = 0: statistics only); records it if all allow and commit. */
    abstract boolean evaluate(long now, long n, boolean commit);

    @Override
    final Decision acquire(long now, long n, boolean degraded, boolean detail) {
      boolean ok = evaluate(now, n, true);
      if (!detail) {
        return Decisions.verdict(ok);
      }
      return limits.decide(ok, remaining, reset, retry, degraded);
    }

    @Override
    final void statsInto(long now, long[] usedOut, long[] remainingOut, long[] resetOut) {
      evaluate(now, 0, false);
      System.arraycopy(used, 0, usedOut, 0, limits.size);
      System.arraycopy(remaining, 0, remainingOut, 0, limits.size);
      System.arraycopy(reset, 0, resetOut, 0, limits.size);
    }
  }

  /*
   * FIXED_WINDOW, one limit: evaluate() of FixedWindow with size 1, the window start kept with its end so
   * that a request inside the current window needs no division.
   */
  /** FIXED_WINDOW with a single limit. */
  static final class FixedWindow1 extends KeyState {
    private final long c;
    private final long w;
    private long start = Long.MIN_VALUE;
    private long end = Long.MIN_VALUE;
    private long count;

    FixedWindow1(String key, Limits limits) {
      super(key, limits);
      c = limits.counts[0];
      w = limits.windows[0];
    }

    private long windowStart(long now) {
      return now >= start && now < end ? start : floorStart(now, w);
    }

    @Override
    Decision acquire(long now, long n, boolean degraded, boolean detail) {
      long ws = windowStart(now);
      long cur = start == ws ? count : 0;
      long retry;
      if (n > c) {
        retry = w;
      } else if (cur + n > c) {
        retry = ws + w - now;
      } else {
        retry = 0;
        cur += n;
        start = ws;
        end = ws + w;
        count = cur;
      }
      long remaining = Math.max(0, c - cur);
      long reset = cur > 0 ? ws + w - now : 0;
      if (!detail) {
        return Decisions.verdict(retry == 0);
      }
      return Decisions.trusted(retry == 0, c, remaining, retry, reset, w, degraded);
    }

    @Override
    void statsInto(long now, long[] usedOut, long[] remainingOut, long[] resetOut) {
      long ws = windowStart(now);
      long cur = start == ws ? count : 0;
      usedOut[0] = cur;
      remainingOut[0] = Math.max(0, c - cur);
      resetOut[0] = cur > 0 ? ws + w - now : 0;
    }

    @Override
    boolean idle(long now) {
      return count <= 0 || start + w <= now;
    }
  }

  /** SLIDING_WINDOW_COUNTER with a single limit: evaluate() of SlidingCounter with size 1. */
  static final class SlidingCounter1 extends KeyState {
    private final long c;
    private final long w;
    private long start = Long.MIN_VALUE;
    private long curr;
    private long prev;

    SlidingCounter1(String key, Limits limits) {
      super(key, limits);
      c = limits.counts[0];
      w = limits.windows[0];
    }

    @Override
    Decision acquire(long now, long n, boolean degraded, boolean detail) {
      long ws = now >= start && now < start + w ? start : floorStart(now, w);
      long r = w - (now - ws);
      long cu;
      long pv;
      if (start == ws) {
        cu = curr;
        pv = prev;
      } else if (start == ws - w) {
        cu = 0;
        pv = curr;
      } else {
        cu = 0;
        pv = 0;
      }
      long m = c - cu - n;
      long retry;
      if (n > c) {
        retry = w;
      } else if (m < 0) {
        long k = (c - n) * w / cu;
        retry = ws + w + Math.max(0, w - k) - now;
      } else if (pv * r > m * w) {
        long k = m * w / pv;
        retry = ws + w - k - now;
      } else {
        retry = 0;
        cu += n;
        start = ws;
        curr = cu;
        prev = pv;
      }
      long estimate = cu + ceilDiv(pv * r, w);
      long remaining = Math.max(0, c - estimate);
      long reset = cu > 0 ? ws + 2 * w - now : pv > 0 ? ws + w - now : 0;
      if (!detail) {
        return Decisions.verdict(retry == 0);
      }
      return Decisions.trusted(retry == 0, c, remaining, retry, reset, w, degraded);
    }

    @Override
    void statsInto(long now, long[] usedOut, long[] remainingOut, long[] resetOut) {
      long ws = floorStart(now, w);
      long r = w - (now - ws);
      long cu;
      long pv;
      if (start == ws) {
        cu = curr;
        pv = prev;
      } else if (start == ws - w) {
        cu = 0;
        pv = curr;
      } else {
        cu = 0;
        pv = 0;
      }
      long estimate = cu + ceilDiv(pv * r, w);
      usedOut[0] = estimate;
      remainingOut[0] = Math.max(0, c - estimate);
      resetOut[0] = cu > 0 ? ws + 2 * w - now : pv > 0 ? ws + w - now : 0;
    }

    @Override
    boolean idle(long now) {
      return (curr <= 0 && prev <= 0) || start + 2 * w <= now;
    }
  }

  /** TOKEN_BUCKET (GCRA) with a single limit: evaluate() of TokenBucket with size 1. */
  static final class TokenBucket1 extends KeyState {
    private final long c;
    private final long w;
    private final long t;
    private final long b;
    private long tat;

    TokenBucket1(String key, Limits limits) {
      super(key, limits);
      c = limits.counts[0];
      w = limits.windows[0];
      t = limits.emission[0];
      b = limits.burst[0];
    }

    @Override
    Decision acquire(long now, long n, boolean degraded, boolean detail) {
      long t0 = Math.max(tat, now);
      long next = t0 + n * t;
      long retry;
      long cur;
      if (n > c) {
        retry = w;
        cur = t0;
      } else if (next - now > b) {
        retry = next - b - now;
        cur = t0;
      } else {
        retry = 0;
        tat = next;
        cur = next;
      }
      long diff = cur - now;
      long remaining = b - diff < 0 ? 0 : Math.min(c, (b - diff) / t);
      if (!detail) {
        return Decisions.verdict(retry == 0);
      }
      return Decisions.trusted(retry == 0, c, remaining, retry, diff, w, degraded);
    }

    @Override
    void statsInto(long now, long[] usedOut, long[] remainingOut, long[] resetOut) {
      long diff = Math.max(tat, now) - now;
      long rem = b - diff < 0 ? 0 : Math.min(c, (b - diff) / t);
      usedOut[0] = c - rem;
      remainingOut[0] = rem;
      resetOut[0] = diff;
    }

    @Override
    boolean idle(long now) {
      return tat <= now;
    }
  }

  /** FIXED_WINDOW: per limit the start of the window last written and its count. */
  static final class FixedWindow extends Multi {
    private final long[] start;
    private final long[] count;

    FixedWindow(String key, Limits limits) {
      super(key, limits);
      start = new long[limits.size];
      count = new long[limits.size];
      java.util.Arrays.fill(start, Long.MIN_VALUE);
    }

    @Override
    boolean evaluate(long now, long n, boolean commit) {
      boolean ok = true;
      int size = limits.size;
      for (int i = 0; i < size; i++) {
        long c = limits.counts[i];
        long w = limits.windows[i];
        long ws = floorStart(now, w);
        long cur = start[i] == ws ? count[i] : 0;
        used[i] = cur;
        if (n > c) {
          ok = false;
          retry[i] = w;
        } else if (cur + n > c) {
          ok = false;
          retry[i] = ws + w - now;
        } else {
          retry[i] = 0;
        }
      }
      if (ok && commit && n > 0) {
        for (int i = 0; i < size; i++) {
          long ws = floorStart(now, limits.windows[i]);
          used[i] += n;
          start[i] = ws;
          count[i] = used[i];
        }
      }
      for (int i = 0; i < size; i++) {
        long ws = floorStart(now, limits.windows[i]);
        remaining[i] = Math.max(0, limits.counts[i] - used[i]);
        reset[i] = used[i] > 0 ? ws + limits.windows[i] - now : 0;
      }
      return ok;
    }

    @Override
    boolean idle(long now) {
      for (int i = 0; i < limits.size; i++) {
        if (count[i] > 0 && start[i] + limits.windows[i] > now) {
          return false;
        }
      }
      return true;
    }
  }

  /** SLIDING_WINDOW_COUNTER: per limit the start of the current bucket, its count and the previous one's. */
  static final class SlidingCounter extends Multi {
    private final long[] start;
    private final long[] curr;
    private final long[] prev;

    SlidingCounter(String key, Limits limits) {
      super(key, limits);
      start = new long[limits.size];
      curr = new long[limits.size];
      prev = new long[limits.size];
      java.util.Arrays.fill(start, Long.MIN_VALUE);
    }

    @Override
    boolean evaluate(long now, long n, boolean commit) {
      boolean ok = true;
      int size = limits.size;
      for (int i = 0; i < size; i++) {
        long c = limits.counts[i];
        long w = limits.windows[i];
        long ws = floorStart(now, w);
        long r = w - (now - ws);
        long cu;
        long pv;
        if (start[i] == ws) {
          cu = curr[i];
          pv = prev[i];
        } else if (start[i] == ws - w) {
          cu = 0;
          pv = curr[i];
        } else {
          cu = 0;
          pv = 0;
        }
        long m = c - cu - n;
        if (n > c) {
          ok = false;
          retry[i] = w;
        } else if (m < 0) {
          ok = false;
          long k = (c - n) * w / cu;
          retry[i] = ws + w + Math.max(0, w - k) - now;
        } else if (pv * r > m * w) {
          ok = false;
          long k = m * w / pv;
          retry[i] = ws + w - k - now;
        } else {
          retry[i] = 0;
        }
        used[i] = cu;
        reset[i] = pv; // scratch: the previous count, replaced below
      }
      if (ok && commit && n > 0) {
        for (int i = 0; i < size; i++) {
          used[i] += n;
          start[i] = floorStart(now, limits.windows[i]);
          curr[i] = used[i];
          prev[i] = reset[i];
        }
      }
      for (int i = 0; i < size; i++) {
        long w = limits.windows[i];
        long ws = floorStart(now, w);
        long r = w - (now - ws);
        long cu = used[i];
        long pv = reset[i];
        long estimate = cu + ceilDiv(pv * r, w);
        used[i] = estimate;
        remaining[i] = Math.max(0, limits.counts[i] - estimate);
        reset[i] = cu > 0 ? ws + 2 * w - now : pv > 0 ? ws + w - now : 0;
      }
      return ok;
    }

    @Override
    boolean idle(long now) {
      for (int i = 0; i < limits.size; i++) {
        if ((curr[i] > 0 || prev[i] > 0) && start[i] + 2 * limits.windows[i] > now) {
          return false;
        }
      }
      return true;
    }
  }

  /** TOKEN_BUCKET (GCRA): per limit the theoretical arrival time. */
  static final class TokenBucket extends Multi {
    private final long[] tat;

    TokenBucket(String key, Limits limits) {
      super(key, limits);
      tat = new long[limits.size];
    }

    @Override
    boolean evaluate(long now, long n, boolean commit) {
      boolean ok = true;
      int size = limits.size;
      for (int i = 0; i < size; i++) {
        long t = limits.emission[i];
        long b = limits.burst[i];
        long t0 = Math.max(tat[i], now);
        long next = t0 + n * t;
        used[i] = t0; // scratch: the current TAT
        if (n > limits.counts[i]) {
          ok = false;
          retry[i] = limits.windows[i];
        } else if (next - now > b) {
          ok = false;
          retry[i] = next - b - now;
        } else {
          retry[i] = 0;
        }
      }
      if (ok && commit && n > 0) {
        for (int i = 0; i < size; i++) {
          used[i] += n * limits.emission[i];
          tat[i] = used[i];
        }
      }
      for (int i = 0; i < size; i++) {
        long c = limits.counts[i];
        long diff = used[i] - now;
        long rem = limits.burst[i] - diff < 0 ? 0 : Math.min(c, (limits.burst[i] - diff) / limits.emission[i]);
        remaining[i] = rem;
        used[i] = c - rem;
        reset[i] = diff;
      }
      return ok;
    }

    @Override
    boolean idle(long now) {
      for (int i = 0; i < limits.size; i++) {
        if (tat[i] > now) {
          return false;
        }
      }
      return true;
    }
  }

  /*
   * SLIDING_WINDOW_LOG: one log of grant times for all limits (a grant of n permits is n entries), in a
   * ring buffer kept in time order, trimmed to the longest window. Its size never exceeds the count of the
   * longest-window limit; it starts small and doubles. Times are per key monotonic: a clock reading older
   * than the newest entry is taken as the newest entry's time (Redis, which sorts by score, needs no such
   * rule; the two agree whenever the clock is monotonic).
   */
  static final class SlidingLog extends Multi {
    private long[] ring;
    private int head;
    private int count;

    SlidingLog(String key, Limits limits) {
      super(key, limits);
      ring = new long[(int) Math.min(8, limits.countOfMaxWindow)];
    }

    private long at(int logical) {
      int idx = head + logical;
      if (idx >= ring.length) {
        idx -= ring.length;
      }
      return ring[idx];
    }

    /** The logical index of the first entry strictly after the bound (count if none). */
    private int firstAfter(long bound) {
      int lo = 0;
      int hi = count;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (at(mid) > bound) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      return lo;
    }

    @Override
    boolean evaluate(long now, long n, boolean commit) {
      if (count > 0) {
        now = Math.max(now, at(count - 1));
      }
      boolean ok = true;
      int size = limits.size;
      for (int i = 0; i < size; i++) {
        long c = limits.counts[i];
        long w = limits.windows[i];
        int first = firstAfter(now - w);
        int u = count - first;
        used[i] = u;
        if (n > c) {
          ok = false;
          retry[i] = w;
        } else if (u + n > c) {
          ok = false;
          long k = u + n - c;
          retry[i] = at(first + (int) k - 1) + w - now;
        } else {
          retry[i] = 0;
        }
      }
      if (ok && commit && n > 0) {
        int drop = firstAfter(now - limits.maxWindow);
        head = (head + drop) % ring.length;
        count -= drop;
        ensureCapacity(count + n);
        for (long j = 0; j < n; j++) {
          int idx = head + count;
          if (idx >= ring.length) {
            idx -= ring.length;
          }
          ring[idx] = now;
          count++;
        }
        for (int i = 0; i < size; i++) {
          used[i] += n;
        }
      }
      long newest = count > 0 ? at(count - 1) : 0;
      for (int i = 0; i < size; i++) {
        remaining[i] = Math.max(0, limits.counts[i] - used[i]);
        reset[i] = used[i] > 0 ? newest + limits.windows[i] - now : 0;
      }
      return ok;
    }

    private void ensureCapacity(long needed) {
      if (needed <= ring.length) {
        return;
      }
      long cap = ring.length;
      while (cap < needed) {
        cap *= 2;
      }
      cap = Math.max(needed, Math.min(cap, limits.countOfMaxWindow));
      long[] next = new long[Math.toIntExact(cap)];
      for (int i = 0; i < count; i++) {
        next[i] = at(i);
      }
      ring = next;
      head = 0;
    }

    @Override
    boolean idle(long now) {
      return count == 0 || at(count - 1) + limits.maxWindow <= now;
    }
  }
}
