package io.github.switchboard.examples.coordinator;

import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Without API_KEYS_FILE any key is accepted, so a client can invent keys: each one would be a key of the
 * limiter in memory and in Redis. This budget holds at most `max` keys, each with the client address that
 * brought it and when it was last seen:
 *
 * - a key held is always admitted (and becomes the most recently seen);
 * - a new key is admitted while fewer than `max` are held;
 * - when `max` are held, a new key takes the place of
 *   1. the key unseen the longest, if it has been unseen for `idle` (60 s by default, at most 60 s); else
 *   2. the oldest key of the address holding the most keys, if that is another address and it holds more
 *      keys than the new key's address will (so an address inventing keys gives them up to newcomers
 *      from elsewhere: max-min fairness between addresses);
 *   otherwise the new key is refused with 429 and a Retry-After of the time until the key unseen the
 *   longest becomes idle.
 * A key that gives its place up is only dropped from the budget: its limiter state stays where it is, in
 * memory and Redis, until its windows expire, and if it comes back it is a new key again and finds its
 * usage there (so the limit is never reset by this).
 *
 * So a flood of invented keys from one address never refuses a newcomer from another address (rule 2), and
 * its own new keys wait until its keys go idle (at most `idle`). A newcomer behind the very address of the
 * flood competes with it for the places that free up: the budget cannot tell them apart.
 *
 * Bounds: memory, at most `max` keys (a 64-character digest, its entry and its place in its address's set,
 * ~300 bytes each) and at most `max` addresses. The limiter's keys: in memory its own LRU holds at most
 * `max` keys (Coordinator sets maximumKeys); in Redis a key's state lives until its longest window ends
 * (one hour). An address's own new keys enter at most as fast as its keys go idle, so a flood from a few
 * addresses leaves at most about max * (1 h / idle) limiter keys in Redis per coordinator (6,000,000 with
 * the defaults of 100,000 and 60 s), each expiring by itself; a smaller MAX_API_KEYS lowers both, and
 * API_KEYS_FILE removes the question.
 *
 * Logging: a WARN when the budget starts refusing new keys, an INFO when it admits them again, at most one
 * of the two a minute (a sustained flood turns over every `idle`); never a line per key.
 */
/** The bound on distinct API keys held when any key is accepted. */
final class KeyBudget {
  private static final Logger LOG = LoggerFactory.getLogger(KeyBudget.class);

  private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** A key held: when it was last seen and the address that brought it. */
  private static final class Held {
    long lastSeen;
    final Holder holder;

    Held(long lastSeen, Holder holder) {
      this.lastSeen = lastSeen;
      this.holder = holder;
    }
  }

  /** A client address and the keys it brought, oldest first. */
  private static final class Holder {
    final String address;
    final LinkedHashSet<String> keys = new LinkedHashSet<>();

    Holder(String address) {
      this.address = address;
    }
  }

  /** The addresses by how many keys they hold, the most first. */
  private static final Comparator<Holder> MOST_KEYS =
      Comparator.comparingInt((Holder h) -> -h.keys.size()).thenComparing(h -> h.address);

  private final int max;
  private final long idleNanos;
  private final LongSupplier nanoTime;
  // all guarded by this; `held` in access order: the first entry is the key unseen the longest
  private final LinkedHashMap<String, Held> held = new LinkedHashMap<>(16, 0.75f, true);
  private final HashMap<String, Holder> holders = new HashMap<>();
  private final TreeSet<Holder> byCount = new TreeSet<>(MOST_KEYS);
  private boolean refusing;
  private long evicted;
  private long lastLog; // when refusing or admitting again was last logged
  private boolean logged;

  KeyBudget(long max, Duration idle, LongSupplier nanoTime) {
    if (max < 1 || max > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("max must be from 1 to " + Integer.MAX_VALUE + ", was " + max);
    }
    if (idle.isNegative() || idle.isZero()) {
      throw new IllegalArgumentException("idle must be positive, was " + idle);
    }
    this.max = (int) max;
    this.idleNanos = idle.toNanos();
    this.nanoTime = nanoTime;
  }

  /**
   * Admits a key (a digest) brought by a client address and records it as seen now, or refuses it.
   *
   * @return 0 if admitted, else how many nanoseconds until a place frees (at least 1)
   */
  synchronized long admit(String key, String address) {
    long now = nanoTime.getAsLong();
    Held known = held.get(key); // in access order this also makes it the most recent
    if (known != null) {
      known.lastSeen = now;
      return 0;
    }
    if (held.size() >= max) {
      Map.Entry<String, Held> eldest = held.entrySet().iterator().next();
      long unseen = now - eldest.getValue().lastSeen;
      if (unseen >= idleNanos) {
        drop(eldest.getKey());
      } else {
        Holder top = byCount.first();
        Holder mine = holders.get(address);
        int mineAfter = (mine == null ? 0 : mine.keys.size()) + 1;
        if (top.address.equals(address) || top.keys.size() <= mineAfter) {
          refused(now);
          return Math.max(1, idleNanos - unseen);
        }
        drop(top.keys.iterator().next());
      }
      evicted++;
    }
    Holder h = holders.computeIfAbsent(address, Holder::new);
    byCount.remove(h);
    h.keys.add(key);
    byCount.add(h);
    held.put(key, new Held(now, h));
    if (refusing) {
      refusing = false;
      if (logDue(now)) {
        LOG.info("new API keys are admitted again (MAX_API_KEYS {}): keys unseen for {} s, and the keys of the"
            + " address holding the most, give their place", max, idleSeconds());
      }
    }
    return 0;
  }

  private void refused(long now) {
    if (!refusing) {
      refusing = true;
      if (logDue(now)) {
        LOG.warn("{} distinct API keys, the bound (MAX_API_KEYS), all seen in the last {} s: a new key from an"
            + " address holding the most keys gets 429 until a key has been unseen for {} s; set"
            + " API_KEYS_FILE to accept only known keys", max, idleSeconds(), idleSeconds());
      }
    }
  }

  private void drop(String key) {
    Held h = held.remove(key);
    if (h == null) {
      return;
    }
    Holder holder = h.holder;
    byCount.remove(holder);
    holder.keys.remove(key);
    if (holder.keys.isEmpty()) {
      holders.remove(holder.address);
    } else {
      byCount.add(holder);
    }
  }

  /** How long a key unseen holds its place, in whole seconds. */
  long idleSeconds() {
    return TimeUnit.NANOSECONDS.toSeconds(idleNanos);
  }

  /** How many keys are held. */
  synchronized int size() {
    return held.size();
  }

  /** How many addresses hold keys. */
  synchronized int addresses() {
    return holders.size();
  }

  /** How many keys gave their place to a new one so far. */
  synchronized long evicted() {
    return evicted;
  }

  /** Whether a change of state may be logged now: the first, then at most one a minute. */
  private boolean logDue(long now) {
    if (logged && now - lastLog < LOG_EVERY_NANOS) {
      return false;
    }
    logged = true;
    lastLog = now;
    return true;
  }
}
