package io.github.switchboard.benchmarks;

import java.util.concurrent.ThreadLocalRandom;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/*
 * xorshift64* per thread, mapped onto [0, n) by a multiply-shift (Lemire) instead of a modulo: a few
 * nanoseconds, no allocation, no shared state between threads.
 */
/** One thread's random choice of key: a JMH state, one per thread. */
@State(Scope.Thread)
public class KeyPicker {
  private long x;

  /** Seeds the generator differently per thread. */
  @Setup
  public void seed() {
    long s = ThreadLocalRandom.current().nextLong();
    x = s == 0 ? 0x9E3779B97F4A7C15L : s;
  }

  /**
   * Picks a key index uniformly.
   *
   * @param n the number of keys
   * @return an index in [0, n)
   */
  int next(int n) {
    long v = x;
    v ^= v >>> 12;
    v ^= v << 25;
    v ^= v >>> 27;
    x = v;
    long r = (v * 0x2545F4914F6CDD1DL) >>> 32;
    return (int) ((r * n) >>> 32);
  }
}
