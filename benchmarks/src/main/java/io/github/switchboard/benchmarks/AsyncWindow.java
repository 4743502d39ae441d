package io.github.switchboard.benchmarks;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/*
 * At most `size` decisions in flight: a benchmark invocation takes a slot (waiting while all are taken),
 * starts one asynchronous decision and returns; the slot is given back when the decision completes, from
 * the client's I/O thread. In the steady state invocations per second are therefore completed decisions
 * per second. The one callback instance is shared by every call (no capturing lambda per call); whatever
 * the library's future allocates to run it is the library's cost.
 */
/** A window of asynchronous decisions in flight. */
final class AsyncWindow implements BiConsumer<Object, Throwable> {
  /** The number of decisions in flight that the targets are stated for. */
  static final int SIZE = 128;

  private final Semaphore slots;
  private final Trial trial;
  private final int size;

  AsyncWindow(Trial trial, int size) {
    this.trial = trial;
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
      trial.limiter.tryAcquireAsync(key).whenComplete(this);
    } catch (RuntimeException e) {
      slots.release();
      throw e;
    }
  }

  @Override
  public void accept(Object result, Throwable error) {
    if (error != null || !trial.limiter.granted(result)) {
      trial.refuse();
    }
    slots.release();
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
