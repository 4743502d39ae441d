package io.github.switchboard.pool.internal.redis;

import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.internal.codec.PoolCodec;
import io.github.switchboard.pool.internal.file.PoolJournal;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import io.github.switchboard.pool.internal.store.PoolChange;
import io.lettuce.core.ScriptOutputType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Seeding and the epoch merge of the Redis store (see RedisPoolStore's "Lost data").
 *
 * seed(): when the revision key is missing, writes the seed source's pool with pool_seed.lua, which writes
 * only if the key is still missing (of several coordinators only the first seeds); concurrent callers
 * share one attempt. The revision the seed starts at is the pool's new epoch; the epochs this instance
 * seeded are remembered, so that a resynchronisation can tell a pool re-created by another instance
 * (foreignEpoch) and put back what this instance knew (mergeChanges, replayed in "merge" mode).
 *
 * Logs under RedisPoolStore's logger, as the rest of the store does.
 */
/** Puts a pool into a Redis that does not have it, and tells whose seed a pool's epoch is. */
final class RedisPoolSeeder {
  private static final Logger LOG = LoggerFactory.getLogger(RedisPoolStore.class);

  private final String poolName;
  private final RedisConnection connection;
  private final RedisPoolKeys keys;
  private final AtomicReference<@Nullable CompletableFuture<Boolean>> seeding = new AtomicReference<>();
  private final Set<String> ownSeeds = ConcurrentHashMap.newKeySet();
  private volatile Supplier<PoolSnapshot> source;
  private volatile boolean refused;

  RedisPoolSeeder(String poolName, RedisConnection connection, RedisPoolKeys keys, Supplier<PoolSnapshot> source) {
    this.poolName = poolName;
    this.connection = connection;
    this.keys = keys;
    this.source = source;
  }

  void setSource(Supplier<PoolSnapshot> s) {
    this.source = Objects.requireNonNull(s, "source");
  }

  /**
   * Returns whether a pool's epoch was seeded by another instance, after this one knew the pool.
   *
   * @param known the epoch this instance knew, or null before the first read
   * @param found the epoch Redis has now
   * @param knew what this instance knew
   * @return true if what this instance knew should be merged back
   */
  boolean foreignEpoch(@Nullable String known, String found, PoolSnapshot knew) {
    return known != null && !known.equals(found) && !ownSeeds.contains(found)
        && !(knew.nodes().isEmpty() && knew.abTests().isEmpty());
  }

  /** The changes that put a snapshot's items back where Redis has none (replayed in "merge" mode). */
  static List<PoolJournal.Entry> mergeChanges(PoolSnapshot s) {
    List<PoolJournal.Entry> out = new ArrayList<>();
    for (DecoderNode n : s.sortedNodes()) {
      out.add(new PoolJournal.Entry(0, new PoolChange.Upsert(n, s.isConfigured(n.nodeId()))));
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

  /**
   * Seeds Redis from the source if it does not have the pool.
   *
   * @return true if this call seeded it; fails if the source refuses or Redis does not answer
   */
  CompletionStage<Boolean> seed() {
    CompletableFuture<Boolean> mine = new CompletableFuture<>();
    CompletableFuture<Boolean> running = seeding.compareAndExchange(null, mine);
    if (running != null) {
      return running;
    }
    PoolSnapshot src;
    try {
      src = source.get();
    } catch (RuntimeException e) {
      // the source refuses (say, a malformed pool file): better no pool in Redis than a wrong one
      if (!refused) {
        refused = true;
        LOG.warn("pool '{}': Redis does not have the pool, and it is not seeded: {}", poolName, e.getMessage());
      }
      seeding.set(null);
      mine.completeExceptionally(e);
      return mine;
    }
    refused = false;
    connection.<Long>eval(RedisPoolStore.SEED, ScriptOutputType.INTEGER, keys.seed, arguments(src))
        .whenComplete((rev, err) -> {
          seeding.set(null);
          if (err != null) {
            mine.completeExceptionally(RedisConnection.unwrap(err));
            return;
          }
          boolean seeded = rev != null && rev != 0L;
          if (seeded) {
            ownSeeds.add(Long.toString(rev));
            logSeeded(src);
          }
          mine.complete(seeded);
        });
    return mine;
  }

  private String[] arguments(PoolSnapshot src) {
    List<String> args = new ArrayList<>();
    args.add(keys.channel);
    args.add(Integer.toString(src.nodes().size()));
    for (DecoderNode n : src.sortedNodes()) {
      args.add(n.nodeId());
      args.add(PoolCodec.writeStoredNode(n, src.isConfigured(n.nodeId())));
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
    return args.toArray(new String[0]);
  }

  private void logSeeded(PoolSnapshot src) {
    if (src.nodes().isEmpty() && src.abTests().isEmpty()) {
      LOG.info("pool '{}': created the pool in Redis (empty)", poolName);
    } else {
      LOG.warn("pool '{}': Redis did not have the pool (new, or its data was lost); seeded it with {}"
              + " node(s) and {} A/B test(s) from the last known state", poolName, src.nodes().size(),
          src.abTests().size());
    }
  }
}
