package io.github.switchboard.pool.internal.redis;

import io.github.switchboard.core.internal.LuaScript;
import io.github.switchboard.core.internal.RedisConnection;
import io.lettuce.core.ScriptOutputType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/*
 * A full read of a Redis pool in pages (pool_page.lua: an HSCAN of the nodes hash with COUNT PAGE_SIZE
 * and an HMGET of their runtime states, the revision with every page, the A/B tests with the first), so
 * that no call carries the whole pool: at 20,000 nodes one HGETALL of the nodes and states is megabytes,
 * which a loaded coordinator did not read within the 250 ms command timeout (and the breaker opened); a
 * page of 1,000 nodes is a few hundred kilobytes and milliseconds.
 *
 * The pages are not one atomic read: a change made while they are read may show in some and not others.
 * The read is therefore taken as of the first page's revision (every change since is at a later
 * revision), and the changes up to the last page's revision, which pub/sub delivers after it in order, are
 * applied on top: one the read already holds changes nothing and is taken as settled (RedisPoolStore,
 * settledUpTo), one it does not hold applies as usual. HSCAN returns every node present from the first page
 * to the last at least once (a duplicate is read twice, harmlessly); a node added or removed meanwhile
 * comes with its change.
 */
/** Reads a Redis pool in pages; the result has the layout of one full read, plus the last page's revision. */
final class RedisPoolPages {
  static final LuaScript PAGE = LuaScript.fromResource(RedisPoolPages.class, "pool_page.lua");
  /** Nodes a page asks for (HSCAN's COUNT: a hint, Redis may return a few more or fewer). */
  static final int PAGE_SIZE = 1000;

  private RedisPoolPages() {}

  /**
   * Reads every page.
   *
   * @param connection the connection
   * @param keys the pool's keys (nodes, state, abtests, rev, epoch)
   * @return a stage with {rev, nodes, states, abtests, epoch, last rev} (rev "" if the pool is missing; the
   *     hashes as flat field/value lists)
   */
  static CompletionStage<List<Object>> read(RedisConnection connection, String[] keys) {
    Read r = new Read(connection, keys);
    r.next("0");
    return r.done;
  }

  /** One read in progress: what the pages brought so far. */
  private static final class Read {
    final RedisConnection connection;
    final String[] keys;
    final CompletableFuture<List<Object>> done = new CompletableFuture<>();
    final List<Object> nodes = new ArrayList<>();
    final List<Object> states = new ArrayList<>();
    List<?> abTests = List.of();
    String firstRev = "";
    String epoch = "";

    Read(RedisConnection connection, String[] keys) {
      this.connection = connection;
      this.keys = keys;
    }

    void next(String cursor) {
      CompletionStage<List<Object>> page;
      try {
        page = connection.eval(PAGE, ScriptOutputType.MULTI, keys, cursor, Integer.toString(PAGE_SIZE));
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
        return;
      }
      page.whenComplete((out, err) -> {
        if (err != null || out == null || out.size() < 6) {
          done.completeExceptionally(err != null ? err : new IllegalStateException("empty answer"));
          return;
        }
        String rev = String.valueOf(out.get(0));
        boolean first = "0".equals(cursor);
        if (first) {
          firstRev = rev;
          epoch = String.valueOf(out.get(1));
          abTests = (List<?>) out.get(5);
        }
        if (rev.isEmpty() || firstRev.isEmpty()) { // the pool is missing (or went missing meanwhile)
          done.complete(List.of("", List.of(), List.of(), List.of(), String.valueOf(out.get(1)), ""));
          return;
        }
        nodes.addAll((List<?>) out.get(3));
        states.addAll((List<?>) out.get(4));
        String nextCursor = String.valueOf(out.get(2));
        if ("0".equals(nextCursor)) {
          done.complete(List.of(firstRev, nodes, states, abTests, epoch, rev));
        } else {
          next(nextCursor);
        }
      });
    }
  }
}
