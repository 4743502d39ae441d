package io.github.switchboard.pool.internal.redis;

import io.github.switchboard.core.internal.RedisUnavailableException;
import io.github.switchboard.pool.PoolEvent;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The Redis store's local side: the snapshot, the one thread ("switchboard-pool-redis-NAME") that changes
 * it, and the writers waiting for their revision to show in it. Every part of the store changes the
 * snapshot through this class, on its thread; none of them holds the store. A part that finds the snapshot
 * drifted asks for a resynchronisation through resync(), which the store binds to RedisPoolResync once.
 *
 * Logs under RedisPoolStore's logger, as the rest of the store does.
 */
/** The Redis store's snapshot, its thread, and the waiters of own writes. */
final class RedisPoolLocal {
  private static final Logger LOG = LoggerFactory.getLogger(RedisPoolStore.class);

  /** What the parts ask of the resynchronisation. */
  interface Resyncs {
    /** On the thread: reads the whole pool (now, or after the read in flight); logs the reason if given. */
    void request(@Nullable String reason);

    /** On the thread: after an internal error, forgets the read in flight and reads again. */
    void restart();

    /** On the thread: whether a read is in flight. */
    boolean running();
  }

  private final String poolName;
  private final Duration awaitTimeout;
  private final Consumer<PoolEvent> listener;
  private final ScheduledThreadPoolExecutor exec;
  private @Nullable Resyncs resyncs; // bound once, before start

  // read by any thread, written only on exec
  private volatile PoolSnapshot snapshot = PoolSnapshot.EMPTY;
  private volatile boolean loaded;
  private volatile boolean closed;

  // only on exec
  private final TreeMap<Long, List<CompletableFuture<Void>>> waiters = new TreeMap<>();
  /** The last page's revision of the last full read: a change up to it that changes nothing is settled. */
  private long settledUpTo;

  RedisPoolLocal(String poolName, Duration awaitTimeout, Consumer<PoolEvent> listener) {
    this.poolName = poolName;
    this.awaitTimeout = awaitTimeout;
    this.listener = listener;
    this.exec = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "switchboard-pool-redis-" + poolName);
      t.setDaemon(true);
      return t;
    });
    exec.setRemoveOnCancelPolicy(true);
    exec.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /** Binds the resynchronisation (once, before anything runs). */
  void bind(Resyncs r) {
    this.resyncs = r;
  }

  private Resyncs resyncs() {
    return Objects.requireNonNull(resyncs, "resyncs");
  }

  /** On exec: asks for a full read; logs the reason if given. */
  void resync(@Nullable String reason) {
    resyncs().request(reason);
  }

  /** On exec: whether a full read is in flight. */
  boolean resyncing() {
    return resyncs().running();
  }

  // ------------------------------------------------------------------------------------------ the snapshot

  PoolSnapshot snapshot() {
    return snapshot;
  }

  /** On exec: replaces the snapshot (without event). */
  void set(PoolSnapshot s) {
    snapshot = s;
  }

  /** On exec: tells the store's listener of a change. */
  void emit(PoolEvent event) {
    listener.accept(event);
  }

  boolean loaded() {
    return loaded;
  }

  /** On exec: a full read has been applied. */
  void markLoaded(long settled) {
    loaded = true;
    settledUpTo = settled;
  }

  /** On exec: the last page's revision of the last full read. */
  long settledUpTo() {
    return settledUpTo;
  }

  boolean closed() {
    return closed;
  }

  // --------------------------------------------------------------------------------------------- waiters

  /** On exec: completes f once the snapshot reaches rev; asks for a read, then fails f, if it takes too long. */
  @SuppressWarnings("CollectionUndefinedEquality") // a future equals only itself: list.remove(f) removes f
  void awaitRevision(long rev, CompletableFuture<Void> f) {
    if (snapshot.revision() >= rev) {
      f.complete(null);
      return;
    }
    waiters.computeIfAbsent(rev, k -> new ArrayList<>()).add(f);
    long ms = awaitTimeout.toMillis();
    // two timers whose effect is on f; nothing waits for the timers themselves
    var unused = exec.schedule(() -> {
      if (!f.isDone()) {
        resync("own change " + rev + " not seen in time");
      }
    }, ms, TimeUnit.MILLISECONDS);
    var unused2 = exec.schedule(() -> {
      if (!f.isDone()) {
        List<CompletableFuture<Void>> list = waiters.get(rev);
        if (list != null) {
          list.remove(f);
          if (list.isEmpty()) {
            waiters.remove(rev);
          }
        }
        f.completeExceptionally(new RedisUnavailableException(
            "pool '" + poolName + "': revision " + rev + " was not confirmed by Redis in time"));
      }
    }, 2 * ms, TimeUnit.MILLISECONDS);
  }

  /** On exec: completes the waiters of every revision the snapshot has reached. */
  void completeWaiters() {
    long local = snapshot.revision();
    while (!waiters.isEmpty() && waiters.firstKey() <= local) {
      for (CompletableFuture<Void> f : waiters.pollFirstEntry().getValue()) {
        f.complete(null);
      }
    }
  }

  /** On exec: takes every waiter of an own write (a failover lost their revisions, or the store closes). */
  List<CompletableFuture<Void>> takeAllWaiters() {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (List<CompletableFuture<Void>> l : waiters.values()) {
      all.addAll(l);
    }
    waiters.clear();
    return all;
  }

  // ------------------------------------------------------------------------------------------ the thread

  /** Runs a task on exec; an exception in it resynchronises. Returns false if the store is closed. */
  boolean submit(Runnable r) {
    if (closed) {
      return false;
    }
    try {
      exec.execute(() -> {
        try {
          r.run();
        } catch (RuntimeException e) {
          LOG.warn("pool '{}': internal error in the Redis store; resynchronising", poolName, e);
          resyncs().restart();
        }
      });
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /** Runs a task on exec, or fails the futures if the store is closed. */
  void submitOrFail(Runnable r, List<CompletableFuture<Void>> futures) {
    if (!submit(r)) {
      failAll(futures, closedError());
    }
  }

  /** Runs a task on exec after a delay; null if the store is closed. */
  @Nullable ScheduledFuture<?> schedule(Runnable r, long delayMillis) {
    try {
      return exec.schedule(r, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      return null;
    }
  }

  /** Runs a task on exec every period, first after initialDelay (until close). */
  void every(Runnable r, long initialDelay, long period, TimeUnit unit) {
    // the periodic tasks handle a failing Redis themselves; they repeat until close() shuts exec down
    var unused = exec.scheduleWithFixedDelay(r, initialDelay, period, unit);
  }

  static void failAll(List<CompletableFuture<Void>> futures, Throwable cause) {
    for (CompletableFuture<Void> f : futures) {
      f.completeExceptionally(cause);
    }
    futures.clear();
  }

  IllegalStateException closedError() {
    return new IllegalStateException("pool '" + poolName + "' store is closed");
  }

  /** Stops the thread: fails what still waits (own writes and what more() takes on the thread), then shuts down. */
  void close(Supplier<List<CompletableFuture<Void>>> more) {
    closed = true;
    IllegalStateException gone = closedError();
    try {
      // on exec, which owns the waiters: fail what still waits, then stop
      exec.execute(() -> {
        List<CompletableFuture<Void>> all = more.get();
        all.addAll(takeAllWaiters());
        failAll(all, gone);
      });
    } catch (RejectedExecutionException e) {
      // already stopped
    }
    exec.shutdown();
    try {
      if (!exec.awaitTermination(2, TimeUnit.SECONDS)) {
        exec.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exec.shutdownNow();
    }
  }
}
