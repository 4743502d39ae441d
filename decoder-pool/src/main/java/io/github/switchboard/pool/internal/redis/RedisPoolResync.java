package io.github.switchboard.pool.internal.redis;

import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.pool.PoolEvent;
import io.github.switchboard.pool.PoolFormatException;
import io.github.switchboard.pool.internal.events.PoolEvents;
import io.github.switchboard.pool.internal.events.SnapshotDiff;
import io.github.switchboard.pool.internal.file.PoolJournal;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Resynchronisation of the Redis store: reads the whole pool in pages (RedisPoolPages, pool_page.lua: no
 * call carries the whole pool, so a 20,000-node pool is read within the command timeout) as of the first
 * page's revision, and replaces the snapshot, reporting the differences as events, then RELOADED; the
 * changes made while the pages were read come after it through pub/sub (settled if the read holds them).
 * All on the store's thread; one read at a time (a request during a read runs once more afterwards);
 * callers of reload() wait for the next read.
 *
 * A read ends in one of five outcomes, one method each:
 * - readFailed: Redis did not answer; keep the snapshot, WARN once until a read succeeds again.
 * - poolMissing: the revision key is missing (Redis lost the pool, or never had it): seed, read again.
 * - badRevision: the revision key holds something else than a number: keep the snapshot, fail reload().
 * - foreignEpoch: another instance re-created the pool after a loss: merge back what this instance knew
 *   (RedisPoolSeeder.mergeChanges, "merge" mode), read again.
 * - applyRead: replace the snapshot; if Redis's revision went back (a failover lost writes), replay this
 *   instance's changes of the last minute (replayLostWrites).
 *
 * Malformed values (PoolSnapshotReader): reported once at WARN with key, field and rule; the last good
 * copy stays; reload() fails with the list of problems after applying everything else.
 *
 * Logs under RedisPoolStore's logger, as the rest of the store does.
 */
/** Reads the whole pool from Redis again and replaces the Redis store's snapshot. */
final class RedisPoolResync implements RedisPoolLocal.Resyncs {
  private static final Logger LOG = LoggerFactory.getLogger(RedisPoolStore.class);

  private final String poolName;
  private final RedisConnection connection;
  private final RedisPoolKeys keys;
  private final RedisPoolLocal local;
  private final RedisPoolHeartbeats heartbeats;
  private final RedisPoolSeeder seeder;
  private final RedisPoolWrites writes;
  private final RedisPoolSubscription subscription;
  // on the store's thread
  private final Set<String> reportedBad = new HashSet<>();
  private volatile @Nullable String epoch; // written on the store's thread
  private boolean running;
  private boolean again;
  private boolean readFailing;
  private List<CompletableFuture<Void>> nextWaiters = new ArrayList<>();

  RedisPoolResync(String poolName, RedisConnection connection, RedisPoolKeys keys, RedisPoolLocal local,
      RedisPoolHeartbeats heartbeats, RedisPoolSeeder seeder, RedisPoolWrites writes,
      RedisPoolSubscription subscription) {
    this.poolName = poolName;
    this.connection = connection;
    this.keys = keys;
    this.local = local;
    this.heartbeats = heartbeats;
    this.seeder = seeder;
    this.writes = writes;
    this.subscription = subscription;
  }

  /** Any thread: the pool's epoch in Redis (the revision it was seeded with) at the last read, or null. */
  @Nullable String epoch() {
    return epoch;
  }

  @Override
  public boolean running() {
    return running;
  }

  @Override
  public void restart() {
    running = false;
    request(null);
  }

  /** On the store's thread: waits for the next read. */
  void await(CompletableFuture<Void> f) {
    nextWaiters.add(f);
    request(null);
  }

  /** On the store's thread: fails whoever waits for a read (on close). */
  List<CompletableFuture<Void>> takeWaiters() {
    List<CompletableFuture<Void>> all = nextWaiters;
    nextWaiters = new ArrayList<>();
    return all;
  }

  @Override
  public void request(@Nullable String reason) {
    if (local.closed()) {
      RedisPoolLocal.failAll(nextWaiters, local.closedError());
      return;
    }
    if (running) {
      again = true;
      return;
    }
    if (reason != null && local.loaded()) {
      LOG.info("pool '{}': resynchronising from Redis ({})", poolName, reason);
    }
    running = true;
    List<CompletableFuture<Void>> mine = nextWaiters;
    nextWaiters = new ArrayList<>();
    CompletionStage<List<Object>> read = RedisPoolPages.read(connection, keys.snapshot);
    read.whenComplete((out, err) -> local.submitOrFail(() -> finish(out, err, mine), mine));
  }

  private void finish(@Nullable List<Object> out, @Nullable Throwable err, List<CompletableFuture<Void>> mine) {
    running = false;
    if (err != null || out == null) {
      readFailed(err == null ? new IllegalStateException("empty answer") : RedisConnection.unwrap(err), mine);
    } else {
      if (readFailing) {
        readFailing = false;
        LOG.info("pool '{}': reading from Redis again", poolName);
      }
      String rev = String.valueOf(out.get(0));
      String newEpoch = out.size() > 4 ? String.valueOf(out.get(4)) : "";
      if (rev.isEmpty() || "null".equals(rev)) {
        poolMissing(mine);
      } else if (!isRevision(rev)) {
        badRevision(rev, mine);
      } else if (local.loaded() && seeder.foreignEpoch(epoch, newEpoch, local.snapshot())) {
        epoch = newEpoch;
        foreignEpoch(mine);
      } else {
        epoch = newEpoch;
        applyRead(Long.parseLong(rev), out, mine);
      }
    }
    if (again) {
      again = false;
      request(null);
    } else if (!nextWaiters.isEmpty()) {
      request(null);
    }
  }

