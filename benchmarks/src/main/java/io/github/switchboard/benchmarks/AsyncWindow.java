package io.github.switchboard.benchmarks;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/*
 * At most `size` decisions in flight: a benchmark invocation takes a slot (waiting while all are taken),
 * starts one asynchronous decision and returns; the slot is given back when the decision completes, from
 * the client's I/O thread. In the steady state invocations per second are therefore completed decisions
 * per second. The one callback instance is shared by every call (no capturing lambda per call); whatever
 * the library's future allocates to run it is the library's cost. What a call is (a rate-limit decision, a
 * cache read) is the Calls' business; a benchmark's fork only ever loads one Calls class, so the call
 * through it is inlined.
 */
/** A window of asynchronous decisions in flight. */
final class AsyncWindow implements BiConsumer<Object, Throwable> {
  /** The number of decisions in flight that the targets are stated for. */
  static final int SIZE = 128;

  /** What the window starts, and how it tells a success. */
  interface Calls {
    /**
     * Starts one call; the library's own future is returned as it is.
     *
     * @param key the key index (or, for calls on fresh keys, a sequence number)
     * @return the library's future
     */
    CompletionStage<?> start(int key);

    /**
     * Tells whether a call's result is what the trial measures (a grant, a hit).
     *
     * @param result the value the future completed with
     * @return true if it is
     */
    boolean succeeded(Object result);

    /** Counts a call that failed or did not succeed; the trial then fails. */
    void refuse();
  }

  private final Semaphore slots;
  private final Calls calls;
  private final int size;

  AsyncWindow(Calls calls, int size) {
    this.calls = calls;
    this.size = size;
    this.slots = new Semaphore(size);
  }

  /**
   * Starts one decision once a slot is free.
   *
   * @param key the key index
   * @throws InterruptedException if interrupted while waiting for a slot
   */
  void submit(int key) throws InterruptedException {
    slots.acquire();
    try {
      calls.start(key).whenComplete(this);
    } catch (RuntimeException e) {
      slots.release();
      throw e;
    }
  }

  @Override
  public void accept(Object result, Throwable error) {
    if (error != null || !calls.succeeded(result)) {
      calls.refuse();
    }
    slots.release();
  }

  /**
   * Waits for the decisions in flight, then closes what they ran on (even if they did not complete).
   *
   * @param close closes the trial
   */
  void drainThen(Runnable close) {
    try {
      drain();
    } finally {
      close.run();
    }
  }

  /**
   * Waits until every decision in flight has completed.
   *
   * @throws IllegalStateException if they do not within 30 seconds
   */
  void drain() {
    try {
      if (!slots.tryAcquire(size, 30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("asynchronous decisions still in flight after 30 s");
      }
      slots.release(size);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
