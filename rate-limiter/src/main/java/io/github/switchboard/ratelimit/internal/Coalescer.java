package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.core.internal.RedisConnection;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/*
 * Group commit of decisions on one lane (a connection, or one Cluster slot of it): while maxInFlight script
 * calls are in flight, the decisions that arrive wait in a queue; when one completes, the queue (up to
 * MAX_BATCH decisions, and for a sliding-window log up to MAX_LOG_PERMITS permits in all, so that no call
 * holds Redis longer than one largest single call) goes out as one call of the batched script, which
 * decides them in arrival order with the single script's own code, and is sent before the completed call's
 * own decisions are completed. No timer: a decision that finds a free slot is sent at once, alone, with
 * the single script, so an idle limiter adds no latency. A queued decision always waits for a slot (the
 * queue is not empty only while every slot is taken), so decisions reach Redis in arrival order (see
 * IoThread for the one subtlety).
 *
 * Failure: when a call fails (error or timeout), every decision queued behind it fails with the same cause
 * at once, instead of being sent to a Redis that just failed (each is then answered by the fallback, as
 * its own failed call would have been); a Lua error in a batch fails all of its decisions.
 *
 * Concurrency: the queue and the slot count are guarded by the lane's monitor; sending and completing run
 * outside it. Each queued decision is its own CompletableFuture (Pending), completed with its slice of the
 * batch reply.
 */
/** Sends the decisions of one lane together while its calls are in flight. */
final class Coalescer {
  /** The most decisions in one batched call. */
  static final int MAX_BATCH = 64;

  /** One queued decision, and the future of its reply. */
  static final class Pending extends CompletableFuture<List<Object>> {
    final String stateKey;
    final String now;
    final long permits;

    Pending(String stateKey, String now, long permits) {
      this.stateKey = stateKey;
      this.now = now;
      this.permits = permits;
    }
  }

  /** What the lane sends: the single and the batched calls. */
  interface Sender {
    CompletionStage<List<Object>> single(String stateKey, String now, long permits);

    CompletionStage<List<Object>> batch(Pending[] batch);

    /** The size of one decision's reply in a batch reply. */
    int replySize();
  }

  private final Sender sender;
  private final long permitBudget;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final int maxInFlight;
  private int inFlight; // guarded by this
  private final BiConsumer<Object, @Nullable Throwable> afterSingle = (r, e) -> next(e);

  Coalescer(Sender sender, long permitBudget, int maxInFlight) {
    this.sender = sender;
    this.permitBudget = permitBudget;
    this.maxInFlight = maxInFlight;
  }

  CompletionStage<List<Object>> submit(String stateKey, String now, long permits) {
    synchronized (this) {
      if (inFlight >= maxInFlight) {
        Pending p = new Pending(stateKey, now, permits);
        queue.add(p);
        return p;
      }
      inFlight++;
    }
    CompletionStage<List<Object>> f;
    try {
      f = sender.single(stateKey, now, permits);
    } catch (RuntimeException e) {
      next(e);
      throw e;
    }
    f.whenComplete(afterSingle);
    return f;
  }

  /** After a call: fails the queue if it failed, else sends the next batch or marks the lane idle. */
  private void next(@Nullable Throwable failure) {
    if (failure != null) {
      Pending[] failed;
      synchronized (this) {
        failed = queue.toArray(new Pending[0]);
        queue.clear();
        inFlight--;
      }
      Throwable cause = RedisConnection.unwrap(failure);
      for (Pending p : failed) {
        p.completeExceptionally(cause);
      }
      return;
    }
    Pending[] batch;
    synchronized (this) {
      int size = queue.size();
      if (size == 0) {
        inFlight--;
        return;
      }
      int k = 0;
      long permits = 0;
      Pending[] taken = new Pending[Math.min(size, MAX_BATCH)];
      while (k < taken.length) {
        Pending p = queue.peek();
        if (k > 0 && permits + p.permits > permitBudget) {
          break;
        }
        permits += queue.poll().permits;
        taken[k++] = p;
      }
      batch = k == taken.length ? taken : java.util.Arrays.copyOf(taken, k);
    }
    Executor io = IoThread.current();
    if (io != null) {
      io.execute(() -> send(batch)); // behind the writes other threads have handed to this I/O thread
    } else {
      send(batch);
    }
  }

  /*
   * Order with more than one call in flight. A caller that finds a free slot writes from its own thread:
   * Netty hands that write to the connection's I/O thread as a task. A completion runs on that I/O thread,
   * and a write made there goes out at once, ahead of the tasks still queued: a batch sent straight from a
   * completion could overtake a single that a caller wrote just before (the later decision reaching Redis
   * first; RedisCoalescingTest saw it). So a batch sent from a completion is itself queued to the I/O
   * thread (after every write handed to it before); a caller only finds a free slot when nothing waits in
   * the queue (a queued decision always waits for a slot), so decisions reach Redis in the order they
   * were made. IoThread.current() is Netty's executor of the current thread (null off an event loop, or
   * when Netty's ThreadExecutorMap is missing: then the lane keeps one call in flight, see
   * RedisRateLimiter). This holds because a successful call completes on the connection's I/O thread:
   * Lettuce's default, and the only case in which a lane keeps more than one call in flight (a connection
   * that publishes on a scheduler keeps one).
   */
  /** The Netty event loop the current thread runs, if any. */
  static final class IoThread {
    /** Whether Netty's ThreadExecutorMap can be read (it is on the class path with Lettuce). */
    static final boolean AVAILABLE = available();

    private IoThread() {}

    private static boolean available() {
      try {
        io.netty.util.internal.ThreadExecutorMap.currentExecutor();
        return true;
      } catch (LinkageError e) {
        return false;
      }
    }

    static @Nullable Executor current() {
      return AVAILABLE ? io.netty.util.internal.ThreadExecutorMap.currentExecutor() : null;
    }
  }

  private void send(Pending[] batch) {
    CompletionStage<List<Object>> f;
    try {
      f = batch.length == 1
          ? sender.single(batch[0].stateKey, batch[0].now, batch[0].permits)
          : sender.batch(batch);
    } catch (RuntimeException e) {
      for (Pending p : batch) {
        p.completeExceptionally(e);
      }
      next(e);
      return;
    }
    f.whenComplete(
        (reply, error) -> {
          // the next batch first (queued to the I/O thread, see IoThread), then this one's callers
          next(error);
          if (error != null) {
            Throwable cause = RedisConnection.unwrap(error);
            for (Pending p : batch) {
              p.completeExceptionally(cause);
            }
          } else {
            distribute(batch, reply);
          }
        });
  }

  private void distribute(Pending[] batch, List<Object> reply) {
    int each = batch.length == 1 ? reply.size() : sender.replySize();
    if (reply.size() != each * batch.length) {
      IllegalStateException e =
          new IllegalStateException(
              "unexpected batch reply of " + reply.size() + " elements for " + batch.length + " decisions");
      for (Pending p : batch) {
        p.completeExceptionally(e);
      }
      return;
    }
    for (int j = 0; j < batch.length; j++) {
      batch[j].complete(reply.subList(j * each, (j + 1) * each));
    }
  }
}
