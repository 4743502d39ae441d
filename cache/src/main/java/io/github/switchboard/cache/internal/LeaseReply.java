package io.github.switchboard.cache.internal;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * The reply of {@code get_or_lease.lua}: 1 the value, 2 the lease is the caller's, 3 another holds it
 * (with the milliseconds it has left); 0 ({@link #FALLBACK}) when Redis did not answer.
 *
 * @param kind 0 to 3
 * @param value the stored value (kind 1)
 * @param leftMillis what the other's lease has left (kind 3)
 */
record LeaseReply(int kind, @Nullable String value, long leftMillis) {
  static final LeaseReply FALLBACK = new LeaseReply(0, null, 0);

  /** Decodes Redis's reply; anything else is a Redis failure (the guard answers from the fallback). */
  static LeaseReply decode(@Nullable List<Object> list) {
    if (list == null || list.isEmpty() || !(list.get(0) instanceof Long kind)) {
      throw new IllegalStateException("unexpected reply of get_or_lease: " + list);
    }
    if (kind == 1 && list.size() == 2 && list.get(1) instanceof String v) {
      return new LeaseReply(1, v, 0);
    }
    if (kind == 2) {
      return new LeaseReply(2, null, 0);
    }
    if (kind == 3 && list.size() == 2 && list.get(1) instanceof Long left) {
      return new LeaseReply(3, null, left);
    }
    throw new IllegalStateException("unexpected reply of get_or_lease: " + list);
  }

  /** A load's token: which instance's load holds a lease. */
  static String randomToken() {
    return Long.toHexString(ThreadLocalRandom.current().nextLong()) + Long.toHexString(System.nanoTime());
  }
}
