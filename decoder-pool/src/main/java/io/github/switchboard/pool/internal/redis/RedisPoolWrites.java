package io.github.switchboard.pool.internal.redis;

import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.core.internal.RedisUnavailableException;
import io.github.switchboard.pool.internal.file.PoolJournal;
import io.github.switchboard.pool.internal.store.PoolChange;
import io.lettuce.core.ScriptOutputType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/*
 * The write path of the Redis store: every change is one call of pool_apply.lua (send), which applies it
 * to its own hash field, bumps the revision and PUBLISHes it; the script returns the messages it
 * published, so the writer applies its own change (confirm) without waiting for the round trip through
 * pub/sub, and its stage completes once the local snapshot shows the change (read-your-writes).
 *
 * A call that finds the pool missing in Redis seeds it first (RedisPoolSeeder) and retries once.
 * Journal replays ("replay": only what is newer than Redis's item; "merge": also only where Redis has no
 * such item) go through the same script in batches of REPLAY_BATCH.
 *
 * Heartbeats: pool_apply.lua stamps a live heartbeat with Redis TIME and publishes it only when other
 * coordinators must learn it at once (the node's first heartbeat, or its return from stale); otherwise it
 * answers "~" + the runtime JSON (quiet: no revision, no message), which the writer applies to its own
 * snapshot (RedisPoolHeartbeats.applyOwnHeartbeat) and everyone else pulls (RedisPoolHeartbeats.pull). Times cross
 * between the two clocks here: an eviction's threshold and a replayed heartbeat's time go to Redis on
 * Redis's clock (RedisPoolHeartbeats.redisThreshold, the estimated offset); the writer's own heartbeat answer
 * measures that offset (Redis TIME against the middle of the round trip).
 *
 * Recent changes: the changes this instance made in the last minute are remembered (on the store's
 * thread), so that a resynchronisation that finds Redis's revision gone back (a failover lost writes)
 * can replay them.
 */
/** Sends changes and journal replays to Redis with pool_apply.lua. */
public final class RedisPoolWrites {
  private static final int REPLAY_BATCH = 200;
  private static final long RECENT_MICROS = 60_000_000L;
  private static final int RECENT_MAX = 20_000;

  private final String poolName;
  private final RedisConnection connection;
  private final RedisPoolKeys keys;
  private final RedisPoolLocal local;
  private final RedisPoolHeartbeats heartbeats;
  private final RedisPoolSeeder seeder;
  private final RedisPoolSubscription subscription;
  private final ArrayDeque<PoolJournal.Entry> recent = new ArrayDeque<>(); // on the store's thread

  RedisPoolWrites(String poolName, RedisConnection connection, RedisPoolKeys keys, RedisPoolLocal local,
      RedisPoolHeartbeats heartbeats, RedisPoolSeeder seeder, RedisPoolSubscription subscription) {
    this.poolName = poolName;
    this.connection = connection;
    this.keys = keys;
    this.local = local;
    this.heartbeats = heartbeats;
    this.seeder = seeder;
    this.subscription = subscription;
  }

  /**
   * A change Redis applied.
   *
   * @param entry the change
   * @param revision Redis's revision after it
   * @param code 1 if it created, removed or found its item, else 0
   * @param messages the events it published
   * @param quiet the runtime JSON of a heartbeat Redis recorded without publishing it, or null
   * @param midMicros this process's time (the store's clock) in the middle of the call's round trip
   * @param rttMicros the call's round trip
   */
  public record Applied(PoolJournal.Entry entry, long revision, int code, List<String> messages,
      @Nullable String quiet, long midMicros, long rttMicros) {
    /** Copies the list. */
    public Applied {
      messages = List.copyOf(messages);
    }
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
    int total() {
      return applied + skippedNewer + noop;
    }
  }

  /** The result of one pool_apply.lua call. */
  private static final class ApplyResult { // a class, not a record: it holds arrays
    final long revision;
    final int[] codes;
    final boolean[] changed;
    final List<String> messages;
    final @Nullable String[] quiet;

    ApplyResult(long revision, int[] codes, boolean[] changed, List<String> messages, @Nullable String[] quiet) {
      this.revision = revision;
      this.codes = codes;
      this.changed = changed;
      this.messages = messages;
      this.quiet = quiet;
    }
  }

  CompletionStage<Applied> send(PoolJournal.Entry e) {
    if (local.closed()) {
      return CompletableFuture.failedFuture(local.closedError());
    }
    long before = heartbeats.timeMicros();
    return apply("live", List.of(e), true).thenApply(r -> {
      long rtt = heartbeats.timeMicros() - before;
      return new Applied(e, r.revision, r.codes[0], r.messages, r.quiet[0], before + rtt / 2, rtt);
    });
  }

