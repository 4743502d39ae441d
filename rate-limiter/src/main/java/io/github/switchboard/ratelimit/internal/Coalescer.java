package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.core.internal.RedisConnection;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/*
 * Group commit of decisions on one lane (a connection, or one Cluster slot of it). Two modes:
 *
 * On the I/O thread (a standalone or Sentinel connection whose replies complete on its Netty event loop,
 * once the lane has seen one completion there and so knows that loop): every decision is queued, and the
 * first one that finds a free slot (fewer than maxInFlight calls in flight) schedules one flush task on
 * the I/O thread. The flush sends whatever the queue holds by then as one call (the single script for one
 * decision, the batched script for several); a completed call sends the next batch from the queue before
 * it completes its own callers. A caller's write went through the I/O thread's task queue anyway (Netty
 * hands a write from another thread to the event loop as a task), so the flush adds no hop and no timer:
 * an idle limiter adds no latency, and decisions that arrive while the I/O thread is busy or waking go
 * together, which saves both sides a write, a read and a call per decision (sync callers on a few threads
 * batch as well as a flood of async ones). Every send runs on that one thread and takes the queue's head,
 * so decisions reach Redis in arrival order. After a reconnect onto another event loop the lane moves with
 * its first completion there; until then its flushes run on the old loop, whose writes Netty hands to the
 * new one, so a batch sent meanwhile from a completion on the new loop may overtake one of them (each
 * decision is still atomic and counted once: only which of two concurrent decisions gets a last permit
 * can differ, as with any two callers racing).
 *
 * Direct (before the first completion, on a Cluster lane, or on a connection that completes its replies
 * on a scheduler, where sends cannot all be made from one thread): one call in flight; a decision that
 * finds the lane idle is sent at once by its caller, those that arrive meanwhile wait in the queue and go
 * out together when it completes. Only the holder of the one slot writes, so order holds too.
 *
 * Either way, at most MAX_BATCH decisions go in one call, and for a sliding-window log at most
 * permitBudget permits, so that no call holds Redis longer than one largest single call.
 *
 * Failure: when a call fails (error or timeout), every decision queued behind it fails with the same cause
 * at once, instead of being sent to a Redis that just failed (each is then answered by the fallback, as
 * its own failed call would have been); a Lua error in a batch fails all of its decisions.
 *
 * Concurrency: the queue, the slot count, the flush flag and the lane's I/O executor are guarded by the
 * lane's monitor; sending and completing run outside it. Each queued decision is its own
 * CompletableFuture (Pending), completed with its slice of the batch reply.
 */
/** Sends the decisions of one lane together while its calls are in flight. */
final class Coalescer {
  /** The most decisions in one batched call. */
  static final int MAX_BATCH = 64;

  /** One queued decision, and the future of its reply. */
  static final class Pending extends CompletableFuture<List<Object>> {
    /** Whose decision: the limiter of its policy (the limiters of a plan book share their lanes). */
    final Object owner;
    /** The size of its reply in a batch reply. */
    final int replySize;
    final String stateKey;
    final String now;
    final long permits;

    Pending(Object owner, int replySize, String stateKey, String now, long permits) {
      this.owner = owner;
      this.replySize = replySize;
      this.stateKey = stateKey;
      this.now = now;
      this.permits = permits;
    }
  }

  /**
   * What the lane sends: the single and the batched calls. A batch may hold decisions of several owners
   * (policies), in arrival order; the sender may reorder it in place (keeping the order of each state
   * key's decisions), and its reply is their replies in the array's order, each of its owner's size.
   */
  interface Sender {
    CompletionStage<List<Object>> single(Object owner, String stateKey, String now, long permits);

    CompletionStage<List<Object>> batch(Pending[] batch);
  }

  private final Sender sender;
  private final long permitBudget;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final int maxInFlight;
  /** Whether the lane may move to its I/O thread (see the header); false keeps it direct. */
  private final boolean onIoThread;
  private int inFlight; // guarded by this
  private @Nullable Executor eventLoop; // guarded by this: the lane's event loop, once a completion ran there
  private boolean flushScheduled; // guarded by this
  private final Runnable flush = this::flush;
  private final BiConsumer<Object, @Nullable Throwable> afterSingle = this::afterSingle; // made once per lane

