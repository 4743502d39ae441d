package io.github.switchboard.examples.coordinator;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Without API_KEYS_FILE any key is accepted, so a client can invent keys: each one would be a key of the
 * limiter in memory and in Redis (where it lives as long as the longest window). This budget admits at
 * most `max` distinct keys per window: a key seen in the window is always admitted again; a new key
 * past the bound is refused (429 with Retry-After) until keys older than the window are forgotten. So the
 * limiter never holds more than `max` keys of this coordinator, in memory or in Redis.
 *
 * Memory: one map entry per admitted key (a 64-character digest and a Long). Forgetting is a sweep over
 * the map, run only when the map is full and at most once a second.
 */
/** The bound on distinct API keys per window when any key is accepted. */
final class KeyBudget {
  private static final Logger LOG = LoggerFactory.getLogger(KeyBudget.class);
  private static final long SWEEP_EVERY_NANOS = Duration.ofSeconds(1).toNanos();

  private final long max;
  private final long windowNanos;
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<String, Long> lastSeen = new ConcurrentHashMap<>();
  private final AtomicLong lastSweep;
  private final AtomicBoolean full = new AtomicBoolean();

  KeyBudget(long max, Duration window, LongSupplier nanoTime) {
    this.max = max;
    this.windowNanos = window.toNanos();
    this.nanoTime = nanoTime;
    this.lastSweep = new AtomicLong(nanoTime.getAsLong() - SWEEP_EVERY_NANOS);
  }

  /** Returns whether the key (a digest) may be limited now; records it if so. */
  boolean admit(String key) {
    long now = nanoTime.getAsLong();
    Long previous = lastSeen.computeIfPresent(key, (k, v) -> now);
    if (previous != null) {
      return true;
    }
    if (lastSeen.size() >= max) {
      sweep(now);
      if (lastSeen.size() >= max) {
        if (full.compareAndSet(false, true)) {
          LOG.warn("{} distinct API keys in the last {} min, the bound (MAX_API_KEYS): new keys get 429 until"
              + " older ones age out; set API_KEYS_FILE to accept only known keys", max, windowNanos / 60_000_000_000L);
        }
        return false;
      }
    }
    lastSeen.putIfAbsent(key, now);
    return true;
  }

  /** How many keys are held. */
  int size() {
    return lastSeen.size();
  }

  private void sweep(long now) {
    long last = lastSweep.get();
    if (now - last < SWEEP_EVERY_NANOS || !lastSweep.compareAndSet(last, now)) {
      return;
    }
    lastSeen.values().removeIf(seen -> now - seen >= windowNanos);
    if (lastSeen.size() < max && full.compareAndSet(true, false)) {
      LOG.info("distinct API keys back under the bound of {}: new keys are admitted again", max);
    }
  }
}
