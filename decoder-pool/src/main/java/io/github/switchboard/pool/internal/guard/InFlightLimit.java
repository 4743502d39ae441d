package io.github.switchboard.pool.internal.guard;

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
 *
 * The queue is bounded too (maxQueued): a call beyond it fails at once with the exception the owner names
 * (the guarded store: PoolWriteQueueFullException), so a caller that writes faster than Redis answers
 * cannot grow memory without limit. The count is a reservation taken before queueing, so the bound holds
 * under contention.
 */
/** A bounded queue of asynchronous calls with a bounded number in flight. Thread-safe. */
final class InFlightLimit {
  private final int max;
  private final int maxQueued;
  private final Supplier<? extends RuntimeException> full;
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();

  /**
   * Creates the bounds.
   *
   * @param max the most calls in flight at once
   * @param maxQueued the most calls waiting for a permit
   * @param full makes the error of a call refused because {@code maxQueued} calls already wait
   * @throws IllegalArgumentException if {@code max} or {@code maxQueued} is below 1
   */
  InFlightLimit(int max, int maxQueued, Supplier<? extends RuntimeException> full) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be >= 1, was " + max);
    }
    if (maxQueued < 1) {
      throw new IllegalArgumentException("maxQueued must be >= 1, was " + maxQueued);
    }
    this.max = max;
    this.maxQueued = maxQueued;
    this.full = java.util.Objects.requireNonNull(full, "full");
  }

  /**
   * Starts a call now if fewer than {@code max} are in flight, else once one completes.
   *
   * @param call the call; a call that throws fails its stage
   * @param <T> the result type
   * @return the call's result; failed with the {@code full} error, without running the call, if
   *     {@code maxQueued} calls already wait
   */
  <T> CompletionStage<T> run(Supplier<? extends CompletionStage<T>> call) {
    if (queued.incrementAndGet() > maxQueued) {
      queued.decrementAndGet();
      return CompletableFuture.failedFuture(full.get());
    }
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

  /**
   * Returns the calls waiting for a permit now.
   *
   * @return the count
   */
  int queued() {
    return queued.get();
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
          queued.decrementAndGet();
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