  /**
   * Creates a lane.
   *
   * @param sender its calls
   * @param permitBudget the most permits in one batch
   * @param maxInFlight the most calls in flight on the I/O thread; a direct lane keeps one
   * @param onIoThread whether the lane moves to its I/O thread after its first completion there
   */
  Coalescer(Sender sender, long permitBudget, int maxInFlight, boolean onIoThread) {
    this.sender = sender;
    this.permitBudget = permitBudget;
    this.maxInFlight = maxInFlight;
    this.onIoThread = onIoThread && IoThread.AVAILABLE;
  }

  CompletionStage<List<Object>> submit(
      Object owner, int replySize, String stateKey, String now, long permits) {
    Executor loop;
    Pending p;
    synchronized (this) {
      loop = eventLoop;
      if (loop == null && inFlight == 0) {
        inFlight++; // direct, and the lane is idle: this caller sends
        p = null;
      } else {
        p = new Pending(owner, replySize, stateKey, now, permits);
        queue.add(p);
        if (loop == null || flushScheduled || inFlight >= maxInFlight) {
          return p; // sent by a completion, or by the flush already scheduled
        }
        flushScheduled = true;
      }
    }
    if (p != null) {
      schedule(Objects.requireNonNull(loop));
      return p;
    }
    CompletionStage<List<Object>> f;
    try {
      f = sender.single(owner, stateKey, now, permits);
    } catch (RuntimeException e) {
      next(e);
      throw e;
    }
    f.whenComplete(afterSingle);
    return f;
  }

  /** Whether the lane has no decision queued and no call in flight. */
  synchronized boolean idle() {
    return inFlight == 0 && queue.isEmpty();
  }

  private void schedule(Executor loop) {
    try {
      loop.execute(flush);
    } catch (RejectedExecutionException e) { // the event loop is shut down: the client is closed
      Pending[] failed;
      synchronized (this) {
        flushScheduled = false;
        failed = queue.toArray(new Pending[0]);
        queue.clear();
      }
      for (Pending q : failed) {
        q.completeExceptionally(e);
      }
    }
  }

  /** On the I/O thread: sends the queue, as batches, into the free slots. */
  private void flush() {
    while (true) {
      Pending[] batch;
      synchronized (this) {
        flushScheduled = false;
        if (queue.isEmpty() || inFlight >= maxInFlight) {
          return;
        }
        batch = take();
        inFlight++;
      }
      send(batch);
    }
  }

  /** Takes the next batch from the queue (not empty). Caller holds the monitor. */
  private Pending[] take() {
    int size = queue.size();
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
    return k == taken.length ? taken : Arrays.copyOf(taken, k);
  }

  /** After a single call: {@link #next}. */
  private void afterSingle(Object reply, @Nullable Throwable failure) {
    next(failure);
  }

  /**
   * After a call: fails the queue if it failed, else sends the next batch (on the completing thread: the
   * I/O thread, or the holder of a direct lane's one slot) or frees the slot.
   */
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
    Executor here = onIoThread ? IoThread.current() : null;
    Pending[] batch;
    synchronized (this) {
      if (here != null) {
        eventLoop = here; // from now on every send is made on this thread (again, after a reconnect)
      }
      if (queue.isEmpty()) {
        inFlight--;
        return;
      }
      batch = take(); // the slot of the completed call passes to it
    }
    send(batch);
    if (here != null) {
      flush(); // on the I/O thread: fills the other free slots if more wait (a lane just moved here)
    }
  }

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
          ? sender.single(batch[0].owner, batch[0].stateKey, batch[0].now, batch[0].permits)
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
          // the next batch first, then this one's callers
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
    if (batch.length == 1) {
      batch[0].complete(reply);
      return;
    }
    int total = 0;
    for (Pending p : batch) {
      total += p.replySize;
    }
    if (reply.size() != total) {
      IllegalStateException e =
          new IllegalStateException(
              "unexpected batch reply of " + reply.size() + " elements for " + batch.length + " decisions");
      for (Pending p : batch) {
        p.completeExceptionally(e);
      }
      return;
    }
    int at = 0;
    for (Pending p : batch) {
      p.complete(reply.subList(at, at + p.replySize));
      at += p.replySize;
    }
  }
}
