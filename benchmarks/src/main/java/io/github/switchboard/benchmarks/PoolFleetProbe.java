package io.github.switchboard.benchmarks;

import io.github.switchboard.pool.PoolEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Predicate;

/** One timed change: when it was written, and when each other coordinator's listener saw it. */
final class PoolFleetProbe {
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

  private final int origin;
  private final Predicate<PoolEvent> match;
  private final AtomicLongArray seen;
  private final CountDownLatch latch;
  private long startNanos;

  PoolFleetProbe(int origin, int coordinators, Predicate<PoolEvent> match) {
    this.origin = origin;
    this.match = match;
    this.seen = new AtomicLongArray(coordinators);
    this.latch = new CountDownLatch(coordinators - 1);
  }

  void start() {
    startNanos = System.nanoTime();
  }

  void offer(int coordinator, PoolEvent event) {
    if (coordinator != origin && seen.get(coordinator) == 0 && match.test(event)) {
      if (seen.compareAndSet(coordinator, 0, System.nanoTime())) {
        latch.countDown();
      }
    }
  }

  /** Waits for every other coordinator, at most 5 s; returns whether all saw the change. */
  boolean await() {
    try {
      return latch.await(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a probe", e);
    }
  }

  /** Adds each delivery's time (ms) and the all-seen time; returns the deliveries missed. */
  int collect(List<Double> deliveries, List<Double> allSeen) {
    int missed = 0;
    long last = 0;
    for (int i = 0; i < seen.length(); i++) {
      if (i == origin) {
        continue;
      }
      long t = seen.get(i);
      if (t == 0) {
        missed++;
      } else {
        deliveries.add((t - startNanos) / 1e6);
        last = Math.max(last, t - startNanos);
      }
    }
    if (missed == 0) {
      allSeen.add(last / 1e6);
    }
    return missed;
  }
}
