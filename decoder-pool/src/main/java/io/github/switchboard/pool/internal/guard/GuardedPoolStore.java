package io.github.switchboard.pool.internal.guard;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.core.BackendListener;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.TimeSource;
import io.github.switchboard.core.internal.FailoverGuard;
import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.pool.PoolEvent;
import io.github.switchboard.pool.PoolFormatException;
import io.github.switchboard.pool.PoolWriteQueueFullException;
import io.github.switchboard.pool.internal.events.PoolEvents;
import io.github.switchboard.pool.internal.events.SnapshotDiff;
import io.github.switchboard.pool.internal.file.PoolJournal;
import io.github.switchboard.pool.internal.redis.RedisPoolStore;
import io.github.switchboard.pool.internal.redis.RedisPoolWrites;
import io.github.switchboard.pool.internal.redis.RedisTombstonePruner;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import io.github.switchboard.pool.internal.store.AbstractPoolStore;
import io.github.switchboard.pool.internal.store.PoolChange;
import io.github.switchboard.pool.internal.store.PoolStore;
import io.github.switchboard.pool.internal.store.PoolStoreSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Redis as the primary store, behind core's FailoverGuard, with the file (or memory) store as mirror and
 * fallback.
 *
 * Two modes:
 * - REDIS: writes go to RedisPoolStore through the guard; reads and events come from its snapshot. Every
 *   configuration change is mirrored to the file (PoolFileMirror: coalesced, on the worker thread, best effort; runtime
 *   state is not mirrored, the file store keeps it in its own runtime file).
 * - FALLBACK: entered when the guard answers a call from the fallback (a failed call or an open breaker),
 *   when the breaker opens, or at start while Redis cannot be read. On entry the last Redis snapshot
 *   (configuration and heartbeats) is copied into the fallback, so reads continue from it (into a file,
 *   only if the file holds nothing newer: PoolFileSync); then writes go to the fallback store and to the
 *   journal (PoolJournal), and reads and events come from the fallback (which also shows changes another
 *   process makes to the file).
 *
 * Back to REDIS (recovery, on the worker thread): when the breaker closes again, or a probe through the
 * guard succeeds (every 250 ms while in FALLBACK), the Redis snapshot is read again (if Redis lost the
 * pool, RedisPoolStore seeds it from the fallback, which holds the last snapshot plus the outage's
 * changes), the journal is replayed (only entries newer than what Redis holds are applied; see
 * pool_apply.lua), and the mode flips. The worker thread runs every fallback write, the mirror, the flips
 * and the recovery, so no journal entry can be appended while a replay runs and the mirror never writes
 * over changes made during an outage.
 *
 * A coordinator that starts while Redis is down starts in FALLBACK from the file and moves to Redis when
 * it comes up (replaying then the journals that stopped coordinators left next to the file); the
 * connection keeps trying in the background.
 *
 * Writes to Redis: at most 32 in flight and 10,000 waiting (InFlightLimit; one more fails at once with
 * PoolWriteQueueFullException, nothing stored, so a caller faster than Redis cannot grow memory); the guard
 * times only the Redis round trip (send), not
 * the wait until the local snapshot shows the change (confirm), so a burst of writes or a busy event thread
 * is not taken for a failing Redis. A write that Redis applied but this instance cannot confirm, or that
 * completes after a flip to FALLBACK, is also applied to the fallback and journaled (its replay is then
 * skipped as not newer). A fallback write queued behind a recovery goes to Redis instead (redisEpoch).
 *
 * Journals: one per instance (PoolJournal: <file>.journal.<pid>-<random>, locked by its owner), so two
 * coordinators sharing one pool file never write each other's journal. Recovery replays this instance's
 * journal and adopts, replays and deletes the journals whose owner stopped (lock free); a running owner
 * replays its own when it sees Redis. With Redis restarted empty, the first coordinator back seeds the pool
 * from the file (which holds both coordinators' changes) and the others' replays add what it missed.
 *
 * Limits: the fallback of one process is not seen by other coordinators until Redis is back. Tombstones (the "updated" hash) are kept for a removed
 * node or A/B test for 7 days (RedisTombstonePruner, one bounded step per lease the elected sweeper wins),
 * so that a late journal cannot bring a removed item back; journal entries older than that are not
 * replayed.
 *
 * Revisions: each backend counts on its own. The pool sees one increasing sequence: every revision is
 * shifted by an offset chosen at each flip (and raised if a backend's revision goes back), so neither a
 * flip nor a failover that lost writes makes it go back.
 *
 * Logging: a flip (Redis lost, Redis back with the journal's counts), a mirror that starts or stops
 * failing; nothing per request.
 */
/** Redis behind a circuit breaker, with a file or memory store as mirror and fallback. Thread-safe. */
public final class GuardedPoolStore extends AbstractPoolStore {
  private static final Logger LOG = LoggerFactory.getLogger(GuardedPoolStore.class);
  private static final long PROBE_MILLIS = 250;
  private static final long IDLE_CHECK_MILLIS = 1000;
  private static final int MAX_IN_FLIGHT = 32;
  /** Writes allowed to wait behind the MAX_IN_FLIGHT ones; one more fails with PoolWriteQueueFullException. */
  static final int MAX_QUEUED_WRITES = 10_000;

  private final String poolName;
  private final RedisConnection connection;
  private final RedisPoolStore redis;
  private final Fallback fallbackKind;
  private final PoolStore fallback;
  private final PoolJournal journal;
  private final FailoverGuard guard;
  private final ScheduledThreadPoolExecutor worker;
  private final Duration waitBound;
  private final List<BackendListener> backendListeners = new CopyOnWriteArrayList<>();
  private final @Nullable PoolFileMirror mirror;
  private final Object emitLock = new Object();
  private final InFlightLimit limiter;
  private final RedisTombstonePruner pruner;

  private volatile GuardState state = GuardState.FALLBACK; // changed only by move()
  private volatile long redisEpoch; // counts the moves to REDIS
  private long offset; // under emitLock
  private long lastIdleCheck; // on worker
  private volatile String lastRecoverError = "no answer in time";

  /**
   * Opens the Redis connection of a configuration and starts the store over it and a fallback: waits a
   * bounded time for Redis; if it cannot be read, starts from the fallback and moves to Redis later.
   *
   * @param config the store configuration (must name a Redis)
   * @param fallback the memory or file store; owned (closed) by this store
   * @return the started store
   * @throws IllegalArgumentException if the configuration names no Redis
   */
  public static GuardedPoolStore open(PoolStoreSettings config, Fallback fallback) {
    GuardedPoolStore g = new GuardedPoolStore(config.poolName(), config.openRedis(), fallback,
        config.file() == null ? null : PoolJournal.siblingOf(config.file()),
        config.timeSource(),
        config.circuitBreakerConfig() != null
            ? config.circuitBreakerConfig()
            : FailoverGuard.defaultConfig(config.redisOptions().commandTimeout()),
        config.circuitBreakerRegistry(), Duration.ofSeconds(1));
    try {
      g.start();
    } catch (RuntimeException e) {
      g.close();
      throw e;
    }
    return g;
  }

  /**
   * Builds the store over a connection; {@link #start()} starts it.
   *
   * @param poolName the pool's name
   * @param connection the connection; closed by {@link #close()} (which leaves a user's connection open)
   * @param fallback the memory or file store; owned
   * @param journalFile where the journal is kept, or null for memory only
   * @param time the clock
   * @param breaker the circuit breaker's configuration
   * @param registry where to create the breaker ({@code "switchboard-" + poolName}), or null for none
   * @param checkInterval how often the Redis store compares revisions while pub/sub is up
   */
  GuardedPoolStore(String poolName, RedisConnection connection, Fallback fallback, @Nullable Path journalFile,
      TimeSource time, CircuitBreakerConfig breaker, @Nullable CircuitBreakerRegistry registry,
      Duration checkInterval) {
    super(fallback.store().snapshot());
    this.poolName = Objects.requireNonNull(poolName, "poolName");
    this.limiter = new InFlightLimit(MAX_IN_FLIGHT, MAX_QUEUED_WRITES,
        () -> new PoolWriteQueueFullException(poolName, MAX_QUEUED_WRITES));
    this.connection = connection;
    this.fallbackKind = fallback;
    this.fallback = fallback.store();
    RedisPoolStore r = null;
    try {
      r = new RedisPoolStore(poolName, connection, true, time, checkInterval);
      this.journal = new PoolJournal(journalFile);
    } catch (RuntimeException e) {
      if (r != null) {
        r.close();
      } else {
        connection.close();
      }
      this.fallback.close();
      throw e;
    }
    this.redis = r;
    this.pruner = new RedisTombstonePruner(poolName, connection, RedisTombstonePruner.RETENTION,
        RedisTombstonePruner.PASS_PAUSE, RedisTombstonePruner.STEP_COUNT);
    Duration cmd = connection.options().commandTimeout();
    this.waitBound = Duration.ofMillis(Math.max(2000, 8 * cmd.toMillis()));
    this.guard = new FailoverGuard(poolName, breaker, cmd, registry); // the breaker: "switchboard-" + poolName
    this.worker = new ScheduledThreadPoolExecutor(1, t -> { // its thread starts with the first task (start())
      Thread th = new Thread(t, "switchboard-pool-guard-" + poolName);
      th.setDaemon(true);
      return th;
    });
    worker.setRemoveOnCancelPolicy(true);
    worker.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.mirror = fallback.attach(poolName, journal, redis::epoch, redis::snapshot,
        () -> state == GuardState.REDIS, worker, waitBound);
  }

  /** Starts listening, Redis's store and the probe; waits a bounded time for the first move to Redis. */
  void start() {
    redis.setSeedSource(this::seedSource);
    redis.setListener(this::fromRedis);
    redis.setRefreshListener(this::fromRedisRefresh);
    fallback.setListener(this::fromFallback);
    guard.addListener((n, from, to) -> onGuardTransition(to));
    redis.start();
    // probe() does not throw (the guard answers a failed ping with its fallback): it repeats until close()
    var unused = worker.scheduleWithFixedDelay(this::probe, PROBE_MILLIS, PROBE_MILLIS, TimeUnit.MILLISECONDS);

    Future<?> first = worker.submit(() -> recover("start"));
    try {
      first.get(waitBound.toMillis() + connection.options().connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // stays in FALLBACK; the probe retries
    }
    if (state.onFallback()) {
      LOG.warn("pool '{}': Redis ({}) is not usable at start ({}); using the {} ({} nodes) and moving to Redis"
              + " when it is", poolName, connection, lastRecoverError, fallbackKind.describe(),
          snapshot.nodes().size());
    }
  }

  /** The one place the state changes: false (and nothing changed) if the move is not allowed from here. */
  private boolean move(GuardState to) {
    synchronized (emitLock) {
      if (!state.canMoveTo(to)) {
        return false;
      }
      state = to;
      return true;
    }
  }

  private PoolSnapshot seedSource() {
    return state.onRedis() ? redis.snapshot() : fallbackKind.seed();
  }

  // ------------------------------------------------------------------------------------------------- reads

  @Override
  public BackendState backendState() {
    if (state.onRedis()) {
      return BackendState.PRIMARY;
    }
    return guard.state() == BackendState.PROBING ? BackendState.PROBING : BackendState.FALLBACK;
  }

  @Override
  public void addBackendListener(BackendListener l) {
    backendListeners.add(Objects.requireNonNull(l, "listener"));
  }

  /**
   * Returns how many changes wait in the journal for Redis.
   *
   * @return the count
   */
  public int journalSize() {
    return journal.size();
  }

  // ------------------------------------------------------------------------------------------------ writes

  /** One write on its way: the change, and the store that owns it (for the guard's static callbacks). */
  private record Op(GuardedPoolStore owner, PoolChange change) {}

  @Override
  public CompletionStage<Boolean> write(PoolChange change) {
    return write(new Op(this, change));
  }

  private CompletionStage<Boolean> write(Op op) {
    if (state == GuardState.CLOSED) {
      return CompletableFuture.failedFuture(new IllegalStateException("pool '" + poolName + "' is closed"));
    }
    if (state.onRedis()) {
      return limiter.run(() -> guarded(op)).thenCompose(Function.identity());
    }
    return viaFallback(op, redisEpoch);
  }

  /** Run by the limiter: the Redis call, through the guard (which times only the Redis round trip). */
  private CompletionStage<CompletionStage<Boolean>> guarded(Op op) {
    if (!state.onRedis()) {
      return CompletableFuture.completedFuture(viaFallback(op, redisEpoch));
    }
    return guard.execute(op, GuardedPoolStore::primary, GuardedPoolStore::secondary);
  }

  private static CompletionStage<CompletionStage<Boolean>> primary(Op op) {
    GuardedPoolStore g = op.owner;
    return g.redis.send(new PoolJournal.Entry(g.redis.nextStamp(), op.change())).thenApply(a -> g.confirm(op, a));
  }

  private static CompletionStage<Boolean> secondary(Op op) {
    return op.owner.viaFallback(op, op.owner.redisEpoch);
  }

  /** After Redis applied a change: waits until the snapshot shows it (outside the guard's timing). */
  private CompletionStage<Boolean> confirm(Op op, RedisPoolWrites.Applied applied) {
    return redis.confirm(applied).handle((value, err) -> {
      if (err != null) {
        // Redis has the change but this instance could not read it back: answer from the fallback, which
        // journals it too (its replay is skipped as not newer)
        return viaFallback(op, redisEpoch);
      }
      if (state.onRedis()) {
        return CompletableFuture.completedFuture(value);
      }
      // A flip to FALLBACK while the call was in flight: the fallback answers reads now and must show the
      // change too; it is already in Redis, where its journal entry will be skipped as not newer.
      return viaFallback(op, redisEpoch).thenApply(ignored -> value);
    }).thenCompose(Function.identity());
  }

  /**
   * Runs a write on the fallback (on the worker) and journals it.
   *
   * @param op the write
   * @param epoch {@link #redisEpoch} when the caller decided to use the fallback: if Redis came back since
   *     (the write waited behind a recovery), the write goes to Redis instead of flipping back
   */
  private CompletionStage<Boolean> viaFallback(Op op, long epoch) {
    CompletableFuture<Boolean> f = new CompletableFuture<>();
    try {
      worker.execute(() -> {
        try {
          if (state.onRedis()) {
            if (redisEpoch != epoch) {
              write(op).whenComplete((v, e) -> {
                if (e != null) {
                  f.completeExceptionally(RedisConnection.unwrap(e));
                } else {
                  f.complete(v);
                }
              });
              return;
            }
            enterFallback("a call failed or the breaker is open");
          }
          long ts = redis.nextStamp();
          boolean result = Boolean.TRUE.equals(await(fallback.write(op.change())));
          PoolChange journaled = op.change().journaled(result, fallback.snapshot());
          if (journaled != null) {
            try {
              journal.append(new PoolJournal.Entry(ts, journaled));
            } catch (RuntimeException ex) {
              LOG.warn("pool '{}': {}; the change is kept in memory only", poolName, ex.getMessage());
            }
          }
          f.complete(result);
        } catch (Throwable t) {
          f.completeExceptionally(RedisConnection.unwrap(t));
        }
      });
    } catch (RejectedExecutionException e) {
      f.completeExceptionally(new IllegalStateException("pool '" + poolName + "' is closed"));
    }
    return f;
  }

  private <T> T await(CompletionStage<T> stage) throws Exception {
    try {
      return stage.toCompletableFuture().get(waitBound.toMillis() * 4, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = RedisConnection.unwrap(e);
      if (c instanceof Exception ex) {
        throw ex;
      }
      throw e;
    }
  }

  @Override
  public CompletionStage<Boolean> tryLead(String ownerId, Duration ttl, long nowMicros) {
    if (state.onRedis()) {
      return guard.execute(this,
          g -> g.redis.tryLead(ownerId, ttl, nowMicros).thenApply(CompletableFuture::completedFuture),
          g -> g.fallback.tryLead(ownerId, ttl, nowMicros)).thenCompose(Function.identity())
          .thenApply(this::pruneWhileLeading);
    }
    return fallback.tryLead(ownerId, ttl, nowMicros);
  }

  /** The elected sweeper prunes too: one bounded step of tombstone pruning per lease won in REDIS mode. */
  private boolean pruneWhileLeading(boolean lead) {
    if (lead && state.onRedis()) {
      pruner.step().exceptionally(e -> 0L);
    }
    return lead;
  }

  @Override
  public CompletionStage<Void> reload() {
    if (state.onRedis()) {
      return redis.reload().handle((v, err) -> {
        if (err == null) {
          return CompletableFuture.<Void>completedFuture(null);
        }
        Throwable c = RedisConnection.unwrap(err);
        if (c instanceof PoolFormatException) {
          return CompletableFuture.<Void>failedFuture(c);
        }
        return reloadFallback();
      }).thenCompose(Function.identity());
    }
    submit(() -> recover("reload"));
    return reloadFallback();
  }

  private CompletionStage<Void> reloadFallback() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    if (!submit(() -> {
      if (state.onRedis()) {
        enterFallback("reading the pool from Redis failed");
      }
      fallback.reload().whenComplete((v, e) -> {
        if (e != null) {
          f.completeExceptionally(RedisConnection.unwrap(e));
        } else {
          f.complete(null);
        }
      });
    })) {
      f.completeExceptionally(new IllegalStateException("pool '" + poolName + "' is closed"));
    }
    return f;
  }

  // ------------------------------------------------------------------------------------------------ events

  private void fromRedis(PoolEvent e) {
    synchronized (emitLock) {
      if (state != GuardState.REDIS) {
        return;
      }
      forward(e, redis.snapshot());
    }
    if (e.type() != PoolEvent.Type.HEARTBEAT) {
      scheduleMirror();
    }
  }

  @Override
  public void staleAfter(Duration staleAfter) {
    redis.staleAfter(staleAfter);
  }

  /** Loads and heartbeat times the Redis store pulled (no event): shown at once, not mirrored each time. */
  private void fromRedisRefresh() {
    synchronized (emitLock) {
      if (state == GuardState.REDIS) {
        PoolSnapshot source = redis.snapshot();
        snapshot = offset == 0 ? source : source.withRevision(source.revision() + offset);
      }
    }
  }

  private void fromFallback(PoolEvent e) {
    synchronized (emitLock) {
      if (!state.onFallback()) {
        return;
      }
      forward(e, fallback.snapshot());
    }
  }

  /** Under emitLock: shows a backend's snapshot and passes its event on, with the revisions shifted. */
  private void forward(PoolEvent e, PoolSnapshot source) {
    long src = source.revision();
    long floor = snapshot.revision();
    if (src + offset < floor) {
      offset = floor - src;
    }
    snapshot = offset == 0 ? source : source.withRevision(src + offset);
    emit(e.revision() == 0 || offset == 0 ? e : PoolEvents.withRevision(e, e.revision() + offset));
  }

  /** Under emitLock: moves to target and makes its backend's snapshot the visible one, reporting the differences. */
  private void show(GuardState target, PoolSnapshot source) {
    if (!move(target)) {
      return; // closed meanwhile
    }
    PoolSnapshot before = snapshot;
    long src = source.revision();
    offset = Math.max(0, before.revision() + 1 - src);
    PoolSnapshot after = offset == 0 ? source : source.withRevision(src + offset);
    snapshot = after;
    for (PoolEvent e : SnapshotDiff.events(before, after)) {
      emit(e);
    }
    emit(PoolEvents.reloaded(after.revision()));
  }

  private void notifyBackend(BackendState from, BackendState to) {
    for (BackendListener l : backendListeners) {
      try {
        l.onTransition(poolName, from, to);
      } catch (RuntimeException e) {
        LOG.warn("pool '{}': a backend listener threw; ignored", poolName, e);
      }
    }
  }

  // ------------------------------------------------------------------------------------- switching backends

  /** On the worker: moves to the fallback, first making it equal to the last Redis snapshot. */
  private void enterFallback(String why) {
    if (!move(GuardState.LEAVING_REDIS)) {
      return; // not on Redis, or closed
    }
    PoolSnapshot last = redis.snapshot();
    try {
      if (redis.isLoaded()) {
        fallbackKind.copyIn(last, this::await);
      }
    } catch (Exception e) {
      LOG.warn("pool '{}': could not copy the last Redis snapshot into the {} ({}); it answers with what it has",
          poolName, fallbackKind.describe(), RedisConnection.unwrap(e).toString());
    }
    synchronized (emitLock) {
      show(GuardState.FALLBACK, fallback.snapshot());
    }
    LOG.warn("pool '{}': Redis ({}) is unavailable ({}); reads use the last snapshot ({} nodes), writes go to"
            + " the {} and to the journal until Redis is back", poolName, connection, why, last.nodes().size(),
        fallbackKind.describe());
    notifyBackend(BackendState.PRIMARY, BackendState.FALLBACK);
  }

  /** On the worker: moves to Redis if it answers: reads it (seeding it if needed), replays the journal. */
  private void recover(String why) {
    if (!move(GuardState.RECOVERING)) {
      return; // on Redis, recovering already, or closed
    }
    PoolJournal.Orphans orphans = null;
    try {
      try {
        await(redis.reload());
      } catch (PoolFormatException e) {
        // Redis answered; a malformed value was reported and its last good copy kept
      }
      // this instance's journal, and those of stopped coordinators of the same pool file
      orphans = journal.orphans();
      List<PoolJournal.Entry> entries = new ArrayList<>(journal.compacted());
      entries.addAll(orphans.entries());
      entries.sort(Comparator.comparingLong(PoolJournal.Entry::ts));
      int raw = journal.size();
      RedisPoolWrites.ReplayCounts counts = null;
      if (!entries.isEmpty()) {
        entries = await(pruner.replayable(entries));
      }
      if (!entries.isEmpty()) {
        counts = await(redis.replay(entries));
      }
      journal.dropFirst(raw);
      orphans.replayed();
      boolean start = "start".equals(why);
      synchronized (emitLock) {
        redisEpoch++;
        show(GuardState.REDIS, redis.snapshot());
      }
      if (counts != null) {
        LOG.info("pool '{}': journal replayed into Redis: {} change(s) applied, {} skipped (Redis held newer"
                + " data), {} without effect", poolName, counts.applied(), counts.skippedNewer(), counts.noop());
      }
      if (start) {
        LOG.info("pool '{}': using Redis ({}), {} nodes", poolName, connection, snapshot.nodes().size());
      } else {
        LOG.info("pool '{}': Redis ({}) is back; using it again ({} nodes)", poolName, connection,
            snapshot.nodes().size());
        notifyBackend(BackendState.FALLBACK, BackendState.PRIMARY);
      }
      scheduleMirror();
    } catch (Exception e) {
      Throwable c = RedisConnection.unwrap(e);
      lastRecoverError = c.getMessage() == null ? c.toString() : c.getMessage();
      LOG.debug("pool '{}': Redis not usable yet ({})", poolName, c.toString());
    } finally {
      if (orphans != null) {
        orphans.close(); // after replayed(): nothing left to release; else they wait for the next recovery
      }
      move(GuardState.FALLBACK); // if still RECOVERING (it failed)
    }
  }

  private void onGuardTransition(BackendState to) {
    if (to == BackendState.FALLBACK) {
      submit(() -> enterFallback("the circuit breaker opened"));
    } else if (to == BackendState.PRIMARY) {
      submit(() -> recover("breaker closed"));
    }
  }

  /** On the worker, periodically: probes Redis in FALLBACK; in REDIS, notices an outage of an idle pool. */
  private void probe() {
    GuardState s = state;
    if (s == GuardState.CLOSED || s == GuardState.RECOVERING) {
      return;
    }
    if (s == GuardState.FALLBACK) {
      guard.execute(this, GuardedPoolStore::ping, g -> Boolean.FALSE).thenAccept(ok -> {
        if (ok && guard.state() == BackendState.PRIMARY) {
          submit(() -> recover("probe"));
        }
      });
      return;
    }
    long now = System.nanoTime();
    if (!redis.isSubscribed() && connection.supportsPubSub()
        && now - lastIdleCheck > TimeUnit.MILLISECONDS.toNanos(IDLE_CHECK_MILLIS)) {
      lastIdleCheck = now;
      guard.execute(this, GuardedPoolStore::ping, GuardedPoolStore::pingFailed);
    }
  }

  private static CompletionStage<Boolean> ping(GuardedPoolStore g) {
    return g.redis.ping().thenApply(v -> Boolean.TRUE);
  }

  private static Boolean pingFailed(GuardedPoolStore g) {
    g.submit(() -> g.enterFallback("Redis does not answer"));
    return Boolean.FALSE;
  }

  private void scheduleMirror() {
    PoolFileMirror m = mirror;
    if (m != null && state != GuardState.CLOSED) {
      m.schedule();
    }
  }

  private boolean submit(Runnable r) {
    if (state == GuardState.CLOSED) {
      return false;
    }
    try {
      worker.execute(() -> {
        try {
          r.run();
        } catch (RuntimeException e) {
          LOG.warn("pool '{}': internal error in the guarded store", poolName, e);
        }
      });
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  @Override
  public void close() {
    GuardState s = state;
    if (s == GuardState.CLOSED) {
      return;
    }
    PoolFileMirror m = mirror;
    if (s == GuardState.REDIS && m != null) {
      m.flush(); // so that the file is current for a restart while Redis is down
    }
    synchronized (emitLock) {
      state = GuardState.CLOSED; // from any state
    }
    worker.shutdownNow();
    try {
      redis.close();
    } finally {
      try {
        fallback.close();
      } finally {
        journal.close();
      }
    }
  }

  @Override
  public String toString() {
    return "GuardedPoolStore[" + poolName + ", " + state + ", " + snapshot + ", journal " + journal.size() + "]";
  }
}
