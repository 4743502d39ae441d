package io.github.switchboard.pool.internal.redis;

import io.github.switchboard.core.TimeSource;
import io.github.switchboard.core.internal.LuaScript;
import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.pool.internal.file.PoolJournal;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import io.github.switchboard.pool.internal.store.AbstractPoolStore;
import io.github.switchboard.pool.internal.store.PoolChange;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import io.github.switchboard.core.internal.RedisUnavailableException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

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
 * Parts, one job per file, each owning its state (constructor-injected, none holds this store; all
 * package-private, all logging under this class's logger):
 *   RedisPoolStore         the PoolStore: wires the parts, the revision check, the lease, close
 *   RedisPoolLocal         the snapshot and its thread, the waiters of own writes
 *   RedisPoolWrites        the write path: pool_apply.lua for changes and journal replays
 *   RedisPoolSubscription  pub/sub (connect, retry), the in-order buffer of change messages and their apply
 *   RedisPoolHeartbeats    heartbeat times between the clocks, the pull of quiet heartbeats, the settings
 *   RedisPoolResync        full reads, one method per outcome (the parts ask for one through the local side)
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
public final class RedisPoolStore extends AbstractPoolStore {

  static final LuaScript APPLY = LuaScript.fromResource(RedisPoolStore.class, "pool_apply.lua");
  static final LuaScript SEED = LuaScript.fromResource(RedisPoolStore.class, "pool_seed.lua");
  static final LuaScript LEAD = LuaScript.fromResource(RedisPoolStore.class, "pool_lead.lua");
  static final LuaScript PULL = LuaScript.fromResource(RedisPoolStore.class, "pool_pull.lua");

  private final String poolName;
  private final RedisConnection connection;
  private final RedisPoolKeys keys;
  private final boolean ownsConnection;
  private final TimeSource time;
  private final Duration checkInterval;
  private final AtomicLong lastStamp = new AtomicLong();
  private final RedisPoolLocal local;
  private final RedisPoolSeeder seeder;
  private final RedisPoolHeartbeats heartbeats;
  private final RedisPoolSubscription subscription;
  private final RedisPoolWrites writes;
  private final RedisPoolResync resync;

  // only on the local thread
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
    this.local = new RedisPoolLocal(poolName, Duration.ofMillis(Math.max(1000, 4 * cmd)), this::emit);
    this.seeder = new RedisPoolSeeder(poolName, connection, keys, local::snapshot);
    this.heartbeats = new RedisPoolHeartbeats(poolName, connection, keys, time, local);
    this.subscription = new RedisPoolSubscription(poolName, connection, keys, local, heartbeats);
    this.writes = new RedisPoolWrites(poolName, connection, keys, local, heartbeats, seeder, subscription);
    this.resync = new RedisPoolResync(poolName, connection, keys, local, heartbeats, seeder, writes, subscription);
    local.bind(resync);
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
    local.every(this::periodicCheck, period, period, TimeUnit.MILLISECONDS);
    local.every(heartbeats::measureClock, 0, RedisPoolHeartbeats.CLOCK_CHECK_SECONDS, TimeUnit.SECONDS);
    local.every(heartbeats::pull, RedisPoolHeartbeats.PULL_MILLIS, RedisPoolHeartbeats.PULL_MILLIS,
        TimeUnit.MILLISECONDS);
    local.submit(() -> resync.request(null));
  }

  // --------------------------------------------------------------------------------------------- PoolStore

  @Override
  public PoolSnapshot snapshot() {
    return local.snapshot();
  }

  /**
   * Returns the pool's epoch in Redis (the revision it was seeded with) at the last full read.
   *
   * @return the epoch, or null before the first read
   */
  public @Nullable String epoch() {
    return resync.epoch();
  }

  /**
   * Sets what runs after each pull of quiet heartbeats that changed the snapshot.
   *
   * @param listener the listener
   */
  public void setRefreshListener(Runnable listener) {
    heartbeats.setRefreshListener(listener);
  }

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
    return local.loaded();
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
  public long nextStamp() {
    long now = time.currentTimeMicros();
    return lastStamp.updateAndGet(last -> Math.max(now, last + 1));
  }

  @Override
  public CompletionStage<Void> reload() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    if (!local.submit(() -> resync.await(f))) {
      f.completeExceptionally(local.closedError());
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
  public CompletionStage<RedisPoolWrites.Applied> send(PoolJournal.Entry e) {
    return writes.send(e);
  }

  /**
   * Waits until the local snapshot shows a change Redis applied (and the listener heard it).
   *
   * @param a what {@link #send(PoolJournal.Entry)} returned
   * @return the change's result: true if it created, removed or found its item (per operation)
   */
  public CompletionStage<Boolean> confirm(RedisPoolWrites.Applied a) {
    return writes.confirm(a);
  }

  /**
   * Replays journal entries into Redis: each is applied only if Redis holds nothing newer for its item.
   * Seeds Redis first if it has lost the pool.
   *
   * @param entries the entries, oldest first
   * @return the counts, once the local snapshot shows the result
   */
  public CompletionStage<RedisPoolWrites.ReplayCounts> replay(List<PoolJournal.Entry> entries) {
    return writes.replay(entries, "replay");
  }

  private void periodicCheck() {
    if (local.closed() || resync.running()) {
      return;
    }
    if (!local.loaded()) {
      resync.request(null);
      return;
    }
    CompletionStage<String> get;
    try {
      get = connection.commands().get(keys.rev);
    } catch (RedisUnavailableException e) {
      return;
    }
    long localAtRequest = local.snapshot().revision();
    get.whenComplete((v, err) -> local.submit(() -> {
      if (err != null || local.closed() || resync.running()) {
        return;
      }
      long here = local.snapshot().revision();
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
      if (remote == here) {
        lastCheckedRemote = -1;
        return;
      }
      if (remote < localAtRequest) {
        // Redis answered after the request, so it had every revision seen here before it: it went back
        resync.request("Redis's revision " + remote + " is behind the local " + localAtRequest);
      } else if (remote <= here) {
        lastCheckedRemote = -1;
      } else if (!subscription.isSubscribed()) {
        resync.request(connection.supportsPubSub() ? "pub/sub is down" : null);
      } else if (lastCheckedRemote >= 0 && localAtLastCheck == here && remote >= lastCheckedRemote) {
        resync.request("revision " + remote + " in Redis, " + here + " here, changes missed");
        lastCheckedRemote = -1;
      } else {
        lastCheckedRemote = remote;
        localAtLastCheck = here;
      }
    }));
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
    if (local.closed()) {
      return;
    }
    local.close(resync::takeWaiters);
    subscription.close();
    heartbeats.leaveSettings(500);
    if (ownsConnection) {
      connection.close();
    }
  }

  @Override
  public String toString() {
    return "RedisPoolStore[" + poolName + ", " + local.snapshot() + (isSubscribed() ? ", subscribed" : "") + "]";
  }
}
