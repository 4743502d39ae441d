package io.github.switchboard.pool.internal.events;

import io.github.switchboard.pool.PoolEvent;
import io.github.switchboard.pool.PoolListener;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The pool's event thread, with a bounded queue. Listeners run on one thread, one event at a time, in
 * order, and an exception is logged at WARN (as before); what is new is the bound: a slow listener no
 * longer grows memory without limit.
 *
 * At most maxQueued events (MAX_QUEUED, 10,000) wait. When one more arrives, the dispatcher overflows: it
 * drops that event and every later one until the listeners have caught up with all that was queued, then
 * delivers a single RELOADED (at the highest revision dropped or delivered) that stands for everything
 * dropped: "the pool changed in ways not reported one by one; read it again" (nodes(), abTests()), the
 * same event a full resynchronisation ends with. Events after it are delivered one by one again. So the
 * order holds: what a listener sees is the queued events, RELOADED, then the new ones.
 *
 * Logging: WARN when an overflow starts, at most once a minute (with the count dropped since the last
 * WARN); DEBUG otherwise. Nothing per event.
 */
/** Calls pool listeners on one thread, in order, with a bounded queue. Thread-safe. */
public final class PoolEventDispatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PoolEventDispatcher.class);
  /** Events allowed to wait for slow listeners. */
  public static final int MAX_QUEUED = 10_000;
  private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final String poolName;
  private final Iterable<PoolListener> listeners;
  private final int maxQueued;
  private final ExecutorService thread;
  private final ArrayDeque<PoolEvent> queue = new ArrayDeque<>(); // under this
  private boolean running; // under this: a drain task is submitted or running
  private boolean overflowed; // under this
  private long droppedRevision; // under this
  private long lastRevision; // under this: the highest revision handed to the listeners
  private long droppedSinceWarn; // under this
  private long lastWarnNanos; // under this
  private boolean warnedOnce; // under this

  /**
   * Creates the dispatcher and its thread.
   *
   * @param poolName the pool's name, for the log
   * @param listeners the listeners, read at each event (a concurrent collection)
   * @param maxQueued the most events waiting
   * @param threads makes the event thread
   * @throws IllegalArgumentException if {@code maxQueued} is below 1
   */
  public PoolEventDispatcher(String poolName, Iterable<PoolListener> listeners, int maxQueued, ThreadFactory threads) {
    if (maxQueued < 1) {
      throw new IllegalArgumentException("maxQueued must be >= 1, was " + maxQueued);
    }
    this.poolName = Objects.requireNonNull(poolName, "poolName");
    this.listeners = Objects.requireNonNull(listeners, "listeners");
    this.maxQueued = maxQueued;
    this.thread = Executors.newSingleThreadExecutor(threads);
  }

  /**
   * Queues an event for the listeners, or drops it while the queue is full (see the class comment).
   *
   * @param e the event
   */
  public void dispatch(PoolEvent e) {
    synchronized (this) {
      if (overflowed || queue.size() >= maxQueued) {
        drop(e);
        return;
      }
      queue.addLast(e);
      if (running) {
        return;
      }
      running = true;
    }
    try {
      thread.execute(this::drain);
    } catch (RejectedExecutionException closing) {
      synchronized (this) {
        running = false;
        queue.clear();
      }
    }
  }

  /** Under this. */
  private void drop(PoolEvent e) {
    droppedRevision = Math.max(droppedRevision, e.revision());
    droppedSinceWarn++;
    if (!overflowed) {
      overflowed = true;
      long now = System.nanoTime();
      if (!warnedOnce || now - lastWarnNanos >= WARN_EVERY_NANOS) {
        warnedOnce = true;
        lastWarnNanos = now;
        LOG.warn("pool '{}': listeners are slow: {} events wait (the bound); dropping events until they catch"
            + " up, then one RELOADED stands for them ({} dropped since the last such warning)", poolName,
            maxQueued, droppedSinceWarn);
        droppedSinceWarn = 0;
      } else {
        LOG.debug("pool '{}': listeners are slow again; dropping events until they catch up", poolName);
      }
    }
  }

  private void drain() {
    while (true) {
      PoolEvent e;
      synchronized (this) {
        e = queue.pollFirst();
        if (e == null) {
          if (!overflowed) {
            running = false;
            return;
          }
          overflowed = false;
          e = PoolEvents.reloaded(Math.max(droppedRevision, lastRevision));
          droppedRevision = 0;
        }
        lastRevision = Math.max(lastRevision, e.revision());
      }
      deliver(e);
    }
  }

  private void deliver(PoolEvent e) {
    for (PoolListener l : listeners) {
      try {
        l.onEvent(e);
      } catch (RuntimeException ex) {
        LOG.warn("pool '{}': a listener threw on {}; ignored", poolName, e, ex);
      }
    }
  }

  /**
   * Returns the events waiting now.
   *
   * @return the count
   */
  synchronized int queued() {
    return queue.size();
  }

  /** Lets the listeners finish what is queued for at most a second, then stops the thread. */
  @Override
  public void close() {
    thread.shutdown();
    try {
      if (!thread.awaitTermination(1, TimeUnit.SECONDS)) {
        thread.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      thread.shutdownNow();
    }
  }
}
