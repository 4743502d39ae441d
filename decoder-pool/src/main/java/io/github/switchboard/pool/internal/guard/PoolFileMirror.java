package io.github.switchboard.pool.internal.guard;

import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.pool.internal.file.FilePoolStore;
import io.github.switchboard.pool.internal.file.PoolFileSync;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The guarded store's mirror of Redis's configuration into the pool file: coalesced (one write per
 * DELAY_MILLIS however many changes) and paced by its own cost (a write of the whole file is O(n): the
 * next starts no sooner than DUTY times the last one's duration after it ended, at most MAX_GAP_MILLIS, so
 * mirroring takes at most about a fifth of a core whatever the pool's size; with 10,000 nodes and a
 * registration storm it took most of a core per coordinator and held the API to 600-900 registrations a
 * second), on the guarded store's worker thread (so it never writes over
 * changes made during an outage: the worker also runs the flips), through PoolFileSync (so it never writes
 * over newer content another coordinator put in a shared file), best effort (a failure is logged when it
 * starts and when it stops, and retried on the next change). Runtime state is not mirrored: the file store
 * keeps it in its own runtime file. Logs under GuardedPoolStore's logger.
 */
/** Writes Redis's configuration to the pool file when it differs, coalesced, on the guarded store's worker. */
final class PoolFileMirror {
  private static final Logger LOG = LoggerFactory.getLogger(GuardedPoolStore.class);
  private static final long DELAY_MILLIS = 50;
  /** The gap after a write, as a multiple of the write's duration: 4 keeps mirroring near 20 % of a core. */
  private static final long DUTY = 4;
  /** The longest gap between two writes: how far the file may fall behind Redis during a storm. */
  private static final long MAX_GAP_MILLIS = 2_000;

  private final String poolName;
  private final PoolFileSync sync;
  private final Supplier<PoolSnapshot> source;
  private final BooleanSupplier active;
  private final ScheduledExecutorService worker;
  private final Duration waitBound;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private boolean failing; // on the worker
  private volatile long notBeforeNanos = System.nanoTime(); // the next write's earliest start (pacing)

  /**
   * Creates the mirror.
   *
   * @param poolName the pool's name
   * @param sync the copier into the pool file (which never writes over newer content: PoolFileSync)
   * @param source Redis's snapshot
   * @param active whether to mirror now (the guarded store is on Redis and open)
   * @param worker the guarded store's worker
   * @param waitBound how long one write may take
   */
  PoolFileMirror(String poolName, PoolFileSync sync, Supplier<PoolSnapshot> source, BooleanSupplier active,
      ScheduledExecutorService worker, Duration waitBound) {
    this.poolName = Objects.requireNonNull(poolName, "poolName");
    this.sync = Objects.requireNonNull(sync, "sync");
    this.source = Objects.requireNonNull(source, "source");
    this.active = Objects.requireNonNull(active, "active");
    this.worker = Objects.requireNonNull(worker, "worker");
    this.waitBound = Objects.requireNonNull(waitBound, "waitBound");
  }

  /** Mirrors soon (once for every call until it runs). */
  void schedule() {
    if (!scheduled.compareAndSet(false, true)) {
      return;
    }
    long delay = Math.max(TimeUnit.MILLISECONDS.toNanos(DELAY_MILLIS), notBeforeNanos - System.nanoTime());
    try {
      var unused = worker.schedule(this::run, delay, TimeUnit.NANOSECONDS); // run() logs its failures
    } catch (RejectedExecutionException e) {
      scheduled.set(false);
    }
  }

  /** Mirrors now and waits for it (at close, so that the file is current for a restart while Redis is down). */
  void flush() {
    try {
      Future<?> f = worker.submit(this::run);
      f.get(waitBound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
      LOG.debug("pool '{}': last mirror failed", poolName, e);
    }
  }

  /** On the worker: writes Redis's configuration to the file if it differs. */
  private void run() {
    scheduled.set(false);
    if (!active.getAsBoolean()) {
      return;
    }
    PoolSnapshot s = source.get();
    FilePoolStore file = sync.file();
    long start = System.nanoTime();
    try {
      sync.copy(s).toCompletableFuture()
          .get(waitBound.toMillis() * 4, TimeUnit.MILLISECONDS);
      long end = System.nanoTime();
      notBeforeNanos = end + Math.min(DUTY * (end - start), TimeUnit.MILLISECONDS.toNanos(MAX_GAP_MILLIS));
      if (failing) {
        failing = false;
        LOG.info("pool '{}': mirroring Redis to {} again", poolName, file.file());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      if (!failing) {
        failing = true;
        LOG.warn("pool '{}': cannot mirror Redis to {} ({}); will retry on the next change", poolName, file.file(),
            RedisConnection.unwrap(e).toString());
      }
    }
  }
}
