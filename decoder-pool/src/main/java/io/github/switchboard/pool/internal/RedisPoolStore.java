package io.github.switchboard.pool.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.switchboard.core.TimeSource;
import io.github.switchboard.core.internal.LuaScript;
import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.core.internal.RedisUnavailableException;
import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.PoolEvent;
import io.github.switchboard.pool.PoolFormatException;
import io.github.switchboard.pool.PoolListener;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
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
 *   switchboard:pool:{NAME}:heartbeats  sorted set node_id -> last heartbeat (microseconds)
 *   switchboard:pool:{NAME}:sweeper     the sweeper's lease
 *   switchboard:pool:{NAME}:events      the pub/sub channel of changes
 *
 * Writes: every change is one call of pool_apply.lua, which applies it to its own hash field (so writers
 * never overwrite each other's nodes), bumps the revision and PUBLISHes the change with its new revision.
 * The script also returns the messages it published, so the writer can apply its own change without
 * waiting for the round trip through pub/sub.
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
 * Resynchronisation (one script reading the three hashes and the revision, so the read is consistent):
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
 * Malformed values: a value in Redis that does not parse (someone HSETs garbage) is reported once at WARN
 * with its key, field and the rule it breaks; the last good copy of that item stays in the snapshot, and a
 * reload() reports the error after applying everything else. The store never writes a snapshot back, so
 * the garbage cannot replace a good copy anywhere (the guarded store mirrors this snapshot to the file).
 */
/** A pool store in Redis, with a local snapshot kept current by pub/sub. Thread-safe. */
public final class RedisPoolStore implements PoolStore {
  private static final Logger LOG = LoggerFactory.getLogger(RedisPoolStore.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  static final LuaScript APPLY = LuaScript.fromResource(RedisPoolStore.class, "pool_apply.lua");
  static final LuaScript SNAPSHOT = LuaScript.fromResource(RedisPoolStore.class, "pool_snapshot.lua");
  static final LuaScript SEED = LuaScript.fromResource(RedisPoolStore.class, "pool_seed.lua");
  static final LuaScript LEAD = LuaScript.fromResource(RedisPoolStore.class, "pool_lead.lua");

  private static final int REPLAY_BATCH = 200;
  private static final long RECENT_MICROS = 60_000_000L;
  private static final int RECENT_MAX = 20_000;

  private final String poolName;
  private final RedisConnection connection;
  private final boolean ownsConnection;
  private final TimeSource time;
  private final String[] keys;
  private final String[] snapshotKeys;
  private final String[] seedKeys;
  private final String leaseKey;
  private final String revKey;
  private final String channel;
  private final Duration checkInterval;
  private final Duration awaitTimeout;
  private final ScheduledThreadPoolExecutor exec;
  private final AtomicLong lastStamp = new AtomicLong();
  private final AtomicReference<@Nullable CompletableFuture<Boolean>> seeding = new AtomicReference<>();
  private final Set<String> ownSeeds = ConcurrentHashMap.newKeySet();
  private volatile Supplier<PoolSnapshot> seedSource;
  private volatile boolean seedRefused;

  // read by any thread, written only on exec
  private volatile PoolSnapshot snapshot = PoolSnapshot.EMPTY;
  private volatile boolean loaded;
  private volatile @Nullable PoolListener listener;
  private volatile boolean subscribed;
  private volatile boolean everSubscribed;
  private volatile boolean closed;
  private volatile @Nullable StatefulRedisPubSubConnection<String, String> pubsub;

  // only on exec
  private final TreeMap<Long, Message> pending = new TreeMap<>();
  private final TreeMap<Long, List<CompletableFuture<Void>>> waiters = new TreeMap<>();
  private final ArrayDeque<PoolJournal.Entry> recent = new ArrayDeque<>();
  private final Set<String> reportedBad = new HashSet<>();
  private @Nullable String epoch;
  private boolean resyncing;
  private boolean resyncAgain;
  private List<CompletableFuture<Void>> nextResyncWaiters = new ArrayList<>();
  private @Nullable ScheduledFuture<?> lateCheck;
  private long lastCheckedRemote = -1;
  private long localAtLastCheck = -1;
  private boolean readFailing;
  private long pubsubBackoffMillis = 50;

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
    this.poolName = Objects.requireNonNull(poolName, "poolName");
    if (poolName.indexOf('{') >= 0 || poolName.indexOf('}') >= 0) {
      throw new IllegalArgumentException("poolName must not contain '{' or '}', was '" + poolName + "'");
    }
    this.connection = Objects.requireNonNull(connection, "connection");
    this.ownsConnection = ownsConnection;
    this.time = Objects.requireNonNull(time, "time");
    this.checkInterval = Objects.requireNonNull(checkInterval, "checkInterval");
    String prefix = keyPrefix(poolName);
    this.keys = new String[] {
      prefix + "nodes", prefix + "state", prefix + "abtests", prefix + "rev", prefix + "updated",
      prefix + "heartbeats"
    };
    this.snapshotKeys = new String[] {keys[0], keys[1], keys[2], keys[3], prefix + "epoch"};
    this.seedKeys = new String[] {keys[0], keys[1], keys[2], keys[3], keys[4], keys[5], prefix + "epoch"};
    this.revKey = keys[3];
    this.leaseKey = prefix + "sweeper";
    this.channel = prefix + "events";
    long cmd = connection.options().commandTimeout().toMillis();
    this.awaitTimeout = Duration.ofMillis(Math.max(1000, 4 * cmd));
    this.seedSource = () -> snapshot;
    this.exec = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "switchboard-pool-redis-" + poolName);
      t.setDaemon(true);
      return t;
    });
    exec.setRemoveOnCancelPolicy(true);
    exec.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
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
    this.seedSource = Objects.requireNonNull(source, "source");
  }

  /** Starts listening for changes and reads the pool (in the background). */
  public void start() {
    if (connection.supportsPubSub()) {
      connectPubSub();
    }
    long period = connection.supportsPubSub() ? checkInterval.toMillis() : 100;
    exec.scheduleWithFixedDelay(this::periodicCheck, period, period, TimeUnit.MILLISECONDS);
    submit(() -> requestResync(null));
  }

  // --------------------------------------------------------------------------------------------- PoolStore

  @Override
  public PoolSnapshot snapshot() {
    return snapshot;
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
    return subscribed;
  }

  @Override
  public void setListener(PoolListener l) {
    this.listener = l;
  }

  @Override
  public CompletionStage<Boolean> write(PoolChange change) {
    return change(new PoolJournal.Entry(nextStamp(), change));
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
    if (!submit(() -> {
      nextResyncWaiters.add(f);
      requestResync(null);
    })) {
      f.completeExceptionally(new IllegalStateException("pool '" + poolName + "' store is closed"));
    }
    return f;
  }

  @Override
  public CompletionStage<Boolean> tryLead(String ownerId, Duration ttl, long nowMicros) {
    return connection.<Long>eval(LEAD, ScriptOutputType.INTEGER, new String[] {leaseKey}, ownerId,
        Long.toString(Math.max(1, ttl.toMillis()))).thenApply(r -> r != null && r == 1L);
  }

  /**
   * Checks that Redis answers for this pool (reads the revision key).
   *
   * @return a stage completing normally if Redis answered
   */
  public CompletionStage<Void> ping() {
    try {
      return connection.commands().exists(revKey).thenApply(n -> null);
    } catch (RedisUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  // ------------------------------------------------------------------------------------------------ writes

  private CompletionStage<Boolean> change(PoolJournal.Entry e) {
    return send(e).thenCompose(this::confirm);
  }

  /**
   * Sends one change to Redis; the stage completes when Redis has applied it (the local snapshot may not
   * show it yet: see {@link #confirm(Applied)}). Seeds Redis first if it has lost the pool.
   *
   * @param e the change
   * @return what Redis did
   */
  public CompletionStage<Applied> send(PoolJournal.Entry e) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("pool '" + poolName + "' store is closed"));
    }
    return apply("live", List.of(e), true).thenApply(r -> new Applied(e, r.revision, r.codes[0], r.messages));
  }

  /**
   * Waits until the local snapshot shows a change Redis applied (and the listener heard it).
   *
   * @param a what {@link #send(PoolJournal.Entry)} returned
   * @return the change's result: true if it created, removed or found its item (per operation)
   */
  public CompletionStage<Boolean> confirm(Applied a) {
    CompletableFuture<Void> applied = new CompletableFuture<>();
    if (!submit(() -> {
      if (!a.messages().isEmpty()) {
        rememberRecent(a.entry());
      }
      for (String m : a.messages()) {
        onMessage(m, false);
      }
      awaitRevision(a.revision(), applied);
    })) {
      applied.completeExceptionally(new IllegalStateException("pool '" + poolName + "' store is closed"));
    }
    return applied.thenApply(v -> a.code() == 1);
  }

  /**
   * A change Redis applied.
   *
   * @param entry the change
   * @param revision Redis's revision after it
   * @param code 1 if it created, removed or found its item, else 0
   * @param messages the events it published
   */
  public record Applied(PoolJournal.Entry entry, long revision, int code, List<String> messages) {
    /** Copies the list. */
    public Applied {
      messages = List.copyOf(messages);
    }
  }

  /** The result of one pool_apply.lua call. */
  private static final class ApplyResult {
    final long revision;
    final int[] codes;
    final boolean[] changed;
    final List<String> messages;

    ApplyResult(long revision, int[] codes, boolean[] changed, List<String> messages) {
      this.revision = revision;
      this.codes = codes;
      this.changed = changed;
      this.messages = messages;
    }
  }

  private CompletionStage<ApplyResult> apply(String mode, List<PoolJournal.Entry> entries, boolean seedIfLost) {
    String[] args = new String[2 + entries.size() * 5];
    args[0] = channel;
    args[1] = mode;
    int i = 2;
    for (PoolJournal.Entry e : entries) {
      PoolChange c = e.change();
      args[i++] = c.op();
      args[i++] = c.id();
      args[i++] = c.a();
      args[i++] = c.b();
      args[i++] = Long.toString(e.ts());
    }
    return connection.<List<Object>>eval(APPLY, ScriptOutputType.MULTI, keys, args).thenCompose(out -> {
      if (out == null || out.isEmpty()) {
        return CompletableFuture.failedFuture(new IllegalStateException("pool_apply.lua returned nothing"));
      }
      if ("LOST".equals(out.get(0))) {
        if (!seedIfLost) {
          return CompletableFuture.failedFuture(new RedisUnavailableException(
              "pool '" + poolName + "' is still missing in Redis after seeding"));
        }
        return seed().thenCompose(s -> apply(mode, entries, false));
      }
      long rev = ((Number) out.get(0)).longValue();
      int[] codes = new int[entries.size()];
      boolean[] changed = new boolean[entries.size()];
      List<String> messages = new ArrayList<>(1);
      for (int k = 0; k < entries.size(); k++) {
        codes[k] = ((Number) out.get(1 + 2 * k)).intValue();
        Object m = out.get(2 + 2 * k);
        if (m instanceof String s && !s.isEmpty()) {
          messages.add(s);
          changed[k] = true;
        }
      }
      return CompletableFuture.completedFuture(new ApplyResult(rev, codes, changed, messages));
    });
  }

  /**
   * Counts of a journal replay.
   *
   * @param applied entries that changed Redis
   * @param skippedNewer entries skipped because Redis held newer data for their item
   * @param noop entries that changed nothing (Redis already had the same, or the node was gone)
   */
  public record ReplayCounts(int applied, int skippedNewer, int noop) {
    /**
     * Returns the total number of entries.
     *
     * @return the sum
     */
    public int total() {
      return applied + skippedNewer + noop;
    }
  }

  /**
   * Replays journal entries into Redis: each is applied only if Redis holds nothing newer for its item.
   * Seeds Redis first if it has lost the pool.
   *
   * @param entries the entries, oldest first
   * @return the counts, once the local snapshot shows the result
   */
  public CompletionStage<ReplayCounts> replay(List<PoolJournal.Entry> entries) {
    return replay(entries, "replay");
  }

  private CompletionStage<ReplayCounts> replay(List<PoolJournal.Entry> entries, String mode) {
    CompletableFuture<ReplayCounts> result = new CompletableFuture<>();
    replayFrom(entries, mode, 0, new int[3], result);
    return result;
  }

  /** The entries that put a snapshot's items back where Redis has none (mode "merge"). */
  private static List<PoolJournal.Entry> mergeEntries(PoolSnapshot s) {
    List<PoolJournal.Entry> out = new ArrayList<>();
    for (DecoderNode n : s.sortedNodes()) {
      out.add(new PoolJournal.Entry(0, new PoolChange.Upsert(n, s.isPinned(n.nodeId()))));
    }
    for (Map.Entry<String, NodeRuntime> e : s.runtime().entrySet()) {
      NodeRuntime r = e.getValue();
      if (r.hasHeartbeat()) {
        out.add(new PoolJournal.Entry(0, new PoolChange.Heartbeat(e.getKey(), r.load(), r.lastHeartbeatMicros())));
      }
    }
    for (AbTest t : s.sortedAbTests()) {
      out.add(new PoolJournal.Entry(0, new PoolChange.PutAbTest(t)));
    }
    return out;
  }

  private void replayFrom(List<PoolJournal.Entry> entries, String mode, int from, int[] counts,
      CompletableFuture<ReplayCounts> result) {
    if (from >= entries.size()) {
      result.complete(new ReplayCounts(counts[0], counts[1], counts[2]));
      return;
    }
    List<PoolJournal.Entry> batch = entries.subList(from, Math.min(entries.size(), from + REPLAY_BATCH));
    apply(mode, batch, true).thenCompose(r -> {
      for (int k = 0; k < r.codes.length; k++) {
        counts[r.changed[k] ? 0 : r.codes[k] == 2 ? 1 : 2]++;
      }
      CompletableFuture<Void> applied = new CompletableFuture<>();
      if (!submit(() -> {
        for (String m : r.messages) {
          onMessage(m, false);
        }
        awaitRevision(r.revision, applied);
      })) {
        applied.completeExceptionally(new IllegalStateException("store closed"));
      }
      return applied;
    }).whenComplete((v, err) -> {
      if (err != null) {
        result.completeExceptionally(RedisConnection.unwrap(err));
      } else {
        replayFrom(entries, mode, from + batch.size(), counts, result);
      }
    });
  }

  private void rememberRecent(PoolJournal.Entry e) {
    recent.addLast(e);
    long cutoff = e.ts() - RECENT_MICROS;
    while (!recent.isEmpty() && (recent.size() > RECENT_MAX || recent.peekFirst().ts() < cutoff)) {
      recent.pollFirst();
    }
  }

  // ------------------------------------------------------------------------------------------------ seeding

  private CompletionStage<Boolean> seed() {
    CompletableFuture<Boolean> mine = new CompletableFuture<>();
    CompletableFuture<Boolean> running = seeding.compareAndExchange(null, mine);
    if (running != null) {
      return running;
    }
    PoolSnapshot src;
    try {
      src = seedSource.get();
    } catch (RuntimeException e) {
      // the source refuses (say, a malformed pool file): better no pool in Redis than a wrong one
      if (!seedRefused) {
        seedRefused = true;
        LOG.warn("pool '{}': Redis does not have the pool, and it is not seeded: {}", poolName, e.getMessage());
      }
      seeding.set(null);
      mine.completeExceptionally(e);
      return mine;
    }
    seedRefused = false;
    List<String> args = new ArrayList<>();
    args.add(channel);
    args.add(Integer.toString(src.nodes().size()));
    for (DecoderNode n : src.sortedNodes()) {
      args.add(n.nodeId());
      args.add(PoolCodec.writeStoredNode(n, src.isPinned(n.nodeId())));
    }
    args.add(Integer.toString(src.runtime().size()));
    for (Map.Entry<String, NodeRuntime> e : src.runtime().entrySet()) {
      args.add(e.getKey());
      args.add(PoolCodec.writeRuntime(e.getValue()));
      args.add(Long.toString(e.getValue().lastHeartbeatMicros()));
    }
    args.add(Integer.toString(src.abTests().size()));
    for (AbTest t : src.sortedAbTests()) {
      args.add(t.name());
      args.add(PoolCodec.writeAbTest(t));
    }
    connection.<Long>eval(SEED, ScriptOutputType.INTEGER, seedKeys, args.toArray(new String[0]))
        .whenComplete((rev, err) -> {
          seeding.set(null);
          if (err != null) {
            mine.completeExceptionally(RedisConnection.unwrap(err));
            return;
          }
          boolean seeded = rev != null && rev != 0L;
          if (seeded) {
            ownSeeds.add(Long.toString(rev));
            if (src.nodes().isEmpty() && src.abTests().isEmpty()) {
              LOG.info("pool '{}': created the pool in Redis (empty)", poolName);
            } else {
              LOG.warn("pool '{}': Redis did not have the pool (new, or its data was lost); seeded it with {}"
                      + " node(s) and {} A/B test(s) from the last known state", poolName, src.nodes().size(),
                  src.abTests().size());
            }
          }
          mine.complete(seeded);
        });
    return mine;
  }

  // ------------------------------------------------------------------------------------ pub/sub and events

  private void connectPubSub() {
    if (closed) {
      return;
    }
    CompletionStage<StatefulRedisPubSubConnection<String, String>> attempt;
    try {
      attempt = connection.connectPubSub();
    } catch (RuntimeException e) {
      retryPubSub(e);
      return;
    }
    attempt.whenComplete((ps, err) -> {
      if (err != null) {
        retryPubSub(RedisConnection.unwrap(err));
        return;
      }
      if (closed) {
        ps.closeAsync();
        return;
      }
      pubsub = ps;
      ps.addListener(new RedisPubSubAdapter<String, String>() {
        @Override
        public void message(String ch, String message) {
          if (channel.equals(ch)) {
            submit(() -> onMessage(message, true));
          }
        }

        @Override
        public void subscribed(String ch, long count) {
          if (channel.equals(ch)) {
            subscribed = true;
            // nothing published while unsubscribed was delivered: read the pool again
            boolean again = everSubscribed;
            everSubscribed = true;
            submit(() -> requestResync(again ? "pub/sub reconnected" : null));
          }
        }
      });
      ps.addListener(new RedisConnectionStateListener() {
        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> c) {
          boolean was = subscribed;
          subscribed = false;
          if (was && !closed) {
            LOG.info("pool '{}': pub/sub connection lost; will resynchronise when it is back", poolName);
          }
        }

        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {}
      });
      ps.async().subscribe(channel).whenComplete((v, e2) -> {
        if (e2 != null && !closed) {
          LOG.info("pool '{}': SUBSCRIBE failed ({}); retrying", poolName, RedisConnection.unwrap(e2).toString());
          ps.closeAsync();
          pubsub = null;
          retryPubSub(e2);
        }
      });
    });
  }

  private void retryPubSub(Throwable cause) {
    if (closed) {
      return;
    }
    long delay = pubsubBackoffMillis;
    pubsubBackoffMillis = Math.min(1000, pubsubBackoffMillis * 2);
    LOG.debug("pool '{}': pub/sub not connected ({}); retrying in {} ms", poolName, cause.toString(), delay);
    try {
      exec.schedule(this::connectPubSub, delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  /** A parsed change message. */
  private record Message(long rev, String op, String id, @Nullable String data) {}

  private static Message parseMessage(String raw) throws IOException {
    JsonNode n = MAPPER.readTree(raw);
    if (n == null || !n.isObject() || !n.path("rev").isIntegralNumber() || !n.path("op").isTextual()) {
      throw new IOException("not a pool event");
    }
    JsonNode data = n.get("data");
    return new Message(n.get("rev").longValue(), n.get("op").textValue(), n.path("id").asText(""),
        data == null || data.isNull() ? null : data.asText());
  }

  /** On exec: a change message from pub/sub ({@code fromStream}) or from this instance's own write. */
  private void onMessage(String raw, boolean fromStream) {
    Message m;
    try {
      m = parseMessage(raw);
    } catch (IOException | RuntimeException e) {
      LOG.warn("pool '{}': unreadable message on {} ignored ({}); resynchronising", poolName, channel,
          e.toString());
      requestResync("unreadable event");
      return;
    }
    if ("reset".equals(m.op)) {
      requestResync(null);
      return;
    }
    if (resyncing) {
      if (m.rev > snapshot.revision()) {
        pending.put(m.rev, m);
      }
      return;
    }
    long local = snapshot.revision();
    if (m.rev <= local) {
      return;
    }
    if (m.rev == local + 1) {
      applyMessage(m);
      drainPending();
      completeWaiters();
      return;
    }
    pending.put(m.rev, m);
    if (fromStream && loaded) {
      requestResync("revision gap (got " + m.rev + ", expected " + (local + 1) + ")");
    } else if (!loaded) {
      requestResync(null);
    } else {
      armLateCheck();
    }
  }

  private void drainPending() {
    while (!pending.isEmpty()) {
      Map.Entry<Long, Message> first = pending.firstEntry();
      long local = snapshot.revision();
      if (first.getKey() <= local) {
        pending.pollFirstEntry();
      } else if (first.getKey() == local + 1) {
        pending.pollFirstEntry();
        applyMessage(first.getValue());
      } else {
        armLateCheck();
        return;
      }
    }
  }

  private void armLateCheck() {
    if (lateCheck != null) {
      return;
    }
    long expect = pending.isEmpty() ? snapshot.revision() + 1 : pending.lastKey();
    lateCheck = exec.schedule(() -> {
      lateCheck = null;
      if (snapshot.revision() < expect && !closed) {
        requestResync("changes did not arrive in order in time");
      }
    }, 200, TimeUnit.MILLISECONDS);
  }

  /*
   * A change Redis published, applied by PoolChange's rules. Messages arrive in revision order, so the
   * local snapshot equals Redis's state before the change and the rules decide as pool_apply.lua did; a
   * change that changes nothing here (or does not parse) means the snapshot has drifted: read it again.
   */
  private void applyMessage(Message m) {
    PoolSnapshot s = snapshot;
    PoolChange.Outcome o;
    try {
      o = PoolChange.fromMessage(m.op, m.id, m.data == null ? "" : m.data).applyTo(s, m.rev);
    } catch (RuntimeException e) {
      LOG.warn("pool '{}': event {} on {} could not be applied ({}); resynchronising", poolName, m.rev,
          channel, e.getMessage());
      requestResync("unreadable event");
      return;
    }
    PoolEvent event = o.event();
    if (event == null) {
      requestResync("event " + m.rev + " does not apply to the local snapshot");
      return;
    }
    snapshot = o.snapshot();
    emit(event);
  }

  private void emit(PoolEvent event) {
    PoolListener l = listener;
    if (l != null) {
      try {
        l.onEvent(event);
      } catch (RuntimeException e) {
        LOG.warn("pool '{}': store listener threw on {}; ignored", poolName, event, e);
      }
    }
  }

  private void awaitRevision(long rev, CompletableFuture<Void> f) {
    if (snapshot.revision() >= rev) {
      f.complete(null);
      return;
    }
    waiters.computeIfAbsent(rev, k -> new ArrayList<>()).add(f);
    long ms = awaitTimeout.toMillis();
    exec.schedule(() -> {
      if (!f.isDone()) {
        requestResync("own change " + rev + " not seen in time");
      }
    }, ms, TimeUnit.MILLISECONDS);
    exec.schedule(() -> {
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

  private void completeWaiters() {
    long local = snapshot.revision();
    while (!waiters.isEmpty() && waiters.firstKey() <= local) {
      for (CompletableFuture<Void> f : waiters.pollFirstEntry().getValue()) {
        f.complete(null);
      }
    }
  }

  // ---------------------------------------------------------------------------------------- resynchronising

  /** On exec: reads the whole pool (now, or after the read in flight). Logs the reason if given. */
  private void requestResync(@Nullable String reason) {
    if (closed) {
      failAll(nextResyncWaiters, new IllegalStateException("store closed"));
      return;
    }
    if (resyncing) {
      resyncAgain = true;
      return;
    }
    if (reason != null && loaded) {
      LOG.info("pool '{}': resynchronising from Redis ({})", poolName, reason);
    }
    resyncing = true;
    List<CompletableFuture<Void>> mine = nextResyncWaiters;
    nextResyncWaiters = new ArrayList<>();
    CompletionStage<List<Object>> read =
        connection.eval(SNAPSHOT, ScriptOutputType.MULTI, snapshotKeys);
    read.whenComplete((out, err) -> submitOrFail(() -> finishResync(out, err, mine), mine));
  }

  private void finishResync(@Nullable List<Object> out, @Nullable Throwable err,
      List<CompletableFuture<Void>> mine) {
    resyncing = false;
    if (err != null || out == null) {
      Throwable cause = err == null ? new IllegalStateException("empty answer") : RedisConnection.unwrap(err);
      if (!readFailing) {
        readFailing = true;
        LOG.warn("pool '{}': cannot read the pool from Redis ({}); keeping the last snapshot ({} nodes)",
            poolName, cause.toString(), snapshot.nodes().size());
      }
      failAll(mine, cause);
      afterResync();
      return;
    }
    if (readFailing) {
      readFailing = false;
      LOG.info("pool '{}': reading from Redis again", poolName);
    }
    String rev = String.valueOf(out.get(0));
    if (rev.isEmpty() || "null".equals(rev)) {
      // Redis does not have the pool: seed it, then read again; the callers wait for that read.
      List<CompletableFuture<Void>> waiting = new ArrayList<>(mine);
      seed().whenComplete((s, e) -> submitOrFail(() -> {
        if (e != null) {
          failAll(waiting, RedisConnection.unwrap(e));
        } else {
          nextResyncWaiters.addAll(waiting);
          requestResync(null);
        }
      }, waiting));
      afterResync();
      return;
    }
    long newRev;
    try {
      newRev = Long.parseLong(rev);
    } catch (NumberFormatException e) {
      PoolFormatException fe = new PoolFormatException(
          "pool '" + poolName + "': Redis key " + revKey + " is not a revision number: '" + rev + "'", e);
      LOG.warn("{}; keeping the last snapshot", fe.getMessage());
      failAll(mine, fe);
      afterResync();
      return;
    }
    String newEpoch = out.size() > 4 ? String.valueOf(out.get(4)) : "";
    String knownEpoch = epoch;
    epoch = newEpoch;
    if (loaded && knownEpoch != null && !knownEpoch.equals(newEpoch) && !ownSeeds.contains(newEpoch)
        && !(snapshot.nodes().isEmpty() && snapshot.abTests().isEmpty())) {
      // Another instance re-created the pool after Redis lost it, seeding it with what it knew. Put back
      // what this instance knew and Redis does not have, then read again; keep the snapshot meanwhile.
      PoolSnapshot known = snapshot;
      LOG.warn("pool '{}': the pool was re-created in Redis by another instance after a loss; adding back"
          + " what this instance knew ({} node(s), {} A/B test(s)) where Redis has nothing", poolName,
          known.nodes().size(), known.abTests().size());
      List<CompletableFuture<Void>> waiting = new ArrayList<>(mine);
      replay(mergeEntries(known), "merge").whenComplete((c, e) -> submitOrFail(() -> {
        if (e != null) {
          LOG.warn("pool '{}': could not add back the pool's nodes ({})", poolName,
              RedisConnection.unwrap(e).toString());
        }
        nextResyncWaiters.addAll(waiting);
        requestResync(null);
      }, waiting));
      afterResync();
      return;
    }
    List<String> problems = new ArrayList<>();
    PoolSnapshot before = snapshot;
    PoolSnapshot after = build(newRev, hash(out.get(1)), hash(out.get(2)), hash(out.get(3)), before, problems);
    boolean regressed = loaded && newRev < before.revision();
    snapshot = after;
    loaded = true;
    List<PoolEvent> diff = SnapshotDiff.events(before, after);
    for (PoolEvent e : diff) {
      emit(e);
    }
    if (!diff.isEmpty() || newRev != before.revision() || !mine.isEmpty()) {
      // a read that found nothing new (say, after a resubscription) is not worth an event; a reload() is
      emit(PoolEvent.reloaded(newRev));
    }
    while (!pending.isEmpty() && pending.firstKey() <= newRev) {
      pending.pollFirstEntry();
    }
    drainPending();
    if (regressed) {
      LOG.warn("pool '{}': Redis's revision went back from {} to {} (a failover lost recent writes);"
          + " replaying this instance's {} change(s) of the last minute", poolName, before.revision(), newRev,
          recent.size());
      // waiters beyond the new revision would wait for revisions Redis no longer has; the replay below
      // re-applies their changes, so they complete once it shows.
      List<PoolJournal.Entry> again = new ArrayList<>(recent);
      List<CompletableFuture<Void>> stranded = new ArrayList<>();
      for (List<CompletableFuture<Void>> l : waiters.values()) {
        stranded.addAll(l);
      }
      waiters.clear();
      replay(again).whenComplete((c, e) -> submit(() -> {
        for (CompletableFuture<Void> f : stranded) {
          if (e == null) {
            f.complete(null);
          } else {
            f.completeExceptionally(RedisConnection.unwrap(e));
          }
        }
      }));
    }
    completeWaiters();
    if (problems.isEmpty()) {
      for (CompletableFuture<Void> f : mine) {
        f.complete(null);
      }
    } else {
      PoolFormatException fe = new PoolFormatException(String.join("; ", problems), null);
      failAll(mine, fe);
    }
    afterResync();
  }

  private void afterResync() {
    if (resyncAgain) {
      resyncAgain = false;
      requestResync(null);
    } else if (!nextResyncWaiters.isEmpty()) {
      requestResync(null);
    }
  }

  private static Map<String, String> hash(@Nullable Object flat) {
    Map<String, String> m = new HashMap<>();
    if (flat instanceof List<?> l) {
      for (int i = 0; i + 1 < l.size(); i += 2) {
        m.put(String.valueOf(l.get(i)), String.valueOf(l.get(i + 1)));
      }
    }
    return m;
  }

  private PoolSnapshot build(long rev, Map<String, String> rawNodes, Map<String, String> rawState,
      Map<String, String> rawTests, PoolSnapshot last, List<String> problems) {
    Map<String, DecoderNode> nodes = new HashMap<>();
    Set<String> pinned = new HashSet<>();
    Map<String, NodeRuntime> runtime = new HashMap<>();
    Map<String, AbTest> tests = new HashMap<>();
    Set<String> stillBad = new HashSet<>();
    for (Map.Entry<String, String> e : rawNodes.entrySet()) {
      String id = e.getKey();
      try {
        PoolCodec.StoredNode sn = PoolCodec.readStoredNode(e.getValue());
        if (!sn.node().nodeId().equals(id)) {
          throw new PoolFormatException("node_id '" + sn.node().nodeId() + "' differs from its field", null);
        }
        nodes.put(id, sn.node());
        if (sn.pinned()) {
          pinned.add(id);
        }
      } catch (PoolFormatException ex) {
        DecoderNode good = last.node(id);
        if (good != null) {
          nodes.put(id, good);
          if (last.isPinned(id)) {
            pinned.add(id);
          }
        }
        report(keys[0], id, e.getValue(), ex, good != null, problems, stillBad);
      }
    }
    for (Map.Entry<String, String> e : rawState.entrySet()) {
      String id = e.getKey();
      if (!nodes.containsKey(id)) {
        continue;
      }
      try {
        runtime.put(id, PoolCodec.readRuntime(e.getValue()));
      } catch (PoolFormatException ex) {
        NodeRuntime good = last.runtime().get(id);
        if (good != null) {
          runtime.put(id, good);
        }
        report(keys[1], id, e.getValue(), ex, good != null, problems, stillBad);
      }
    }
    for (Map.Entry<String, String> e : rawTests.entrySet()) {
      String name = e.getKey();
      try {
        AbTest t = PoolCodec.readAbTest(e.getValue());
        if (!t.name().equals(name)) {
          throw new PoolFormatException("name '" + t.name() + "' differs from its field", null);
        }
        tests.put(name, t);
      } catch (PoolFormatException ex) {
        AbTest good = last.abTests().get(name);
        if (good != null) {
          tests.put(name, good);
        }
        report(keys[2], name, e.getValue(), ex, good != null, problems, stillBad);
      }
    }
    reportedBad.retainAll(stillBad);
    return PoolSnapshot.of(rev, nodes, runtime, tests, pinned);
  }

  private void report(String key, String field, String value, PoolFormatException ex, boolean kept,
      List<String> problems, Set<String> stillBad) {
    String problem = "Redis key " + key + " field '" + field + "': " + ex.getMessage();
    problems.add(problem);
    String signature = key + '\u0000' + field + '\u0000' + value.hashCode();
    stillBad.add(signature);
    if (reportedBad.add(signature)) {
      LOG.warn("pool '{}': {}; {} (the value in Redis is left as it is)", poolName, problem,
          kept ? "keeping the last good copy" : "ignoring it (no good copy known)");
    }
  }

  private void periodicCheck() {
    if (closed || resyncing) {
      return;
    }
    if (!loaded) {
      requestResync(null);
      return;
    }
    CompletionStage<String> get;
    try {
      get = connection.commands().get(revKey);
    } catch (RedisUnavailableException e) {
      return;
    }
    long localAtRequest = snapshot.revision();
    get.whenComplete((v, err) -> submit(() -> {
      if (err != null || closed || resyncing) {
        return;
      }
      long local = snapshot.revision();
      if (v == null) {
        requestResync("the pool is missing in Redis");
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
        requestResync("Redis's revision " + remote + " is behind the local " + localAtRequest);
      } else if (remote <= local) {
        lastCheckedRemote = -1;
      } else if (!subscribed) {
        requestResync(connection.supportsPubSub() ? "pub/sub is down" : null);
      } else if (lastCheckedRemote >= 0 && localAtLastCheck == local && remote >= lastCheckedRemote) {
        requestResync("revision " + remote + " in Redis, " + local + " here, changes missed");
        lastCheckedRemote = -1;
      } else {
        lastCheckedRemote = remote;
        localAtLastCheck = local;
      }
    }));
  }

  // ------------------------------------------------------------------------------------------------ plumbing

  private boolean submit(Runnable r) {
    if (closed) {
      return false;
    }
    try {
      exec.execute(() -> {
        try {
          r.run();
        } catch (RuntimeException e) {
          LOG.warn("pool '{}': internal error in the Redis store; resynchronising", poolName, e);
          resyncing = false;
          requestResync(null);
        }
      });
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  private void submitOrFail(Runnable r, List<CompletableFuture<Void>> futures) {
    if (!submit(r)) {
      failAll(futures, new IllegalStateException("pool '" + poolName + "' store is closed"));
    }
  }

  private static void failAll(List<CompletableFuture<Void>> futures, Throwable cause) {
    for (CompletableFuture<Void> f : futures) {
      f.completeExceptionally(cause);
    }
    futures.clear();
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
    IllegalStateException gone = new IllegalStateException("pool '" + poolName + "' store is closed");
    try {
      // on exec, which owns the waiters: fail what still waits, then stop
      exec.execute(() -> {
        List<CompletableFuture<Void>> all = new ArrayList<>(nextResyncWaiters);
        for (List<CompletableFuture<Void>> l : waiters.values()) {
          all.addAll(l);
        }
        waiters.clear();
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
    StatefulRedisPubSubConnection<String, String> ps = pubsub;
    pubsub = null;
    if (ps != null) {
      try {
        ps.close();
      } catch (RuntimeException e) {
        LOG.debug("pool '{}': closing pub/sub failed", poolName, e);
      }
    }
    if (ownsConnection) {
      connection.close();
    }
  }

  @Override
  public String toString() {
    return "RedisPoolStore[" + poolName + ", " + snapshot + (subscribed ? ", subscribed" : "") + "]";
  }
}
