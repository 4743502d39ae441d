package io.github.switchboard.pool.internal;

import io.github.switchboard.core.TimeSource;
import io.github.switchboard.core.internal.LuaScript;
import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.core.internal.RedisUnavailableException;
import io.github.switchboard.pool.PoolEvent;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * A pool kept in Redis, shared in real time by every coordinator that uses the same pool name.
 *
 * Layout (every key carries the hash tag {NAME}, so one pool lives in one Cluster slot):
 *   switchboard:pool:{NAME}:nodes       hash node_id -> node JSON (PoolCodec.writeStoredNode)
 *   switchboard:pool:{NAME}:state       hash node_id -> runtime JSON (PoolCodec.writeRuntime)
 *   switchboard:pool:{NAME}:abtests     hash name -> A/B test JSON
 *   switchboard:pool:{NAME}:rev         the revision; missing means Redis does not have the pool
 *   switchboard:pool:{NAME}:epoch       the revision the pool was seeded with (see "Lost data")
 *   switchboard:pool:{NAME}:updated     hash n:<id> / a:<name> -> microseconds of the last change
 *   switchboard:pool:{NAME}:heartbeats  sorted set node_id -> last heartbeat (microseconds of Redis TIME)
 *   switchboard:pool:{NAME}:settings    hash stale_after -> microseconds (the shortest staleAfter of the
 *                                       coordinators: when a heartbeat is published); c:<instance> -> a
 *                                       coordinator's own staleAfter and when it last renewed it
 *   switchboard:pool:{NAME}:sweeper     the sweeper's lease
 *   switchboard:pool:{NAME}:events      the pub/sub channel of changes
 *
 * Writes: every change is one call of pool_apply.lua, which applies it to its own hash field (so writers
 * never overwrite each other's nodes), bumps the revision and PUBLISHes the change with its new revision.
 * The script also returns the messages it published, so the writer can apply its own change without
 * waiting for the round trip through pub/sub.
 *
 * Heartbeats (see "Heartbeats at fleet scale" in the README): pool_apply.lua stamps a heartbeat with Redis
 * TIME and publishes it only if the node had none yet or comes back from stale (its last one at least
 * stale_after old); otherwise it only refreshes the state hash and the heartbeats set. Every PULL_MILLIS
 * this store pulls the heartbeats recorded since its last pull (pool_pull.lua, in pages of 1,024: a ZRANGE
 * BYSCORE LIMIT of the heartbeats set and an HMGET of their runtime states, each page applied as one batch
 * before the next is asked for) and applies them to the snapshot without an event per node. Times: the
 * snapshot keeps heartbeat times on this store's clock (the pool's TimeSource),
 * so the pool judges liveness as on any other store; a heartbeat's Redis time becomes a local one with the
 * offset between the two clocks (Redis TIME from each pull and each own heartbeat, against the middle of
 * the round trip), once, when it is first seen; an eviction is sent as a compare-and-delete on the Redis
 * time this store saw last (redisThreshold), so a heartbeat Redis recorded since saves the node. Comparing
 * a local heartbeat time with the local clock is comparing the Redis time with the estimate of Redis's
 * clock: a coordinator whose clock is off by minutes judges the same as one on time.
 *
 * Pub/sub: plain PUBLISH (inside the script) and SUBSCRIBE on every topology. On a Cluster, Redis 7
 * forwards a PUBLISH to every node over the cluster bus, and Lettuce's cluster pub/sub connection
 * (RedisClusterClient.connectPubSub) subscribes on one node; this works with Lettuce 7.7 and the harness's
 * Cluster (ClusterPropagationTest). Sharded pub/sub (SPUBLISH/SSUBSCRIBE) would send fewer messages over
 * the bus, but needs a subscription on the node that owns the channel's slot, followed across slot
 * migrations; for the few changes per second a pool sees, the broadcast costs nothing that matters, and
 * one code path serves standalone, Sentinel and Cluster alike. If the node a Cluster subscription sits on
 * fails, the periodic revision check still finds the changes (within about two check intervals).
 *
 * Concurrency: one thread ("switchboard-pool-redis-NAME") owns the local snapshot. Messages from pub/sub,
 * the writer's own results and full reads (resynchronisations) are all handed to it; it applies changes
 * strictly in revision order (rev == local + 1), buffers those that arrive early, ignores those already
 * seen, and calls the listener after each change, one call at a time. A writer's stage completes when the
 * local revision reaches the revision its change got, so the caller reads its own write.
 *
 * Resynchronisation (pages of one script each, read as of the first page's revision: RedisPoolPages):
 * at start, whenever the pub/sub subscription is (re)established (after a reconnect nothing published
 * meanwhile is delivered), on a gap in the pub/sub stream (the stream is ordered, so a gap means messages
 * were lost), when an own change does not show up in order in time, and when a periodic check of the
 * revision finds it different from the local one for two checks in a row. A connection handed in by the
 * user cannot open pub/sub; the store then polls the revision every 100 ms instead.
 *
 * Lost data: the revision key exists as long as Redis has the pool. If it is missing (a restart without
 * persistence, a FLUSHALL, or a pool never stored), pool_apply.lua refuses every change and the read
 * reports it; the store then seeds Redis from the seed source (by default its own last snapshot; the
 * guarded store passes its fallback's), with pool_seed.lua, which writes only if the key is still missing,
 * so of several coordinators only the first seeds. An empty Redis is thus never taken for an empty pool.
 * The seeded revision starts at the server's time in microseconds, so revisions keep growing across the
 * loss. The seed also records it as the pool's epoch: an instance that knew the pool and finds a new epoch
 * it did not seed itself (another instance re-created the pool first, perhaps a newcomer that knew
 * nothing) adds back every node and A/B test it knew of which Redis has no trace (no value and no
 * tombstone: pool_apply.lua's "merge" mode), so the first seeder cannot shrink the pool for everyone.
 *
 * Lost writes after a failover: a Sentinel failover can promote a replica that missed the last writes
 * (replication is asynchronous). A resynchronisation that finds the revision LOWER than the local one
 * replays this instance's own changes of the last minute (with the journal's only-if-newer rule), so its
 * acknowledged writes are not lost.
 *
 * Parts, one job per file (all package-private, all logging under this class's logger):
 *   RedisPoolStore         the snapshot and its thread, waiters of own writes, the revision check, close
 *   RedisPoolWrites        the write path: pool_apply.lua for changes and journal replays
 *   RedisPoolSubscription  pub/sub (connect, retry) and the in-order buffer of change messages
 *   RedisPoolResync        full reads, one method per outcome
 *   RedisPoolPages         a full read in pages (pool_page.lua), within the command timeout at any size
 *   PoolSnapshotReader     the raw hashes of a read into a snapshot, malformed values reported
 *   RedisPoolSeeder        seeding a pool Redis does not have, and the epoch merge
 *   RedisPoolKeys          the keys
 *
 * Malformed values: a value in Redis that does not parse (someone HSETs garbage) is reported once at WARN
 * with its key, field and the rule it breaks; the last good copy of that item stays in the snapshot, and a
 * reload() reports the error after applying everything else. The store never writes a snapshot back, so
 * the garbage cannot replace a good copy anywhere (the guarded store mirrors this snapshot to the file).
 */
/** A pool store in Redis, with a local snapshot kept current by pub/sub. Thread-safe. */
final class RedisPoolStore extends AbstractPoolStore {
  private static final Logger LOG = LoggerFactory.getLogger(RedisPoolStore.class);

  static final LuaScript APPLY = LuaScript.fromResource(RedisPoolStore.class, "pool_apply.lua");
  static final LuaScript SEED = LuaScript.fromResource(RedisPoolStore.class, "pool_seed.lua");
  static final LuaScript LEAD = LuaScript.fromResource(RedisPoolStore.class, "pool_lead.lua");
  static final LuaScript PULL = LuaScript.fromResource(RedisPoolStore.class, "pool_pull.lua");

  final String poolName;
  final RedisConnection connection;
  final RedisPoolKeys keys;
  final ScheduledThreadPoolExecutor exec;
  final RedisPoolWrites writes;
  final RedisPoolSubscription subscription;
  final RedisPoolResync resync;
  final RedisPoolSeeder seeder;
  final RedisPoolHeartbeats heartbeats;
  private final boolean ownsConnection;
  final TimeSource time;
  private final Duration checkInterval;
  private final Duration awaitTimeout;
  private final AtomicLong lastStamp = new AtomicLong();

  // read by any thread, written only on exec
  volatile boolean loaded;
  volatile boolean closed;

  // only on exec
  private final TreeMap<Long, List<CompletableFuture<Void>>> waiters = new TreeMap<>();
  /** The last page's revision of the last full read: a change up to it that changes nothing is settled. */
  long settledUpTo;
  private long lastCheckedRemote = -1;
  private long localAtLastCheck = -1;

  /**
   * Creates a store; call {@link #start()} to begin reading and listening.
   *
   * @param poolName the pool's name (the hash tag of its keys)
   * @param connection the connection to use
   * @param ownsConnection whether {@link #close()} closes the connection
   * @param time the clock of change stamps (only compared by journal replays)
   * @param checkInterval how often the revision is compared with Redis's while pub/sub is up
   */
  public RedisPoolStore(
      String poolName, RedisConnection connection, boolean ownsConnection, TimeSource time,
      Duration checkInterval) {
    super(PoolSnapshot.EMPTY);
    this.poolName = Objects.requireNonNull(poolName, "poolName");
    if (poolName.indexOf('{') >= 0 || poolName.indexOf('}') >= 0) {
      throw new IllegalArgumentException("poolName must not contain '{' or '}', was '" + poolName + "'");
    }
    this.connection = Objects.requireNonNull(connection, "connection");
    this.ownsConnection = ownsConnection;
    this.time = Objects.requireNonNull(time, "time");
    this.checkInterval = Objects.requireNonNull(checkInterval, "checkInterval");
    this.keys = new RedisPoolKeys(poolName);
    long cmd = connection.options().commandTimeout().toMillis();
    this.awaitTimeout = Duration.ofMillis(Math.max(1000, 4 * cmd));
    this.exec = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "switchboard-pool-redis-" + poolName);
      t.setDaemon(true);
      return t;
    });
    exec.setRemoveOnCancelPolicy(true);
    exec.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.seeder = new RedisPoolSeeder(poolName, connection, keys, () -> snapshot);
    this.writes = new RedisPoolWrites(this);
    this.subscription = new RedisPoolSubscription(this);
    this.resync = new RedisPoolResync(this);
    this.heartbeats = new RedisPoolHeartbeats(this);
  }

  /**
   * Returns the prefix of a pool's keys.
   *
   * @param poolName the pool's name
   * @return {@code switchboard:pool:{NAME}:}
   */
  public static String keyPrefix(String poolName) {
    return "switchboard:pool:{" + poolName + "}:";
  }

  /**
   * Sets where a seed comes from when Redis has lost the pool (default: this store's last snapshot).
   *
   * @param source the seed source
   */
  public void setSeedSource(Supplier<PoolSnapshot> source) {
    seeder.setSource(source);
  }

  /** Starts listening for changes and reads the pool (in the background). */
  public void start() {
    if (connection.supportsPubSub()) {
      subscription.connect();
    }
    long period = connection.supportsPubSub() ? checkInterval.toMillis() : 100;
    // the periodic tasks handle a failing Redis themselves; they repeat until close() shuts exec down
    var unused = exec.scheduleWithFixedDelay(this::periodicCheck, period, period, TimeUnit.MILLISECONDS);
    var unused2 = exec.scheduleWithFixedDelay(heartbeats::measureClock, 0, RedisPoolHeartbeats.CLOCK_CHECK_SECONDS,
        TimeUnit.SECONDS);
    var unused3 = exec.scheduleWithFixedDelay(heartbeats::pull, RedisPoolHeartbeats.PULL_MILLIS,
        RedisPoolHeartbeats.PULL_MILLIS, TimeUnit.MILLISECONDS);
    submit(() -> resync.request(null));
  }

  // --------------------------------------------------------------------------------------------- PoolStore

  @Override
  public void staleAfter(Duration staleAfter) {
    heartbeats.staleAfter(staleAfter);
  }

  /**
   * Returns whether the snapshot has been read from Redis at least once.
   *
   * @return true once loaded
   */
  public boolean isLoaded() {
    return loaded;
  }

  /**
   * Returns whether the pub/sub subscription is established now.
   *
   * @return true if subscribed
   */
  public boolean isSubscribed() {
    return subscription.isSubscribed();
  }

  @Override
  public CompletionStage<Boolean> write(PoolChange change) {
    return send(new PoolJournal.Entry(nextStamp(), change)).thenCompose(this::confirm);
  }

  /**
   * Returns a change stamp: the clock, made strictly increasing within this process.
   *
   * @return microseconds
   */
  long nextStamp() {
    long now = time.currentTimeMicros();
    return lastStamp.updateAndGet(last -> Math.max(now, last + 1));
  }

  @Override
  public CompletionStage<Void> reload() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    if (!submit(() -> resync.await(f))) {
      f.completeExceptionally(closedError());
    }
    return f;
  }

  @Override
  public CompletionStage<Boolean> tryLead(String ownerId, Duration ttl, long nowMicros) {
    return connection.<Long>eval(LEAD, ScriptOutputType.INTEGER, new String[] {keys.lease}, ownerId,
        Long.toString(Math.max(1, ttl.toMillis()))).thenApply(r -> r != null && r == 1L);
  }

  /**
   * Checks that Redis answers for this pool (reads the revision key).
   *
   * @return a stage completing normally if Redis answered
   */
  public CompletionStage<Void> ping() {
    try {
      return connection.commands().exists(keys.rev).thenApply(n -> null);
    } catch (RedisUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Sends one change to Redis; the stage completes when Redis has applied it (the local snapshot may not
   * show it yet: see {@link #confirm(RedisPoolWrites.Applied)}). Seeds Redis first if it has lost the pool.
   *
   * @param e the change
   * @return what Redis did
   */
  CompletionStage<RedisPoolWrites.Applied> send(PoolJournal.Entry e) {
    return writes.send(e);
  }

  /**
   * Waits until the local snapshot shows a change Redis applied (and the listener heard it).
   *
   * @param a what {@link #send(PoolJournal.Entry)} returned
   * @return the change's result: true if it created, removed or found its item (per operation)
   */
  CompletionStage<Boolean> confirm(RedisPoolWrites.Applied a) {
    return writes.confirm(a);
  }

  /**
   * Replays journal entries into Redis: each is applied only if Redis holds nothing newer for its item.
   * Seeds Redis first if it has lost the pool.
   *
   * @param entries the entries, oldest first
   * @return the counts, once the local snapshot shows the result
   */
  CompletionStage<RedisPoolWrites.ReplayCounts> replay(List<PoolJournal.Entry> entries) {
    return writes.replay(entries, "replay");
  }

  // ------------------------------------------------------------------------------------- the snapshot

  /** On exec: the messages a script call published, then wait until the snapshot reaches its revision. */
  void applyMessages(List<String> messages, long revision, CompletableFuture<Void> applied) {
    for (String m : messages) {
      subscription.onMessage(m, false);
    }
    awaitRevision(revision, applied);
  }

  /*
   * On exec: a change Redis published, at the next revision, applied by PoolChange's rules. Messages are
   * applied in revision order, so the local snapshot equals Redis's state before the change and the rules
   * decide as pool_apply.lua did; a change that changes nothing here (or does not parse) means the
   * snapshot has drifted: read it again.
   */
  void applyMessage(RedisPoolSubscription.Message m) {
    PoolChange.Outcome o;
    try {
      PoolChange change = PoolChange.fromMessage(m.op(), m.id(), m.data() == null ? "" : m.data());
      if (change instanceof PoolChange.Heartbeat h) {
        change = heartbeats.localHeartbeat(h);
      } else if (change instanceof PoolChange.Remove || change instanceof PoolChange.Evict) {
        heartbeats.forget(change.id());
      }
      o = change.applyTo(snapshot, m.rev());
    } catch (RuntimeException e) {
      LOG.warn("pool '{}': event {} on {} could not be applied ({}); resynchronising", poolName, m.rev(),
          keys.channel, e.getMessage());
      resync.request("unreadable event");
      return;
    }
    PoolEvent event = o.event();
    if (event == null && m.rev() <= settledUpTo) {
      // made while the last full read was paged, and already in it (RedisPoolPages): nothing to do
      snapshot = snapshot.withRevision(m.rev());
      return;
    }
    if (event == null) {
      resync.request("event " + m.rev() + " does not apply to the local snapshot");
      return;
    }
    long delay = heartbeats.propagationDelayMicros(m.redisMicros());
    if (delay >= 0) {
      event = PoolEvents.withPropagationDelay(event, Duration.ofNanos(delay * 1000));
    }
    snapshot = o.snapshot();
    emit(event);
  }

  @SuppressWarnings("CollectionUndefinedEquality") // a future equals only itself: list.remove(f) removes f
  private void awaitRevision(long rev, CompletableFuture<Void> f) {
    if (snapshot.revision() >= rev) {
      f.complete(null);
      return;
    }
    waiters.computeIfAbsent(rev, k -> new ArrayList<>()).add(f);
    long ms = awaitTimeout.toMillis();
    // two timers whose effect is on f; nothing waits for the timers themselves
    var unused = exec.schedule(() -> {
      if (!f.isDone()) {
        resync.request("own change " + rev + " not seen in time");
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

  private void periodicCheck() {
    if (closed || resync.running()) {
      return;
    }
    if (!loaded) {
      resync.request(null);
      return;
    }
    CompletionStage<String> get;
    try {
      get = connection.commands().get(keys.rev);
    } catch (RedisUnavailableException e) {
      return;
    }
    long localAtRequest = snapshot.revision();
    get.whenComplete((v, err) -> submit(() -> {
      if (err != null || closed || resync.running()) {
        return;
      }
      long local = snapshot.revision();
      if (v == null) {
        resync.request("the pool is missing in Redis");
        return;
      }
      long remote;
      try {
        remote = Long.parseLong(v);
      } catch (NumberFormatException e) {
        return;
      }
      if (remote == local) {
        lastCheckedRemote = -1;
        return;
      }
      if (remote < localAtRequest) {
        // Redis answered after the request, so it had every revision seen here before it: it went back
        resync.request("Redis's revision " + remote + " is behind the local " + localAtRequest);
      } else if (remote <= local) {
        lastCheckedRemote = -1;
      } else if (!subscription.isSubscribed()) {
        resync.request(connection.supportsPubSub() ? "pub/sub is down" : null);
      } else if (lastCheckedRemote >= 0 && localAtLastCheck == local && remote >= lastCheckedRemote) {
        resync.request("revision " + remote + " in Redis, " + local + " here, changes missed");
        lastCheckedRemote = -1;
      } else {
        lastCheckedRemote = remote;
        localAtLastCheck = local;
      }
    }));
  }

  // ------------------------------------------------------------------------------------------------ plumbing

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
          resync.restart();
        }
      });
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  void submitOrFail(Runnable r, List<CompletableFuture<Void>> futures) {
    if (!submit(r)) {
      failAll(futures, closedError());
    }
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

  /**
   * Returns the connection this store uses.
   *
   * @return the connection
   */
  public RedisConnection connection() {
    return connection;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    IllegalStateException gone = closedError();
    try {
      // on exec, which owns the waiters: fail what still waits, then stop
      exec.execute(() -> {
        List<CompletableFuture<Void>> all = resync.takeWaiters();
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
    subscription.close();
    heartbeats.leaveSettings(500);
    if (ownsConnection) {
      connection.close();
    }
  }

  @Override
  public String toString() {
    return "RedisPoolStore[" + poolName + ", " + snapshot + (isSubscribed() ? ", subscribed" : "") + "]";
  }
}