  CompletionStage<Boolean> confirm(Applied a) {
    CompletableFuture<Void> applied = new CompletableFuture<>();
    if (!local.submit(() -> {
      if (!a.messages().isEmpty()) {
        rememberRecent(a.entry());
      }
      if (a.entry().change() instanceof PoolChange.Heartbeat h && a.code() == 1) {
        if (a.quiet() != null) {
          heartbeats.applyOwnHeartbeat(h.id(), a.quiet(), a.midMicros(), a.rttMicros());
          applied.complete(null);
          return;
        }
        for (String m : a.messages()) {
          heartbeats.observeClock(messageTime(m), a.midMicros(), a.rttMicros());
          heartbeats.settleOwnHeartbeat(h.id(), messageTime(m), a.midMicros());
        }
      }
      subscription.applyOwn(a.messages(), a.revision(), applied);
    })) {
      applied.completeExceptionally(local.closedError());
    }
    return applied.thenApply(v -> a.code() == 1);
  }

  /** The Redis time ("t") at the end of a published message, or 0. */
  private static long messageTime(String message) {
    int at = message.lastIndexOf("\"t\":");
    if (at < 0 || !message.endsWith("}")) {
      return 0;
    }
    try {
      return Long.parseLong(message.substring(at + 4, message.length() - 1));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private CompletionStage<ApplyResult> apply(String mode, List<PoolJournal.Entry> entries, boolean seedIfLost) {
    String[] args = new String[2 + entries.size() * 5];
    args[0] = keys.channel;
    args[1] = mode;
    int i = 2;
    for (PoolJournal.Entry e : entries) {
      PoolChange c = e.change();
      boolean replayed = !"live".equals(mode);
      args[i++] = c.op();
      args[i++] = c.id();
      // an eviction's threshold and a replayed change's time travel on Redis's clock (a live change is
      // stamped with Redis TIME by the script itself)
      args[i++] = c instanceof PoolChange.Evict ev
          ? Long.toString(heartbeats.redisThreshold(ev.id(), ev.heartbeatBeforeMicros())) : c.a();
      args[i++] = c.b();
      args[i++] = Long.toString(replayed ? heartbeats.toRedisMicros(e.ts()) : e.ts());
    }
    return connection.<List<Object>>eval(RedisPoolStore.APPLY, ScriptOutputType.MULTI, keys.apply, args)
        .thenCompose(out -> {
          if (out == null || out.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalStateException("pool_apply.lua returned nothing"));
          }
          if ("LOST".equals(out.get(0))) {
            if (!seedIfLost) {
              return CompletableFuture.failedFuture(new RedisUnavailableException(
                  "pool '" + poolName + "' is still missing in Redis after seeding"));
            }
            return seeder.seed().thenCompose(s -> apply(mode, entries, false));
          }
          return CompletableFuture.completedFuture(result(out, entries.size()));
        });
  }

  private static ApplyResult result(List<Object> out, int size) {
    long rev = ((Number) out.get(0)).longValue();
    int[] codes = new int[size];
    boolean[] changed = new boolean[size];
    List<String> messages = new ArrayList<>(1);
    @Nullable String[] quiet = new String[size];
    for (int k = 0; k < size; k++) {
      codes[k] = ((Number) out.get(1 + 2 * k)).intValue();
      Object m = out.get(2 + 2 * k);
      if (m instanceof String s && s.startsWith("~")) {
        quiet[k] = s.substring(1);
        changed[k] = true;
      } else if (m instanceof String s && !s.isEmpty()) {
        messages.add(s);
        changed[k] = true;
      }
    }
    return new ApplyResult(rev, codes, changed, messages, quiet);
  }

  /**
   * Replays journal entries into Redis ({@code "replay"}: each only if Redis holds nothing newer for its
   * item; {@code "merge"}: also only where Redis has no such item). Seeds Redis first if it lost the pool.
   *
   * @param entries the entries, oldest first
   * @param mode {@code "replay"} or {@code "merge"}
   * @return the counts, once the local snapshot shows the result
   */
  CompletionStage<ReplayCounts> replay(List<PoolJournal.Entry> entries, String mode) {
    CompletableFuture<ReplayCounts> result = new CompletableFuture<>();
    replayFrom(entries, mode, 0, new int[3], result);
    return result;
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
      if (!local.submit(() -> subscription.applyOwn(r.messages, r.revision, applied))) {
        applied.completeExceptionally(local.closedError());
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

  /** On the store's thread: this instance's changes of the last minute, oldest first. */
  List<PoolJournal.Entry> recent() {
    return new ArrayList<>(recent);
  }
}
