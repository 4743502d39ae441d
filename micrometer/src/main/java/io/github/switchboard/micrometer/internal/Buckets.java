package io.github.switchboard.micrometer.internal;

import java.time.Duration;

/** Histogram bucket bounds, written in milliseconds. */
public final class Buckets {
  private Buckets() {}

  /**
   * Returns the bounds as durations.
   *
   * @param millis the upper bounds in milliseconds, ascending (fractions allowed: 0.1 is 100 µs)
   * @return the bounds
   */
  public static Duration[] millis(double... millis) {
    Duration[] d = new Duration[millis.length];
    for (int i = 0; i < millis.length; i++) {
      d[i] = Duration.ofNanos(Math.round(millis[i] * 1_000_000));
    }
    return d;
  }
}
