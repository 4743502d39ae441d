package io.github.switchboard.pool.internal.redis;

import io.github.switchboard.core.TimeSource;
import io.github.switchboard.core.internal.LuaScript;
import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.internal.codec.PoolCodec;
import io.github.switchboard.pool.internal.events.PoolEvents;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import io.github.switchboard.pool.internal.store.PoolChange;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The Redis store's part for heartbeats and its two clocks (see RedisPoolStore's header, "Heartbeats"):
 * the stale threshold written where every heartbeat script reads it, the estimate of Redis's clock, the
 * Redis time of the last heartbeat seen per node, the conversion of heartbeat times to the store's clock,
 * the store's own quiet heartbeats, and the pull of everyone else's every PULL_MILLIS. Everything marked
 * "on exec" runs on the store's thread.
 */
public final class RedisPoolHeartbeats {
  private static final Logger LOG = LoggerFactory.getLogger(RedisPoolHeartbeats.class);

  /** How often loads and heartbeat times are pulled. */
  static final long PULL_MILLIS = 1000;
  /**
   * How many heartbeats one page of a pull brings, applied as one batch on the store's thread (Redis and
   * change messages wait for one page: about a millisecond each). Larger pages copy each part of the
   * indexes fewer times a pull.
   */
  static final int PULL_CHUNK = 1024;
  /** How often the offset to Redis's clock is measured with TIME. */
  static final long CLOCK_CHECK_SECONDS = 10;
  /** How far back each pull reaches beyond the last one's Redis time (clock steps on the Redis host). */
  private static final long PULL_OVERLAP_MICROS = 100_000;
  private static final long CLOCK_GOOD_RTT_MICROS = 2_000;
  private static final long CLOCK_KEEP_MICROS = 30_000_000;
  /** How long a coordinator's stale threshold counts in the pool's settings without being renewed. */
  static final long SETTINGS_KEEP_MICROS = 6 * CLOCK_CHECK_SECONDS * 1_000_000;
  static final LuaScript SETTINGS = LuaScript.fromResource(RedisPoolHeartbeats.class, "pool_settings.lua");

  private final String poolName;
  private final RedisConnection connection;
  private final RedisPoolKeys keys;
  private final TimeSource time;
  private final RedisPoolLocal local;
  private final String instanceId = UUID.randomUUID().toString();
  private volatile long clockOffsetMicros; // Redis's clock minus this process's, estimated from TIME
  private volatile boolean clockOffsetKnown;
  // node id -> the Redis time of the last heartbeat this store applied (written on exec)
  private final Map<String, Long> redisBeats = new ConcurrentHashMap<>();
  private volatile long beatOffsetMicros; // Redis's clock minus the store's TimeSource
  private volatile boolean beatOffsetKnown;
  private long offsetRttMicros; // on exec: the round trip of the offset's measurement
  private long offsetMeasuredAt; // on exec: when (store's clock)
  private volatile @Nullable Runnable refreshListener;
  private volatile long staleAfterMicros; // 0: not told (pool_apply.lua then uses its default)
  private long pulledUpTo; // Redis time of the last pull; 0: none yet
  private boolean pulling;

  RedisPoolHeartbeats(String poolName, RedisConnection connection, RedisPoolKeys keys, TimeSource time,
      RedisPoolLocal local) {
    this.poolName = poolName;
    this.connection = connection;
    this.keys = keys;
    this.time = time;
    this.local = local;
  }

  /** On exec: a node was removed; its last heartbeat time is forgotten. */
  void forget(String id) {
    redisBeats.remove(id);
  }

  /** A change's Redis time as a delay until now on Redis's (estimated) clock; -1 if unknown. */
  long propagationDelayMicros(long redisMicros) {
    if (redisMicros <= 0 || !clockOffsetKnown) {
      return -1;
    }
    return Math.max(0, localMicros() + clockOffsetMicros - redisMicros);
  }

  /**
   * Sets who hears that the snapshot changed without an event (pulled loads and heartbeat times), on the
   * store's thread like the listener: a store that shows this one's snapshot as its own (the guarded
   * store) takes it again.
   *
   * @param listener the listener
   */
  public void setRefreshListener(Runnable listener) {
    this.refreshListener = listener;
  }

  void staleAfter(Duration staleAfter) {
    staleAfterMicros = Math.max(1, staleAfter.toNanos() / 1000);
    writeSettings();
  }

