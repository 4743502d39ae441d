package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.core.TimeSource;
import io.github.switchboard.ratelimit.Decision;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/*
 * The local deny cache: once Redis denies a client a one-permit request, this instance answers that
 * client's one-permit requests itself until the retry-after has passed.
 *
 * Why it never allows what Redis would deny: it only ever denies. Why it never denies what Redis would
 * allow: a request denied with retry-after R is denied by Redis until its own clock reaches now_R + R,
 * whatever else happens (other instances only add to the state; a denial writes nothing). The entry
 * expires at sent + R, where sent is this instance's clock read before the script was sent, so at or
 * before Redis's instant (Redis read its clock later). Only a reset made by another instance is not seen:
 * this instance keeps denying the client until the retry-after it was given (documented on the builder).
 *
 * Why one permit only: the answer must be the decision Redis would give, field for field. For one
 * permit it is: the reported limit is the one with the longest retry-after, its remaining is 0 until
 * then, and retryAfter and resetAfter count down to fixed instants while nothing is granted (checked
 * against Redis by RedisLocalDenyCacheTest and by the conformance and equivalence suites, which run with
 * the cache on). For n > 1 permits neither holds (the remaining of a partly used limit grows as grants
 * age; a larger request may be denied longer by another limit), so those requests always go to Redis.
 *
 * Bounded: at most maxEntries entries. An entry is removed when a lookup finds it expired, by reset, and
 * by a sweep of expired entries that an insertion into a full cache runs (at most one at a time); if the
 * cache is still full after it, the denial is not cached (Redis keeps answering that client).
 */
/** Answers the requests of clients that Redis has just denied, without Redis. */
final class DenyCache {
  private static final class Entry {
    final long sentMicros;
    final long untilMicros;
    final long resetUntilMicros;
    final long limit;
    final long remaining;
    final long windowMicros;
    final AtomicLong hits;

    Entry(long sentMicros, Decision d, AtomicLong hits) {
      this.sentMicros = sentMicros;
      this.untilMicros = sentMicros + d.retryAfterMicros();
      this.resetUntilMicros = sentMicros + Math.max(d.resetAfterMicros(), d.retryAfterMicros());
      this.limit = d.limit();
      this.remaining = d.remaining();
      this.windowMicros = d.windowMicros();
      this.hits = hits;
    }
  }

  private final TimeSource time;
  private final int maxEntries;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final ReentrantLock sweepLock = new ReentrantLock();
  private final LongAdder answered = new LongAdder();

  DenyCache(TimeSource time, int maxEntries) {
    this.time = time;
    this.maxEntries = maxEntries;
  }

  /** Reads the clock before a request is sent: the instant an entry's retry-after counts from. */
  long now() {
    return time.currentTimeMicros();
  }

  /**
   * Returns the cached denial of a request, or null if Redis must decide it.
   *
   * @param stateKey the client's state key
   * @param permits the permits requested (only one-permit requests are answered)
   */
  @Nullable Decision lookup(String stateKey, long permits) {
    if (permits != 1 || entries.isEmpty()) {
      return null;
    }
    Entry e = entries.get(stateKey);
    if (e == null) {
      return null;
    }
    long now = time.currentTimeMicros();
    long retry = e.untilMicros - now;
    if (retry <= 0 || now < e.sentMicros) {
      entries.remove(stateKey, e);
      return null;
    }
    e.hits.incrementAndGet();
    answered.increment();
    return Decisions.trusted(
        false, e.limit, e.remaining, retry, e.resetUntilMicros - now, e.windowMicros, false);
  }

  /** Records a decision of Redis: a denial is cached, an allowed decision changes nothing. */
  void record(String stateKey, long permits, long sentMicros, Decision d) {
    if (permits != 1 || d.allowed() || d.degraded()) {
      return;
    }
    if (entries.size() >= maxEntries && !sweep()) {
      return;
    }
    Entry old = entries.get(stateKey);
    AtomicLong hits = old != null && old.untilMicros > sentMicros ? old.hits : new AtomicLong();
    entries.put(stateKey, new Entry(sentMicros, d, hits));
  }

  /** Removes the expired entries; returns whether there is room for another. */
  private boolean sweep() {
    if (!sweepLock.tryLock()) {
      return false;
    }
    try {
      long now = time.currentTimeMicros();
      for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
        if (it.next().untilMicros <= now) {
          it.remove();
        }
      }
      return entries.size() < maxEntries;
    } finally {
      sweepLock.unlock();
    }
  }

  /** Forgets a client (reset). */
  void forget(String stateKey) {
    entries.remove(stateKey);
  }

  /** Returns how many calls of a client the cache answered while it stays denied. */
  long hits(String stateKey) {
    Entry e = entries.get(stateKey);
    return e == null || e.untilMicros <= time.currentTimeMicros() ? 0 : e.hits.get();
  }

  /** Returns how many calls the cache answered in all. */
  long answered() {
    return answered.sum();
  }

  /** Returns the number of entries, for tests. */
  int size() {
    return entries.size();
  }
}
