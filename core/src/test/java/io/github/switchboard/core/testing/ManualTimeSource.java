package io.github.switchboard.core.testing;

import io.github.switchboard.core.TimeSource;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link TimeSource} that moves only when a test moves it. Thread-safe. */
public final class ManualTimeSource implements TimeSource {
  private final AtomicLong micros;

  /**
   * Creates a clock showing {@code startMicros}.
   *
   * @param startMicros the first reading, in microseconds since the epoch
   */
  public ManualTimeSource(long startMicros) {
    this.micros = new AtomicLong(startMicros);
  }

  /** Creates a clock showing 2026-01-01T00:00:00Z. */
  public ManualTimeSource() {
    this(1_767_225_600_000_000L);
  }

  @Override
  public long currentTimeMicros() {
    return micros.get();
  }

  /**
   * Moves the clock forward.
   *
   * @param d a non-negative duration
   * @return the new reading
   */
  public long advance(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("a clock does not go back: " + d);
    }
    return advanceMicros(d.toNanos() / 1000L);
  }

  /**
   * Moves the clock forward.
   *
   * @param deltaMicros a non-negative number of microseconds
   * @return the new reading
   */
  public long advanceMicros(long deltaMicros) {
    if (deltaMicros < 0) {
      throw new IllegalArgumentException("a clock does not go back: " + deltaMicros + " us");
    }
    return micros.addAndGet(deltaMicros);
  }

  /**
   * Sets the reading (also backwards, to test how a component copes with a clock that jumps).
   *
   * @param nowMicros the new reading
   */
  public void set(long nowMicros) {
    micros.set(nowMicros);
  }

  @Override
  public String toString() {
    return "ManualTimeSource[" + micros.get() + " us]";
  }
}