  /*
   * Registers this store's stale threshold in the pool's settings, where every heartbeat reads the pool's
   * (pool_apply.lua, also for decoder nodes' writers, which do not know it): on start-up, after every full
   * read (a lost Redis loses it too) and every CLOCK_CHECK_SECONDS. Coordinators of one pool may differ;
   * the pool's threshold is the shortest of those registered within SETTINGS_KEEP_MICROS (pool_settings.lua),
   * so a node back from stale for any coordinator is published to all. It decides only which heartbeats
   * are broadcast, never what is stale (each coordinator judges that itself).
   */
  void writeSettings() {
    long micros = staleAfterMicros;
    if (micros <= 0 || local.closed()) {
      return;
    }
    try {
      connection.<Long>eval(SETTINGS, ScriptOutputType.INTEGER, new String[] {keys.settings},
          instanceId, Long.toString(micros), Long.toString(SETTINGS_KEEP_MICROS)).whenComplete((n, err) -> {
            if (err != null) {
              LOG.debug("pool '{}': writing the stale threshold failed ({})", poolName, err.toString());
            }
          });
    } catch (RuntimeException e) { // Redis unavailable: the next full read or clock check writes it
      LOG.debug("pool '{}': writing the stale threshold failed ({})", poolName, e.toString());
    }
  }

