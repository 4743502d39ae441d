package io.github.switchboard.pool.internal;

import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.pool.PoolEvent;
import io.github.switchboard.pool.PoolFormatException;
import io.lettuce.core.ScriptOutputType;
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
final class RedisPoolResync {
  private static final Logger LOG = LoggerFactory.getLogger(RedisPoolStore.class);

  private final RedisPoolStore store;
  // on the store's thread
  private final Set<String> reportedBad = new HashSet<>();
  private volatile @Nullable String epoch; // written on the store's thread
  private boolean running;
  private boolean again;
  private boolean readFailing;
  private List<CompletableFuture<Void>> nextWaiters = new ArrayList<>();

  RedisPoolResync(RedisPoolStore store) {
    this.store = store;
  }

  /** Any thread: the pool's epoch in Redis (the revision it was seeded with) at the last read, or null. */
  @Nullable String epoch() {
    return epoch;
  }

  /** On the store's thread: whether a read is in flight. */
  boolean running() {
    return running;
  }

  /** On the store's thread: after an internal error, forgets the read in flight and reads again. */
  void restart() {
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

  /** On the store's thread: reads the whole pool (now, or after the read in flight). Logs the reason if given. */
  void request(@Nullable String reason) {
    if (store.closed) {
      RedisPoolStore.failAll(nextWaiters, store.closedError());
      return;
    }
    if (running) {
      again = true;
      return;
    }
    if (reason != null && store.loaded) {
      LOG.info("pool '{}': resynchronising from Redis ({})", store.poolName, reason);
    }
    running = true;
    List<CompletableFuture<Void>> mine = nextWaiters;
    nextWaiters = new ArrayList<>();
    CompletionStage<List<Object>> read = RedisPoolPages.read(store.connection, store.keys.snapshot);
    read.whenComplete((out, err) -> store.submitOrFail(() -> finish(out, err, mine), mine));
  }

  private void finish(@Nullable List<Object> out, @Nullable Throwable err, List<CompletableFuture<Void>> mine) {
    running = false;
    if (err != null || out == null) {
      readFailed(err == null ? new IllegalStateException("empty answer") : RedisConnection.unwrap(err), mine);
    } else {
      if (readFailing) {
        readFailing = false;
        LOG.info("pool '{}': reading from Redis again", store.poolName);
      }
      String rev = String.valueOf(out.get(0));
      String newEpoch = out.size() > 4 ? String.valueOf(out.get(4)) : "";
      if (rev.isEmpty() || "null".equals(rev)) {
        poolMissing(mine);
      } else if (!isRevision(rev)) {
        badRevision(rev, mine);
      } else if (store.loaded && store.seeder.foreignEpoch(epoch, newEpoch, store.snapshot)) {
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
          store.poolName, cause.toString(), store.snapshot.nodes().size());
    }
    RedisPoolStore.failAll(mine, cause);
  }

  /** Redis does not have the pool: seed it, then read again; the callers wait for that read. */
  private void poolMissing(List<CompletableFuture<Void>> mine) {
    List<CompletableFuture<Void>> waiting = new ArrayList<>(mine);
    store.seeder.seed().whenComplete((s, e) -> store.submitOrFail(() -> {
      if (e != null) {
        RedisPoolStore.failAll(waiting, RedisConnection.unwrap(e));
      } else {
        nextWaiters.addAll(waiting);
        request(null);
      }
    }, waiting));
  }

  private void badRevision(String rev, List<CompletableFuture<Void>> mine) {
    PoolFormatException fe = new PoolFormatException("pool '" + store.poolName + "': Redis key " + store.keys.rev
        + " is not a revision number: '" + rev + "'", null);
    LOG.warn("{}; keeping the last snapshot", fe.getMessage());
    RedisPoolStore.failAll(mine, fe);
  }

  /*
   * Another instance re-created the pool after Redis lost it, seeding it with what it knew. Put back what
   * this instance knew and Redis does not have, then read again; keep the snapshot meanwhile.
   */
  private void foreignEpoch(List<CompletableFuture<Void>> mine) {
    PoolSnapshot known = store.snapshot;
    LOG.warn("pool '{}': the pool was re-created in Redis by another instance after a loss; adding back"
        + " what this instance knew ({} node(s), {} A/B test(s)) where Redis has nothing", store.poolName,
        known.nodes().size(), known.abTests().size());
    List<CompletableFuture<Void>> waiting = new ArrayList<>(mine);
    store.writes.replay(RedisPoolSeeder.mergeChanges(known), "merge").whenComplete((c, e) -> store.submitOrFail(() -> {
      if (e != null) {
        LOG.warn("pool '{}': could not add back the pool's nodes ({})", store.poolName,
            RedisConnection.unwrap(e).toString());
      }
      nextWaiters.addAll(waiting);
      request(null);
    }, waiting));
  }

  private void applyRead(long newRev, List<Object> out, List<CompletableFuture<Void>> mine) {
    List<String> problems = new ArrayList<>();
    PoolSnapshot before = store.snapshot;
    PoolSnapshot after = store.heartbeats.localise(new PoolSnapshotReader(store.keys, before, reportedBad, store.poolName)
        .read(newRev, hash(out.get(1)), hash(out.get(2)), hash(out.get(3)), problems), before);
    boolean regressed = store.loaded && newRev < before.revision();
    store.snapshot = after;
    store.settledUpTo = out.size() > 5 ? lastRevision(out.get(5), newRev) : newRev;
    store.loaded = true;
    List<PoolEvent> diff = SnapshotDiff.events(before, after);
    for (PoolEvent e : diff) {
      store.emit(e);
    }
    if (!diff.isEmpty() || newRev != before.revision() || !mine.isEmpty()) {
      // a read that found nothing new (say, after a resubscription) is not worth an event; a reload() is
      store.emit(PoolEvents.reloaded(newRev));
    }
    store.subscription.dropUpTo(newRev);
    store.heartbeats.writeSettings();
    if (regressed) {
      replayLostWrites(before.revision(), newRev);
    }
    store.completeWaiters();
    if (problems.isEmpty()) {
      for (CompletableFuture<Void> f : mine) {
        f.complete(null);
      }
    } else {
      RedisPoolStore.failAll(mine, new PoolFormatException(String.join("; ", problems), null));
    }
  }

  /*
   * Redis's revision went back (a failover lost recent writes): replay this instance's changes of the last
   * minute. Waiters beyond the new revision would wait for revisions Redis no longer has; the replay
   * re-applies their changes, so they complete once it shows.
   */
  private void replayLostWrites(long before, long now) {
    List<PoolJournal.Entry> again = store.writes.recent();
    LOG.warn("pool '{}': Redis's revision went back from {} to {} (a failover lost recent writes);"
        + " replaying this instance's {} change(s) of the last minute", store.poolName, before, now, again.size());
    List<CompletableFuture<Void>> stranded = store.takeAllWaiters();
    store.writes.replay(again, "replay").whenComplete((c, e) -> store.submit(() -> {
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
