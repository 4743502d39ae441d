package io.github.switchboard.registration.internal;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/*
 * Admission on the client side: a fleet of keep-alives must not hit a struggling coordinator or Redis in
 * step, nor harder as it struggles.
 * - The first tick comes after a random delay in [0, min(interval, 1 s)), so nodes started together
 *   (a rack powered on, a deployment, a benchmark) register spread over up to a second, and their
 *   heartbeats stay spread afterwards (each tick is one interval after the previous one ends).
 * - After a tick in which every channel failed, the next one waits longer: interval x 2^(failures - 1),
 *   capped at 8 intervals and at 30 s (or one interval, if that is longer), each delay scaled by a random
 *   factor in [0.5, 1.5) so the retries of many nodes drift apart. The first success goes back to the
 *   interval. (The cap keeps a node's heartbeats within a default staleAfter of 30 s of the channel's
 *   return.)
 */
/** When a keep-alive's next tick runs: a jittered start, the interval, and jittered backoff after failures. */
final class KeepAlivePacing {
  /** The longest first delay. */
  static final Duration MAX_START_JITTER = Duration.ofSeconds(1);
  /** The backoff's cap in intervals. */
  static final int MAX_BACKOFF_INTERVALS = 8;
  /** The backoff's cap in time, unless the interval is longer. */
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final long intervalNanos;
  private final long capNanos;
  private final DoubleSupplier random;

  /**
   * Creates the pacing of one keep-alive.
   *
   * @param interval the heartbeat interval, positive
   * @param random a uniform source in [0, 1)
   */
  KeepAlivePacing(Duration interval, DoubleSupplier random) {
    this.intervalNanos = interval.toNanos();
    long intervals = intervalNanos > Long.MAX_VALUE / MAX_BACKOFF_INTERVALS
        ? Long.MAX_VALUE : intervalNanos * MAX_BACKOFF_INTERVALS;
    this.capNanos = Math.min(intervals, Math.max(intervalNanos, MAX_BACKOFF.toNanos()));
    this.random = random;
  }

  /**
   * Returns the delay of the first tick.
   *
   * @return nanoseconds in [0, min(interval, 1 s))
   */
  long firstDelayNanos() {
    return (long) (random.getAsDouble() * Math.min(intervalNanos, MAX_START_JITTER.toNanos()));
  }

  /**
   * Returns the delay of the next tick.
   *
   * @param failures how many ticks in a row every channel failed (0: the last one reached a channel)
   * @return nanoseconds
   */
  long nextDelayNanos(int failures) {
    if (failures <= 0) {
      return intervalNanos;
    }
    long d = intervalNanos;
    for (int i = 1; i < failures && d < capNanos; i++) {
      d = d > capNanos / 2 ? capNanos : d * 2;
    }
    d = Math.min(d, capNanos);
    return (long) (d * (0.5 + random.getAsDouble()));
  }
}