  /**
   * Takes this store's stale threshold out of the pool's settings when it closes, so that the pool's
   * threshold is at once the shortest of the coordinators still running (instead of after
   * SETTINGS_KEEP_MICROS). Waits at most {@code waitMillis}; a failure leaves the entry to expire.
   *
   * @param waitMillis how long to wait for Redis
   */
  void leaveSettings(long waitMillis) {
    if (staleAfterMicros <= 0) {
      return;
    }
    try {
      connection.<Long>eval(SETTINGS, ScriptOutputType.INTEGER, new String[] {keys.settings},
          instanceId, "0", Long.toString(SETTINGS_KEEP_MICROS)).toCompletableFuture()
          .get(waitMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) { // Redis unavailable or slow: the entry stops counting after SETTINGS_KEEP_MICROS
      LOG.debug("pool '{}': taking the stale threshold out failed ({})", poolName, e.toString());
    }
  }

  /** The store's clock (the pool's TimeSource), microseconds. */
  long timeMicros() {
    return time.currentTimeMicros();
  }

  /*
   * On exec: a Redis time read in a round trip of rttMicros whose middle was midMicros on the store's
   * clock. The estimate is off by at most half the round trip, so a slow one (a first call loading its
   * script, a busy machine) does not replace a better one unless that is older than CLOCK_KEEP_MICROS.
   */
  void observeClock(long redisMicros, long midMicros, long rttMicros) {
    if (redisMicros <= 0) {
      return;
    }
    boolean better = !beatOffsetKnown || rttMicros <= Math.max(CLOCK_GOOD_RTT_MICROS, 2 * offsetRttMicros)
        || midMicros - offsetMeasuredAt > CLOCK_KEEP_MICROS || midMicros < offsetMeasuredAt;
    if (better) {
      beatOffsetMicros = redisMicros - midMicros;
      beatOffsetKnown = true;
      offsetRttMicros = rttMicros;
      offsetMeasuredAt = midMicros;
    }
  }

  /** A time of the store's clock on Redis's (the offset's estimate; unchanged while none is known). */
  long toRedisMicros(long localMicros) {
    return beatOffsetKnown ? localMicros + beatOffsetMicros : localMicros;
  }

  /**
   * The eviction threshold on Redis's clock for a node the sweeper found stale: just past the last
   * heartbeat this store saw (so Redis evicts only if no heartbeat came since), else the threshold moved
   * by the clocks' offset.
   */
  long redisThreshold(String id, long localThreshold) {
    Long seen = redisBeats.get(id);
    if (localThreshold == Long.MAX_VALUE) {
      return localThreshold;
    }
    return seen != null ? seen + 1 : toRedisMicros(localThreshold);
  }

  /** On exec: a heartbeat's Redis time on this store's clock, remembered (the first sight of it decides). */
  private long toLocal(String id, long redisMicros, @Nullable NodeRuntime current) {
    Long seen = redisBeats.get(id);
    if (seen != null && seen == redisMicros && current != null && current.hasHeartbeat()) {
      return current.lastHeartbeatMicros();
    }
    redisBeats.put(id, redisMicros);
    return beatOffsetKnown ? redisMicros - beatOffsetMicros : redisMicros;
  }

  /** On exec: a published heartbeat, its time on this store's clock (an older one than seen keeps the newer). */
  PoolChange.Heartbeat localHeartbeat(PoolChange.Heartbeat h) {
    Long seen = redisBeats.get(h.id());
    NodeRuntime current = local.snapshot().runtime().get(h.id());
    if (seen != null && seen > h.atMicros() && current != null && current.hasHeartbeat()) {
      return new PoolChange.Heartbeat(h.id(), current.load(), current.lastHeartbeatMicros());
    }
    return new PoolChange.Heartbeat(h.id(), h.load(), toLocal(h.id(), h.atMicros(), current));
  }

  /** On exec: this store's own heartbeat that Redis recorded without publishing it. */
  void applyOwnHeartbeat(String id, String runtimeJson, long midMicros, long rttMicros) {
    NodeRuntime r;
    try {
      r = PoolCodec.readRuntime(runtimeJson);
    } catch (RuntimeException e) {
      return; // the pull brings it, or a resynchronisation reports it
    }
    observeClock(r.lastHeartbeatMicros(), midMicros, rttMicros);
    Long seen = redisBeats.get(id);
    if (local.snapshot().node(id) == null || (seen != null && seen >= r.lastHeartbeatMicros())) {
      return;
    }
    redisBeats.put(id, r.lastHeartbeatMicros());
    long rev = local.snapshot().revision();
    local.set(local.snapshot().withRuntime(rev, id, local.snapshot().runtimeOf(id).withHeartbeat(r.load(), midMicros)));
    local.emit(PoolEvents.heartbeat(rev, id, r.load()));
  }

  /*
   * On exec: this store's own published heartbeat, at Redis time redisMicros, is this store's time
   * midMicros. The stream may have delivered it before the script's answer, converted with an older
   * offset: set it right (before the writer's stage completes, so the writer reads its own time).
   */
  void settleOwnHeartbeat(String id, long redisMicros, long midMicros) {
    Long seen = redisBeats.get(id);
    NodeRuntime r = local.snapshot().runtime().get(id);
    if (seen == null || seen != redisMicros || r == null || !r.hasHeartbeat() || r.lastHeartbeatMicros() == midMicros) {
      return;
    }
    local.set(local.snapshot().withRuntime(local.snapshot().revision(), id, r.withHeartbeat(r.load(), midMicros)));
    refreshed();
  }

  private void refreshed() {
    Runnable l = refreshListener;
    if (l != null) {
      try {
        l.run();
      } catch (RuntimeException e) {
        LOG.warn("pool '{}': a snapshot refresh listener failed", poolName, e);
      }
    }
  }

  /** On exec: the runtime states of a full read (on Redis's clock) on this store's clock. */
  PoolSnapshot localise(PoolSnapshot read, PoolSnapshot before) {
    redisBeats.keySet().retainAll(read.nodes().keySet());
    Map<String, NodeRuntime> runtime = new HashMap<>();
    boolean changed = false;
    for (Map.Entry<String, NodeRuntime> e : read.runtime().entrySet()) {
      NodeRuntime r = e.getValue();
      if (r.hasHeartbeat()) {
        long local = toLocal(e.getKey(), r.lastHeartbeatMicros(), before.runtime().get(e.getKey()));
        if (local != r.lastHeartbeatMicros()) {
          r = r.withHeartbeat(r.load(), local);
          changed = true;
        }
      }
      runtime.put(e.getKey(), r);
    }
    if (!changed) {
      return read;
    }
    return PoolSnapshot.of(read.revision(), read.nodes(), runtime, read.abTests(), read.configured());
  }

  /*
   * Every PULL_MILLIS: the heartbeats Redis recorded since the last pull (with a small overlap), applied
   * to the snapshot without events (pool_pull.lua). Skipped while a full read runs (it reads them all).
   * A pull is a walk of pages of PULL_CHUNK heartbeats in heartbeat-time order, one page in flight at a
   * time, each applied as one batch before the next is asked for: no call holds Redis for more than about
   * a millisecond or two (one call for 20,000 heartbeats held it about 35 ms, and every change and
   * heartbeat of the fleet waited behind it), and a change message waits for one page, not the pull.
   */
  void pull() {
    if (local.closed() || !local.loaded() || pulling || local.resyncing()) {
      return;
    }
    long since = pulledUpTo == 0 ? 0 : pulledUpTo - PULL_OVERLAP_MICROS;
    pulling = true; // until the walk's last page is applied: pulls do not pile up behind a slow one
    requestPage(new Walk(since, "", 0));
  }

  /**
   * Where a pull's walk stands: the next page starts at heartbeat time {@code since}, past the first
   * {@code offset} heartbeats at exactly that time (earlier pages returned them), and ends at {@code upto}
   * (the first page's Redis time; "" for the first page).
   */
  private record Walk(long since, String upto, int offset) {}

  private void requestPage(Walk walk) {
    long before = timeMicros();
    CompletionStage<List<Object>> read;
    try {
      read = connection.eval(RedisPoolStore.PULL, ScriptOutputType.MULTI, keys.pull,
          Long.toString(walk.since()), walk.upto(), Integer.toString(walk.offset()), Integer.toString(PULL_CHUNK));
    } catch (RuntimeException e) {
      pulling = false;
      LOG.debug("pool '{}': pulling heartbeats failed ({})", poolName, e.toString());
      return;
    }
    read.whenComplete((out, err) -> {
      long rtt = timeMicros() - before;
      local.submit(() -> {
        if (err != null || out == null || out.isEmpty()) {
          pulling = false;
          LOG.debug("pool '{}': pulling heartbeats failed ({})", poolName, err == null ? "no answer" : err.toString());
          return;
        }
        applyPage(walk, out, before + rtt / 2, rtt);
      });
    });
  }

  /*
   * On exec: one page of a pull (groups of id, Redis time, runtime JSON after the Redis time), applied as
   * one batch (PoolSnapshot.withRuntimes: the cost order, which every load change moves, is copied once
   * per page on the way to the changes, not once per heartbeat); then the next page is asked for, or, after
   * a short page, the walk ends and the next pull starts from its first page's Redis time. A full read that
   * starts meanwhile brings them all and ends the walk; a page that fails ends it too, and the next pull
   * starts again from the last completed one.
   */
  private void applyPage(Walk walk, List<Object> out, long midMicros, long rttMicros) {
    if (local.closed() || local.resyncing()) {
      pulling = false;
      return;
    }
    long now = Long.parseLong(String.valueOf(out.get(0)));
    if (walk.upto().isEmpty()) {
      observeClock(now, midMicros, rttMicros);
    }
    int count = (out.size() - 1) / 3;
    long last;
    try {
      last = applyChunk(out, count);
    } catch (RuntimeException e) {
      pulling = false; // the store resynchronises (RedisPoolStore.submit); the next pull starts afresh
      throw e;
    }
    String upto = walk.upto().isEmpty() ? Long.toString(now) : walk.upto();
    if (count < PULL_CHUNK) {
      pulledUpTo = Long.parseLong(upto);
      pulling = false;
      return;
    }
    int atLast = 0; // heartbeats of this page at exactly its last time: the next page skips them
    for (int k = count - 1; k >= 0 && beatAt(out, k) == last; k--) {
      atLast++;
    }
    requestPage(new Walk(last, upto, last == walk.since() ? walk.offset() + atLast : atLast));
  }

  private static long beatAt(List<Object> out, int k) {
    return (long) Double.parseDouble(String.valueOf(out.get(2 + 3 * k)));
  }

  /** On exec: applies a page's {@code count} heartbeats as one batch; returns the last one's Redis time. */
  private long applyChunk(List<Object> out, int count) {
    PoolSnapshot s = local.snapshot();
    String[] ids = new String[count];
    NodeRuntime[] states = new NodeRuntime[count];
    int n = 0;
    long beat = 0;
    for (int k = 0; k < count; k++) {
      int i = 1 + 3 * k;
      String id = String.valueOf(out.get(i));
      beat = beatAt(out, k);
      String json = String.valueOf(out.get(i + 2));
      Long seen = redisBeats.get(id);
      if ((seen != null && seen >= beat) || json.isEmpty() || s.node(id) == null) {
        continue;
      }
      NodeRuntime r;
      try {
        r = PoolCodec.readRuntime(json);
      } catch (RuntimeException e) {
        continue; // a resynchronisation reports it once; the last good copy stays
      }
      long local = toLocal(id, beat, null);
      ids[n] = id;
      states[n++] = s.runtimeOf(id).withHeartbeat(r.load(), local);
    }
    if (n > 0) {
      local.set(s.withRuntimes(s.revision(), ids, states, n)); // one batch: the cost order moves once
      refreshed();
    }
    return beat;
  }

  /*
   * The offset between Redis's clock and this process's wall clock, estimated from a TIME reply (Redis's
   * time at the middle of the round trip), every CLOCK_CHECK_SECONDS. It only turns a change's Redis time
   * into a propagation delay; nothing this store decides depends on it. The same reply also measures the
   * offset of the store's clock (observeClock), and each check renews the stale threshold in the settings.
   */
  void measureClock() {
    if (local.closed()) {
      return;
    }
    writeSettings(); // renews this store's stale threshold (see writeSettings)
    long before = localMicros();
    long beforeOwn = timeMicros();
    try {
      connection.commands().time().whenComplete((t, err) -> {
        if (err == null && t != null && t.size() == 2) {
          long after = localMicros();
          long rtt = timeMicros() - beforeOwn;
          long redis = Long.parseLong(t.get(0)) * 1_000_000L + Long.parseLong(t.get(1));
          clockOffsetMicros = redis - (before + after) / 2;
          clockOffsetKnown = true;
          local.submit(() -> observeClock(redis, beforeOwn + rtt / 2, rtt)); // also the heartbeats' offset
        }
      });
    } catch (RuntimeException e) { // Redis unavailable: keep the last estimate
      LOG.debug("pool '{}': TIME failed ({})", poolName, e.toString());
    }
  }

  private static long localMicros() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
  }
}
