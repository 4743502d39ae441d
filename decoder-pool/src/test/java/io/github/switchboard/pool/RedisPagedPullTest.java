package io.github.switchboard.pool;

import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.function.IntFunction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The heartbeat pull in pages (issue 23): a coordinator learns the quiet heartbeats of a pool larger than
 * one page (1,024) through a walk of pages, none of which returns more than a page; heartbeats recorded at
 * the very same Redis time across a page's end are all applied (the walk skips only those it returned).
 */
class RedisPagedPullTest {
  @RegisterExtension static RedisExtension<RedisServer> redis = RedisExtension.standalone();

  private static final String POOL = "paged";
  private static final int NODES = 2_600;
  private static final int IN_FLIGHT = 32;
  private static final String HEARTBEATS = "switchboard:pool:{" + POOL + "}:heartbeats";
  private static final String STATE = "switchboard:pool:{" + POOL + "}:state";

  /** Sets every node's heartbeat to one Redis time and its load to 500 + its number, in one script. */
  private static final String SAME_TIME = """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
      for i = 0, tonumber(ARGV[1]) - 1 do
        local id = 'n' .. i
        redis.call('ZADD', KEYS[1], now, id)
        redis.call('HSET', KEYS[2], id, '{"load":' .. (500 + i) .. ',"inflight":0,"hot_adapters":[],'
            .. '"last_heartbeat":' .. string.format('%d', now) .. '}')
      end
      return 1
      """;

  @BeforeEach
  void flush() {
    redis.deployment().flushAll();
  }

  private static DecoderPool coordinator() {
    return DecoderPools.builder(POOL)
        .redis(redis.deployment().target())
        .redisOptions(redis.deployment().options())
        .staleAfter(Duration.ofSeconds(30))
        .sweepInterval(PoolTesting.NEVER)
        .build();
  }

  private static double load(DecoderPool pool, String id) {
    return pool.node(id).map(v -> v.runtime().load().load()).orElse(-1.0);
  }

  private static void registerAll(PoolWriter writer) {
    all(i -> writer.registerAsync(node("n" + i).languages("en", "es").build()));
  }

  /** Runs a write per node, {@value #IN_FLIGHT} at a time (within the 250 ms command timeout), each true. */
  private static void all(IntFunction<CompletionStage<Boolean>> write) {
    Semaphore room = new Semaphore(IN_FLIGHT);
    List<CompletableFuture<Boolean>> writes = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      room.acquireUninterruptibly();
      writes.add(write.apply(i).toCompletableFuture().whenComplete((ok, e) -> room.release()));
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture<?>[]::new)).join();
    assertThat(writes).allSatisfy(w -> assertThat(w.join()).isTrue());
  }

  @Test
  void everyQuietHeartbeatOfAPoolOfSeveralPagesArrives() {
    try (DecoderPool b = coordinator();
        PoolWriter writer = DecoderPools.writer(redis.deployment().target(), POOL, redis.deployment().options())) {
      registerAll(writer);
      all(i -> writer.heartbeatAsync("n" + i, NodeLoad.of(1))); // first heartbeats: published
      await().atMost(Duration.ofSeconds(20)).until(() -> b.nodes().size() == NODES
          && b.nodes().stream().allMatch(v -> v.runtime().load().load() == 1.0));

      all(i -> writer.heartbeatAsync("n" + i, NodeLoad.of(i % 97 + 2))); // quiet: only the pull brings them
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
        for (int i = 0; i < NODES; i++) {
          if (load(b, "n" + i) != i % 97 + 2) {
            return false;
          }
        }
        return true;
      });
    }
  }

  @Test
  void heartbeatsAtTheSameRedisTimeAcrossPagesAreAllApplied() {
    try (DecoderPool b = coordinator();
        PoolWriter writer = DecoderPools.writer(redis.deployment().target(), POOL, redis.deployment().options())) {
      registerAll(writer);
      await().atMost(Duration.ofSeconds(20)).until(() -> b.nodes().size() == NODES);

      // 2,600 heartbeats at one Redis time: three pages end and start inside the same score
      redis.deployment().call("EVAL", SAME_TIME, "2", HEARTBEATS, STATE, Integer.toString(NODES));

      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
        for (int i = 0; i < NODES; i++) {
          if (load(b, "n" + i) != 500 + i) {
            return false;
          }
        }
        return true;
      });
    }
  }
}