  private static boolean isRevision(String rev) {
    try {
      Long.parseLong(rev);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private void readFailed(Throwable cause, List<CompletableFuture<Void>> mine) {
    if (!readFailing) {
      readFailing = true;
      LOG.warn("pool '{}': cannot read the pool from Redis ({}); keeping the last snapshot ({} nodes)",
          poolName, cause.toString(), local.snapshot().nodes().size());
    }
    RedisPoolLocal.failAll(mine, cause);
  }

  /** Redis does not have the pool: seed it, then read again; the callers wait for that read. */
  private void poolMissing(List<CompletableFuture<Void>> mine) {
    List<CompletableFuture<Void>> waiting = new ArrayList<>(mine);
    seeder.seed().whenComplete((s, e) -> local.submitOrFail(() -> {
      if (e != null) {
        RedisPoolLocal.failAll(waiting, RedisConnection.unwrap(e));
      } else {
        nextWaiters.addAll(waiting);
        request(null);
      }
    }, waiting));
  }

  private void badRevision(String rev, List<CompletableFuture<Void>> mine) {
    PoolFormatException fe = new PoolFormatException("pool '" + poolName + "': Redis key " + keys.rev
        + " is not a revision number: '" + rev + "'", null);
    LOG.warn("{}; keeping the last snapshot", fe.getMessage());
    RedisPoolLocal.failAll(mine, fe);
  }

  /*
   * Another instance re-created the pool after Redis lost it, seeding it with what it knew. Put back what
   * this instance knew and Redis does not have, then read again; keep the snapshot meanwhile.
   */
  private void foreignEpoch(List<CompletableFuture<Void>> mine) {
    PoolSnapshot known = local.snapshot();
    LOG.warn("pool '{}': the pool was re-created in Redis by another instance after a loss; adding back"
        + " what this instance knew ({} node(s), {} A/B test(s)) where Redis has nothing", poolName,
        known.nodes().size(), known.abTests().size());
    List<CompletableFuture<Void>> waiting = new ArrayList<>(mine);
    writes.replay(RedisPoolSeeder.mergeChanges(known), "merge").whenComplete((c, e) -> local.submitOrFail(() -> {
      if (e != null) {
        LOG.warn("pool '{}': could not add back the pool's nodes ({})", poolName,
            RedisConnection.unwrap(e).toString());
      }
      nextWaiters.addAll(waiting);
      request(null);
    }, waiting));
  }

  private void applyRead(long newRev, List<Object> out, List<CompletableFuture<Void>> mine) {
    List<String> problems = new ArrayList<>();
    PoolSnapshot before = local.snapshot();
    PoolSnapshot after = heartbeats.localise(new PoolSnapshotReader(keys, before, reportedBad, poolName)
        .read(newRev, hash(out.get(1)), hash(out.get(2)), hash(out.get(3)), problems), before);
    boolean regressed = local.loaded() && newRev < before.revision();
    local.set(after);
    local.markLoaded(out.size() > 5 ? lastRevision(out.get(5), newRev) : newRev);
    List<PoolEvent> diff = SnapshotDiff.events(before, after);
    for (PoolEvent e : diff) {
      local.emit(e);
    }
    if (!diff.isEmpty() || newRev != before.revision() || !mine.isEmpty()) {
      // a read that found nothing new (say, after a resubscription) is not worth an event; a reload() is
      local.emit(PoolEvents.reloaded(newRev));
    }
    subscription.dropUpTo(newRev);
    heartbeats.writeSettings();
    if (regressed) {
      replayLostWrites(before.revision(), newRev);
    }
    local.completeWaiters();
    if (problems.isEmpty()) {
      for (CompletableFuture<Void> f : mine) {
        f.complete(null);
      }
    } else {
      RedisPoolLocal.failAll(mine, new PoolFormatException(String.join("; ", problems), null));
    }
  }

  /*
   * Redis's revision went back (a failover lost recent writes): replay this instance's changes of the last
   * minute. Waiters beyond the new revision would wait for revisions Redis no longer has; the replay
   * re-applies their changes, so they complete once it shows.
   */
  private void replayLostWrites(long before, long now) {
    List<PoolJournal.Entry> again = writes.recent();
    LOG.warn("pool '{}': Redis's revision went back from {} to {} (a failover lost recent writes);"
        + " replaying this instance's {} change(s) of the last minute", poolName, before, now, again.size());
    List<CompletableFuture<Void>> stranded = local.takeAllWaiters();
    writes.replay(again, "replay").whenComplete((c, e) -> local.submit(() -> {
      for (CompletableFuture<Void> f : stranded) {
        if (e == null) {
          f.complete(null);
        } else {
          f.completeExceptionally(RedisConnection.unwrap(e));
        }
      }
    }));
  }

  /** The last page's revision: changes up to it may already be in the read (RedisPoolPages). */
  private static long lastRevision(@Nullable Object last, long first) {
    try {
      return Math.max(first, Long.parseLong(String.valueOf(last)));
    } catch (NumberFormatException e) {
      return first;
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
}
