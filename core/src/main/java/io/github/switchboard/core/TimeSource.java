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
   * Returns the system clock: wall-clock time read once at start-up and advanced by
   * {@link System#nanoTime()}, so that it is monotonic, has microsecond resolution and allocates
   * nothing.
   *
   * @return the shared system time source
   */
  static TimeSource system() {
    return SystemTimeSource.INSTANCE;
  }
}

/** Wall-clock anchored once, advanced by the monotonic nano clock. */
final class SystemTimeSource implements TimeSource {
  static final SystemTimeSource INSTANCE = new SystemTimeSource();

  private final long offsetMicros;

  private SystemTimeSource() {
    offsetMicros = System.currentTimeMillis() * 1000L - System.nanoTime() / 1000L;
  }

  @Override
  public long currentTimeMicros() {
    return System.nanoTime() / 1000L + offsetMicros;
  }

  @Override
  public String toString() {
    return "TimeSource.system()";
  }
}
