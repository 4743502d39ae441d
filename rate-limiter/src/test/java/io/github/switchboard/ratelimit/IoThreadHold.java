package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Holds a limiter connection's I/O thread (a callback of a completed decision that waits), so that the
 * decisions made meanwhile wait in their lane and go out together when it is released. A limiter whose
 * lanes have learned their I/O thread: see {@link #learn}.
 */
final class IoThreadHold implements AutoCloseable {
  private final CountDownLatch release = new CountDownLatch(1);
  private final CompletableFuture<Void> holding;
  /** The script calls counted just before the holding decision. */
  final long callsBefore;

  /**
   * Warms a limiter up until one of its completions runs on the I/O thread (the lane learns that thread
   * from such a completion; a reply that arrives before the lane's callback is attached completes on the
   * caller instead, on a busy machine). Async: a sync decision goes over a blocking connection.
   */
  static void learn(RateLimiter l) throws Exception {
    boolean learned = false;
    for (int i = 0; i < 100 && !learned; i++) {
      learned =
          l.tryAcquireAsync("warm-up", 1)
              .thenApply(d -> io.netty.util.internal.ThreadExecutorMap.currentExecutor() != null)
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
    }
    assertThat(learned).as("a completion ran on the I/O thread").isTrue();
  }

  /**
   * Holds the I/O thread with a decision on key "hold" whose callback waits until {@link #close}. The
   * callback must run on the I/O thread: attached after its decision completed (a fast reply), it runs
   * on the caller and holds nothing, so the hold is tried again.
   *
   * @param l the limiter (see {@link #learn})
   * @param calls counts the script calls so far
   */
  IoThreadHold(RateLimiter l, java.util.function.LongSupplier calls) throws Exception {
    CompletableFuture<Void> held = null;
    long before = 0;
    for (int attempt = 0; attempt < 100 && held == null; attempt++) {
      before = calls.getAsLong();
      CountDownLatch ran = new CountDownLatch(1);
      AtomicBoolean onIoThread = new AtomicBoolean();
      CompletableFuture<Void> h =
          l.tryAcquireAsync("hold", 1)
              .thenRun(
                  () -> {
                    if (io.netty.util.internal.ThreadExecutorMap.currentExecutor() != null) {
                      onIoThread.set(true);
                      ran.countDown();
                      try {
                        release.await(10, TimeUnit.SECONDS);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    } else {
                      ran.countDown(); // not held: the decision had completed on the caller
                    }
                  })
              .toCompletableFuture();
      assertThat(ran.await(10, TimeUnit.SECONDS)).as("the hold's callback ran").isTrue();
      if (onIoThread.get()) {
        held = h;
      }
    }
    assertThat(held).as("a hold on the I/O thread").isNotNull();
    this.holding = java.util.Objects.requireNonNull(held);
    this.callsBefore = before;
  }

  /** Releases the I/O thread and waits for the holding callback to end. */
  @Override
  public void close() throws Exception {
    release.countDown();
    holding.get(10, TimeUnit.SECONDS);
  }
}
