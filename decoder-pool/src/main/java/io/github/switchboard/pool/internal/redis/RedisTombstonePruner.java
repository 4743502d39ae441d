package io.github.switchboard.pool.internal.redis;

import io.github.switchboard.core.internal.LuaScript;
import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.pool.internal.file.PoolJournal;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Prunes the tombstones of a pool's "updated" hash: the change time pool_apply.lua keeps for a removed node
 * or A/B test, so that an older journal entry replayed later cannot bring the item back. Without pruning
 * the hash grows by one field for every node id ever removed (a fleet with short-lived node ids grows it
 * without end).
 *
 * Retention (RETENTION, 7 days): a tombstone is deleted once it is older than the retention by Redis's
 * clock (TIME inside pool_prune.lua, never this process's clock) and its item does not exist. It must
 * outlive every journal entry that can still be replayed, so the guarded store drops, at replay, journal
 * entries older than the same retention (with a WARN): an outage (or a coordinator left down with a
 * journal) longer than 7 days loses those entries' replay, though the pool file still holds them. 7 days
 * covers a week-end outage with a wide margin; the cost is one small field per removed item per week.
 *
 * Who and when: the guarded store runs one step each time this instance wins the sweeper's lease (the
 * elected sweeper, every sweepInterval), so one coordinator prunes at a time. A step is one script call:
 * HSCAN with COUNT STEP_COUNT (bounded work, no long script), deleting what qualifies. A pass (cursor back
 * to "0") is followed by a pause of PASS_PAUSE before the next one starts.
 *
 * Logging: INFO once per pass that deleted something (at most once per PASS_PAUSE); a failing step at
 * DEBUG (the guard reports an unavailable Redis).
 */
/** Deletes old tombstones of a pool's {@code updated} hash in bounded steps. Thread-safe. */
public final class RedisTombstonePruner {
  private static final Logger LOG = LoggerFactory.getLogger(RedisTombstonePruner.class);
  static final LuaScript PRUNE = LuaScript.fromResource(RedisTombstonePruner.class, "pool_prune.lua");
  /** How long a tombstone is kept, by Redis's clock; also the oldest journal entry a replay applies. */
  public static final Duration RETENTION = Duration.ofDays(7);
  /** About how many fields one step looks at. */
  public static final int STEP_COUNT = 200;
  /** The pause between two passes over the hash. */
  public static final Duration PASS_PAUSE = Duration.ofMinutes(10);

  private final String poolName;
  private final RedisConnection connection;
  private final String[] keys;
  private final Duration retention;
  private final long pauseNanos;
  private final int stepCount;
  private final AtomicBoolean busy = new AtomicBoolean();
  private String cursor = "0"; // under busy
  private long passDeleted; // under busy
  private long nextPassNanos; // under busy
  private boolean started; // under busy

  /**
   * Creates the pruner of a pool.
   *
   * @param poolName the pool's name
   * @param connection the pool's Redis connection
   * @param retention how long a tombstone is kept
   * @param pause the pause between two passes
   * @param stepCount about how many fields one step looks at (HSCAN COUNT)
   * @throws IllegalArgumentException if the retention is not positive, the pause negative or the count
   *     below 1
   */
  public RedisTombstonePruner(String poolName, RedisConnection connection, Duration retention, Duration pause,
      int stepCount) {
    this.poolName = Objects.requireNonNull(poolName, "poolName");
    this.connection = Objects.requireNonNull(connection, "connection");
    if (retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("retention must be > 0, was " + retention);
    }
    if (pause.isNegative()) {
      throw new IllegalArgumentException("pause must be >= 0, was " + pause);
    }
    if (stepCount < 1) {
      throw new IllegalArgumentException("stepCount must be >= 1, was " + stepCount);
    }
    this.stepCount = stepCount;
    this.retention = retention;
    this.pauseNanos = pause.toNanos();
    RedisPoolKeys k = new RedisPoolKeys(poolName);
    this.keys = new String[] {k.apply[4], k.nodes(), k.abTests()};
  }

  /**
   * Runs one step if none is running and no pause is under way.
   *
   * @return the number of tombstones the step deleted (0 if it did not run); fails if Redis failed
   */
  public CompletionStage<Long> step() {
    if (!busy.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(0L);
    }
    long now = System.nanoTime();
    if (started && "0".equals(cursor) && now - nextPassNanos < 0) {
      busy.set(false);
      return CompletableFuture.completedFuture(0L);
    }
    started = true;
    CompletionStage<List<Object>> call;
    try {
      call = connection.eval(PRUNE, ScriptOutputType.MULTI, keys, cursor, Integer.toString(stepCount),
          Long.toString(TimeUnit.NANOSECONDS.toMicros(retention.toNanos())));
    } catch (RuntimeException e) {
      busy.set(false);
      return CompletableFuture.failedFuture(e);
    }
    return call.handle((reply, err) -> {
      try {
        if (err != null) {
          LOG.debug("pool '{}': pruning tombstones failed ({}); retried at the next sweep", poolName,
              RedisConnection.unwrap(err).toString());
          throw new java.util.concurrent.CompletionException(RedisConnection.unwrap(err));
        }
        String next = String.valueOf(reply.get(0));
        long deleted = ((Number) reply.get(1)).longValue();
        passDeleted += deleted;
        cursor = next;
        if ("0".equals(next)) {
          if (passDeleted > 0) {
            LOG.info("pool '{}': pruned {} tombstone(s) older than {} from {}", poolName, passDeleted,
                retention, keys[0]);
          }
          passDeleted = 0;
          nextPassNanos = System.nanoTime() + pauseNanos;
        }
        return deleted;
      } finally {
        busy.set(false);
      }
    });
  }

  /**
   * Returns whether the last step ended a pass over the hash.
   *
   * @return true if the next step starts a new pass (after the pause)
   */
  public boolean passEnded() {
    return "0".equals(cursor);
  }

  /**
   * Returns the retention.
   *
   * @return how long a tombstone is kept
   */
  /*
   * Journal entries older than the tombstone retention (by Redis's TIME) are not replayed: their item's
   * tombstone may have been pruned, so an old upsert could bring back a node removed since. The pool file
   * still holds them (and seeds a Redis that lost the pool).
   */
  public CompletionStage<List<PoolJournal.Entry>> replayable(List<PoolJournal.Entry> entries) {
    return connection.commands().time().thenApply(t -> {
      long redisNow = Long.parseLong(t.get(0)) * 1_000_000L + Long.parseLong(t.get(1));
      long horizon = redisNow - TimeUnit.NANOSECONDS.toMicros(retention.toNanos());
      List<PoolJournal.Entry> kept = new ArrayList<>(entries.size());
      for (PoolJournal.Entry e : entries) {
        if (e.ts() >= horizon) {
          kept.add(e);
        }
      }
      if (kept.size() < entries.size()) {
        LOG.warn("pool '{}': {} journal change(s) are older than the tombstone retention ({}) and are not"
            + " replayed into Redis (the pool file keeps them)", poolName, entries.size() - kept.size(),
            retention);
      }
      return kept;
    });
  }

  Duration retention() {
    return retention;
  }
}
