package io.github.switchboard.cache.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * A WARN that repeats at most once a minute, saying how many times it happened in between: for failures
 * that can repeat per request (a corrupt value, an oversized one), so that a flood writes one line a minute.
 */
final class OnceLog {
  private static final long EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Logger log;
  private final AtomicLong nextNanos = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong suppressed = new AtomicLong();

  OnceLog(Logger log) {
    this.log = log;
  }

  void warn(String format, @Nullable Object... args) {
    long now = System.nanoTime();
    long next = nextNanos.get();
    if ((next != Long.MIN_VALUE && now - next < 0) || !nextNanos.compareAndSet(next, now + EVERY_NANOS)) {
      suppressed.incrementAndGet();
      return;
    }
    long skipped = suppressed.getAndSet(0);
    if (skipped > 0) {
      Object[] withCount = java.util.Arrays.copyOf(args, args.length + 1);
      withCount[args.length] = skipped;
      log.warn(format + " ({} more since the last report)", withCount);
    } else {
      log.warn(format, args);
    }
  }
}
