package io.github.switchboard.pool.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/*
 * Bounds the calls in flight (the guarded store's writes to Redis). A burst of writes (a thousand
 * registrations at once) would otherwise all be queued in the connection at once, and the later ones would
 * exceed the command timeout while Redis itself is idle; the breaker would take that for a failing Redis.
 * Calls beyond the bound wait here, where no timeout runs. A call completing inline releases its permit
 * without recursion (one thread drains at a time).
 */
/** A queue of asynchronous calls with a bounded number in flight. Thread-safe. */
final class InFlightLimit {
  private final int max;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();

  /**
   * Creates the bound.
   *
   * @param max the most calls in flight at once
   */
  InFlightLimit(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be >= 1, was " + max);
    }
    this.max = max;
  }

  /**
   * Starts a call now if fewer than {@code max} are in flight, else once one completes.
   *
   * @param call the call; a call that throws fails its stage
   * @param <T> the result type
   * @return the call's result
   */
  <T> CompletionStage<T> run(Supplier<? extends CompletionStage<T>> call) {
    CompletableFuture<T> out = new CompletableFuture<>();
    queue.add(() -> {
      CompletionStage<T> s;
      try {
        s = call.get();
      } catch (RuntimeException e) {
        s = CompletableFuture.failedFuture(e);
      }
      s.whenComplete((v, e) -> {
        inFlight.decrementAndGet();
        if (e != null) {
          out.completeExceptionally(e);
        } else {
          out.complete(v);
        }
        drain();
      });
    });
    drain();
    return out;
  }

  /**
   * Returns the calls in flight now.
   *
   * @return the count
   */
  int inFlight() {
    return inFlight.get();
  }

  private void drain() {
    while (true) {
      if (!draining.compareAndSet(false, true)) {
        return;
      }
      try {
        while (inFlight.get() < max) {
          Runnable r = queue.poll();
          if (r == null) {
            break;
          }
          inFlight.incrementAndGet();
          r.run();
        }
      } finally {
        draining.set(false);
      }
      if (queue.isEmpty() || inFlight.get() >= max) {
        return;
      }
    }
  }
}
