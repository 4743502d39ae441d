package io.github.switchboard.core;

/**
 * The clock of everything time-based in Switchboard, in microseconds since the Unix epoch.
 *
 * <p>Inject one in tests to drive time by hand instead of sleeping. Implementations must be
 * thread-safe and should be monotonic: a reading is never smaller than an earlier one.
 */
@FunctionalInterface
public interface TimeSource {

  /**
   * Returns the current time in microseconds since 1970-01-01T00:00:00Z.
   *
   * @return the current time, in microseconds since the epoch
   */
  long currentTimeMicros();

  /**
   * Returns the system clock: the wall clock, read again once a second and advanced in between by
   * {@link System#nanoTime()}, so that it follows the wall clock (an NTP step, a corrected drift) within
   * about a second, has microsecond resolution, allocates nothing on a reading, and never goes back: when
   * the wall clock is found behind, this clock runs slower (down to half speed) until it has caught up.
   *
   * @return the shared system time source
   */
  static TimeSource system() {
    return SystemTimeSource.INSTANCE;
  }
}

/*
 * An immutable anchor (a nanoTime, the time in microseconds then, and a rate), replaced once a second by
 * the reading thread that finds it old. A wall clock ahead of the reading is taken at once (a step
 * forward); one behind it is approached by running slower (rate 1 - behind/second, at least 0.5) from the
 * current reading, so readings stay monotonic. Only the replacement allocates (once a second).
 */
/** The wall clock, re-read every second, advanced by the monotonic nano clock, never going back. */
final class SystemTimeSource implements TimeSource {
  static final SystemTimeSource INSTANCE = new SystemTimeSource(System::currentTimeMillis, System::nanoTime);
  private static final long REANCHOR_NANOS = 1_000_000_000L;

  private record Anchor(long nanos, long micros, double rate) {}

  private final java.util.function.LongSupplier wallMillis;
  private final java.util.function.LongSupplier nanoClock;
  private volatile Anchor anchor;

  SystemTimeSource(java.util.function.LongSupplier wallMillis, java.util.function.LongSupplier nanoClock) {
    this.wallMillis = wallMillis;
    this.nanoClock = nanoClock;
    this.anchor = new Anchor(nanoClock.getAsLong(), wallMillis.getAsLong() * 1000L, 1.0);
  }

  @Override
  public long currentTimeMicros() {
    long now = nanoClock.getAsLong();
    Anchor a = anchor;
    long t = at(a, now);
    if (now - a.nanos() >= REANCHOR_NANOS) {
      long wall = wallMillis.getAsLong() * 1000L;
      if (wall >= t) {
        anchor = new Anchor(now, wall, 1.0);
        return wall;
      }
      double rate = Math.max(0.5, 1.0 - (t - wall) / 1_000_000.0);
      anchor = new Anchor(now, t, rate);
    }
    return t;
  }

  private static long at(Anchor a, long now) {
    long elapsedMicros = (now - a.nanos()) / 1000L;
    return a.micros() + (a.rate() == 1.0 ? elapsedMicros : (long) (elapsedMicros * a.rate()));
  }

  @Override
  public String toString() {
    return "TimeSource.system()";
  }
}
