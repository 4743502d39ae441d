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
 * classes with scalar fields that compute the Decision directly, fewer loads and stores: each algorithm's
 * rule for one limit is written once, as static functions of the multi-limit class (FixedWindow.retry...),
 * which its evaluate() applies to every limit and the single-limit class to its one (the JIT inlines
 * them). Either way a decision on an existing key allocates nothing but the Decision (for
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
    // per-key scratch, per limit (the field initializers run once the constructor of KeyState set limits)
    final long[] used = new long[limits.size];
    final long[] remaining = new long[limits.size];
    final long[] reset = new long[limits.size];
    final long[] retry = new long[limits.size];

    Multi(String key, Limits limits) {
      super(key, limits);
    }

    /** Evaluates a request of n permits (n = 0: statistics only); records it if all allow and commit. */
    abstract boolean evaluate(long now, long n, boolean commit);

    /** Whether limit i is back to full at now. */
    abstract boolean idle(int i, long now);

    @Override
    final boolean idle(long now) {
      for (int i = 0; i < limits.size; i++) {
        if (!idle(i, now)) {
          return false;
        }
      }
      return true;
    }

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
   * A single limit: the algorithm's rule functions (the static functions of its multi-limit class) on
   * scalar fields. take() decides and records; the decision then reports the limit as statsInto() would
   * right after it (what the multi-limit evaluate() reports too): on a grant the state holds it, on a
   * denial the state is as it was.
   */
  /** A state of a single limit: its count and window as fields. */
  abstract static class One extends KeyState {
    final long c;
    final long w;

    One(String key, Limits limits) {
      super(key, limits);
      c = limits.counts[0];
      w = limits.windows[0];
    }

    /** Decides n permits at now and records them if allowed; returns the retry-after, 0 if allowed. */
    abstract long take(long now, long n);

    /** The permits the limit counts as used at now. */
    abstract long used(long now);

    /** The permits left at now. */
    long remaining(long now) {
      return Math.max(0, c - used(now));
    }

    /** How long from now until the limit is full again. */
    abstract long resetAfter(long now);

    @Override
    final Decision acquire(long now, long n, boolean degraded, boolean detail) {
      long retry = take(now, n);
      if (!detail) {
        return Decisions.verdict(retry == 0);
      }
      return Decisions.trusted(retry == 0, c, remaining(now), retry, resetAfter(now), w, degraded);
    }

    @Override
    final void statsInto(long now, long[] usedOut, long[] remainingOut, long[] resetOut) {
      usedOut[0] = used(now);
      remainingOut[0] = remaining(now);
      resetOut[0] = resetAfter(now);
    }
  }

  /*
   * A single limit counted in windows: the window last written, its start kept with its end so that a
   * request inside it needs no division; the subclass decides and reports in the window holding now.
   */
  /** A single-limit state counted in windows. */
  abstract static class Windowed1 extends One {
    long start = Long.MIN_VALUE;
    long end = Long.MIN_VALUE;
    /** The count of the window last written. */
    long count;

    Windowed1(String key, Limits limits) {
      super(key, limits);
    }

    /** take(), in the window from ws (holding now). */
    abstract long take(long now, long ws, long n);

    /** used(), in the window from ws (holding now). */
    abstract long used(long now, long ws);

    /** resetAfter(), in the window from ws (holding now). */
    abstract long resetAfter(long now, long ws);

    private long windowStart(long now) {
      return now >= start && now < end ? start : floorStart(now, w);
    }

    @Override
    final long take(long now, long n) {
      return take(now, windowStart(now), n);
    }

    @Override
    final long used(long now) {
      return used(now, windowStart(now));
    }

    @Override
    final long resetAfter(long now) {
      return resetAfter(now, windowStart(now));
    }

    /** Records a grant: the window from ws now holds cur (its count before) plus n. */
    final void written(long ws, long cur, long n) {
      start = ws;
      end = ws + w;
      count = cur + n;
    }
  }

  /** FIXED_WINDOW with a single limit. */
  static final class FixedWindow1 extends Windowed1 {
    FixedWindow1(String key, Limits limits) {
      super(key, limits);
    }

    @Override
    long take(long now, long ws, long n) {
      long cur = FixedWindow.current(start, count, ws);
      long retry = FixedWindow.retry(c, w, now, ws, cur, n);
      if (retry == 0) {
        written(ws, cur, n);
      }
      return retry;
    }

    @Override
    long used(long now, long ws) {
      return FixedWindow.current(start, count, ws);
    }

    @Override
    long resetAfter(long now, long ws) {
      return FixedWindow.reset(w, now, ws, used(now, ws));
    }

    @Override
    boolean idle(long now) {
      return FixedWindow.idle(w, now, start, count);
    }
  }

  /** SLIDING_WINDOW_COUNTER with a single limit: the current bucket (from start) and the previous one. */
  static final class SlidingCounter1 extends Windowed1 {
    /** The count of the window before the one last written. */
    private long prev;

    SlidingCounter1(String key, Limits limits) {
      super(key, limits);
    }

    @Override
    long take(long now, long ws, long n) {
      long cu = SlidingCounter.current(start, count, ws);
      long pv = SlidingCounter.previous(start, count, prev, ws, w);
      long retry = SlidingCounter.retry(c, w, now, ws, cu, pv, n);
      if (retry == 0) {
        written(ws, cu, n);
        prev = pv;
      }
      return retry;
    }

    @Override
    long used(long now, long ws) {
      long pv = SlidingCounter.previous(start, count, prev, ws, w);
      return SlidingCounter.estimate(w, now, ws, SlidingCounter.current(start, count, ws), pv);
    }

    @Override
    long resetAfter(long now, long ws) {
      long pv = SlidingCounter.previous(start, count, prev, ws, w);
      return SlidingCounter.reset(w, now, ws, SlidingCounter.current(start, count, ws), pv);
    }

    @Override
    boolean idle(long now) {
      return SlidingCounter.idle(w, now, start, count, prev);
    }
  }

  /** TOKEN_BUCKET (GCRA) with a single limit. */
  static final class TokenBucket1 extends One {
    private final long t;
    private final long b;
    private long tat;

    TokenBucket1(String key, Limits limits) {
      super(key, limits);
      t = limits.emission[0];
      b = limits.burst[0];
    }

    @Override
    long take(long now, long n) {
      long t0 = Math.max(tat, now);
      long retry = TokenBucket.retry(c, w, t, b, now, t0, n);
      if (retry == 0) {
        tat = t0 + n * t;
      }
      return retry;
    }

    @Override
    long used(long now) {
      return c - remaining(now);
    }

    @Override
    long remaining(long now) {
      return TokenBucket.remaining(c, t, b, resetAfter(now));
    }

    @Override
    long resetAfter(long now) {
      return Math.max(tat, now) - now;
    }

    @Override
    boolean idle(long now) {
      return tat <= now;
    }
  }

  /** A state counted in windows: per limit the start of the window last written and its count. */
  abstract static class Windowed extends Multi {
    final long[] start = new long[limits.size];
    final long[] count = new long[limits.size];

    Windowed(String key, Limits limits) {
      super(key, limits);
      java.util.Arrays.fill(start, Long.MIN_VALUE);
    }

    /** Records a grant in every limit: its window holding now holds used[i] (its count before) plus n. */
    final void written(long now, long n) {
      for (int i = 0; i < limits.size; i++) {
        used[i] += n;
        start[i] = floorStart(now, limits.windows[i]);
        count[i] = used[i];
      }
    }
  }

  /*
   * FIXED_WINDOW: per limit the start of the window last written and its count. The static functions are
   * the rule for one limit, which FixedWindow1 applies to its one limit and evaluate() to each.
   */
  /** FIXED_WINDOW: per limit the start of the window last written and its count. */
  static final class FixedWindow extends Windowed {
    FixedWindow(String key, Limits limits) {
      super(key, limits);
    }

    /** The count in the window from ws, given the window last written (start) and its count. */
    static long current(long start, long count, long ws) {
      return start == ws ? count : 0;
    }

    /** The retry-after of n permits on a limit (c per w) with cur used in the window from ws; 0: allowed. */
    static long retry(long c, long w, long now, long ws, long cur, long n) {
      return n > c ? w : cur + n > c ? ws + w - now : 0;
    }

    /** How long until a limit with cur used in the window from ws is full again. */
    static long reset(long w, long now, long ws, long cur) {
      return cur > 0 ? ws + w - now : 0;
    }

    static boolean idle(long w, long now, long start, long count) {
      return count <= 0 || start + w <= now;
    }

    @Override
    boolean evaluate(long now, long n, boolean commit) {
      boolean ok = true;
      int size = limits.size;
      for (int i = 0; i < size; i++) {
        long ws = floorStart(now, limits.windows[i]);
        used[i] = current(start[i], count[i], ws);
        retry[i] = retry(limits.counts[i], limits.windows[i], now, ws, used[i], n);
        ok &= retry[i] == 0;
      }
      if (ok && commit && n > 0) {
        written(now, n);
      }
      for (int i = 0; i < size; i++) {
        remaining[i] = Math.max(0, limits.counts[i] - used[i]);
        reset[i] = reset(limits.windows[i], now, floorStart(now, limits.windows[i]), used[i]);
      }
      return ok;
    }

    @Override
    boolean idle(int i, long now) {
      return idle(limits.windows[i], now, start[i], count[i]);
    }
  }

  /*
   * SLIDING_WINDOW_COUNTER: per limit the start of the current bucket, its count and the previous one's.
   * The static functions are the rule for one limit (SlidingCounter1 applies them to its one limit).
   */
  /** SLIDING_WINDOW_COUNTER: per limit the start of the current bucket, its count and the previous one's. */
  static final class SlidingCounter extends Windowed {
    /** Per limit the count of the window before the one last written. */
    private final long[] prev = new long[limits.size];

    SlidingCounter(String key, Limits limits) {
      super(key, limits);
    }

    /** The count of the bucket from ws, given the bucket last written (start) and its count. */
    static long current(long start, long curr, long ws) {
      return start == ws ? curr : 0;
    }

    /** The count of the bucket before the one from ws, given the bucket last written and the two counts. */
    static long previous(long start, long curr, long prev, long ws, long w) {
      return start == ws ? prev : start == ws - w ? curr : 0;
    }

    /** The retry-after of n permits on a limit (c per w), buckets cu (from ws) and pv before; 0: allowed. */
    static long retry(long c, long w, long now, long ws, long cu, long pv, long n) {
      long r = w - (now - ws);
      long m = c - cu - n;
      if (n > c) {
        return w;
      } else if (m < 0) {
        long k = (c - n) * w / cu;
        return ws + w + Math.max(0, w - k) - now;
      } else if (pv * r > m * w) {
        long k = m * w / pv;
        return ws + w - k - now;
      }
      return 0;
    }

    /** The weighted count of the sliding window ending at now. */
    static long estimate(long w, long now, long ws, long cu, long pv) {
      return cu + ceilDiv(pv * (w - (now - ws)), w);
    }

    static long reset(long w, long now, long ws, long cu, long pv) {
      return cu > 0 ? ws + 2 * w - now : pv > 0 ? ws + w - now : 0;
    }

    static boolean idle(long w, long now, long start, long curr, long prev) {
      return (curr <= 0 && prev <= 0) || start + 2 * w <= now;
    }

    @Override
    boolean evaluate(long now, long n, boolean commit) {
      boolean ok = true;
      int size = limits.size;
      for (int i = 0; i < size; i++) {
        long w = limits.windows[i];
        long ws = floorStart(now, w);
        used[i] = current(start[i], count[i], ws);
        reset[i] = previous(start[i], count[i], prev[i], ws, w); // scratch: the previous count
        retry[i] = retry(limits.counts[i], w, now, ws, used[i], reset[i], n);
        ok &= retry[i] == 0;
      }
      if (ok && commit && n > 0) {
        written(now, n);
        System.arraycopy(reset, 0, prev, 0, size);
      }
      for (int i = 0; i < size; i++) {
        long w = limits.windows[i];
        long ws = floorStart(now, w);
        long cu = used[i];
        long pv = reset[i];
        used[i] = estimate(w, now, ws, cu, pv);
        remaining[i] = Math.max(0, limits.counts[i] - used[i]);
        reset[i] = reset(w, now, ws, cu, pv);
      }
      return ok;
    }

    @Override
    boolean idle(int i, long now) {
      return idle(limits.windows[i], now, start[i], count[i], prev[i]);
    }
  }

  /*
   * TOKEN_BUCKET (GCRA): per limit the theoretical arrival time (TAT). The static functions are the rule
   * for one limit (TokenBucket1 applies them to its one limit).
   */
  /** TOKEN_BUCKET (GCRA): per limit the theoretical arrival time. */
  static final class TokenBucket extends Multi {
    private final long[] tat = new long[limits.size];

    TokenBucket(String key, Limits limits) {
      super(key, limits);
    }

    /**
     * The retry-after of n permits on a limit (c per w, emission t, burst b) whose TAT is t0 (at least
     * now); 0: allowed, and the TAT becomes t0 + n * t.
     */
    static long retry(long c, long w, long t, long b, long now, long t0, long n) {
      long next = t0 + n * t;
      return n > c ? w : next - now > b ? next - b - now : 0;
    }

    /** The permits left on a limit whose TAT is diff after now. */
    static long remaining(long c, long t, long b, long diff) {
      return b - diff < 0 ? 0 : Math.min(c, (b - diff) / t);
    }

    @Override
    boolean evaluate(long now, long n, boolean commit) {
      boolean ok = true;
      int size = limits.size;
      for (int i = 0; i < size; i++) {
        used[i] = Math.max(tat[i], now); // scratch: the current TAT
        long c = limits.counts[i];
        retry[i] = retry(c, limits.windows[i], limits.emission[i], limits.burst[i], now, used[i], n);
        ok &= retry[i] == 0;
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
        remaining[i] = remaining(c, limits.emission[i], limits.burst[i], diff);
        used[i] = c - remaining[i];
        reset[i] = diff;
      }
      return ok;
    }

    @Override
    boolean idle(int i, long now) {
      return tat[i] <= now;
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
    boolean idle(int i, long now) {
      return count == 0 || at(count - 1) + limits.windows[i] <= now;
    }
  }
}
