package io.github.switchboard.pool.internal.guard;

import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.PoolTesting;
import io.github.switchboard.pool.RedisTestSupport;
import io.github.switchboard.pool.internal.DefaultDecoderPool;
import io.github.switchboard.pool.internal.file.PoolJournal;
import io.github.switchboard.pool.internal.redis.RedisPoolStore;
import io.github.switchboard.pool.internal.redis.RedisTombstonePruner;
import io.github.switchboard.pool.internal.store.PoolChange;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tombstones of the {@code updated} hash are pruned after the retention, by Redis's clock, in bounded steps,
 * by the elected sweeper; the change time of an item that exists is never pruned.
 */
class GuardedTombstonePruneTest {
  @RegisterExtension static RedisExtension<RedisServer> redis = RedisExtension.standalone();

  @TempDir Path dir;

  private static String updatedKey(String pool) {
    return RedisPoolStore.keyPrefix(pool) + "updated";
  }

  private DecoderPools.Builder builder(String pool) {
    return DecoderPools.builder(pool)
        .redis(redis.deployment().target())
        .redisOptions(redis.deployment().options())
        .sweepInterval(PoolTesting.NEVER);
  }

  private static void registerThenRemove(DecoderPool pool, String prefix, int removed, int kept) {
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (int i = 0; i < removed + kept; i++) {
      writes.add(pool.registerAsync(node(prefix + i).build()).toCompletableFuture());
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
    writes.clear();
    for (int i = 0; i < removed; i++) {
      writes.add(pool.deregisterAsync(prefix + i).toCompletableFuture());
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
  }

  @Test
  void tombstonesOlderThanTheRetentionGoInBoundedStepsAndLiveStampsStay() throws Exception {
    String name = "prune-steps";
    RedisServer server = redis.deployment();
    try (DecoderPool pool = builder(name).build();
        RedisConnection c = RedisConnection.open(server.target(), server.options(), "prune-test")) {
      // 560 tombstones: past a small hash's encoding (listpack, up to 512 fields), where HSCAN ignores COUNT
      registerThenRemove(pool, "n", 560, 20);
      PoolTesting.await(pool.putAbTestAsync(new AbTest("t", true, "en-es", 50, List.of("c"), List.of("e"))));
      PoolTesting.await(pool.removeAbTestAsync("t"));
      assertThat(RedisTestSupport.hgetall(server, updatedKey(name))).hasSize(581);

      // a retention longer than their age: a whole pass deletes nothing
      RedisTombstonePruner keepAll = new RedisTombstonePruner(name, c, Duration.ofHours(1), Duration.ZERO, 50);
      long deleted = 0;
      int steps = 0;
      do {
        deleted += PoolTesting.await(keepAll.step());
        steps++;
      } while (!keepAll.passEnded());
      assertThat(deleted).isZero();
      assertThat(steps).as("HSCAN COUNT 50 over 581 fields takes several steps").isGreaterThan(2);

      // a retention of 1 microsecond, which they have outlived by Redis's clock: every tombstone goes, the
      // 20 live stamps stay
      RedisTombstonePruner outlived = new RedisTombstonePruner(name, c, Duration.ofNanos(1000), Duration.ZERO, 50);
      deleted = 0;
      do {
        long d = PoolTesting.await(outlived.step());
        assertThat(d).as("one step deletes a bounded number").isLessThanOrEqualTo(200);
        deleted += d;
      } while (!outlived.passEnded());
      assertThat(deleted).isEqualTo(561);
      Map<String, String> left = RedisTestSupport.hgetall(server, updatedKey(name));
      List<String> live = new ArrayList<>();
      for (int i = 560; i < 580; i++) {
        live.add("n:n" + i);
      }
      assertThat(left.keySet()).containsExactlyInAnyOrderElementsOf(live);
      assertThat(pool.nodes()).hasSize(20);
    }
  }

  @Test
  void theElectedSweeperPrunesTombstonesOlderThanSevenDaysByRedisTime() throws Exception {
    String name = "prune-sweeper";
    RedisServer server = redis.deployment();
    long eightDaysAgo = (Instant.now().getEpochSecond() - Duration.ofDays(8).toSeconds()) * 1_000_000L;
    // a coordinator whose clock is 8 days behind: its changes are stamped with Redis TIME all the same, so
    // its removals are recent tombstones and survive the sweep
    try (DecoderPool skewed = builder(name).timeSource(new ManualTimeSource(eightDaysAgo)).build()) {
      registerThenRemove(skewed, "skewed", 3, 0);
    }
    try (DecoderPool pool = builder(name).build()) {
      registerThenRemove(pool, "old", 10, 0);
      for (int i = 0; i < 10; i++) { // tombstones left 8 days ago (by Redis's clock)
        RedisTestSupport.hset(server, updatedKey(name), "n:old" + i, Long.toString(eightDaysAgo));
      }
      registerThenRemove(pool, "new", 5, 2); // recent tombstones and live stamps
      assertThat(RedisTestSupport.hgetall(server, updatedKey(name))).hasSize(20);
      assertThat(RedisTombstonePruner.RETENTION).isEqualTo(Duration.ofDays(7));
      PoolTesting.await(((DefaultDecoderPool) pool).sweep());
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(RedisTestSupport.hgetall(server, updatedKey(name)).keySet())
              .containsExactlyInAnyOrder("n:skewed0", "n:skewed1", "n:skewed2",
                  "n:new0", "n:new1", "n:new2", "n:new3", "n:new4", "n:new5", "n:new6"));
    }
  }

  @Test
  void aJournalEntryOlderThanTheRetentionIsNotReplayed() throws Exception {
    String name = "prune-journal";
    RedisServer server = redis.deployment();
    try (DecoderPool pool = builder(name).build()) { // Redis has the pool
      PoolTesting.await(pool.registerAsync(node("present").build()));
    }
    Path file = dir.resolve("decoder_pool.json");
    long nowMicros = Instant.now().getEpochSecond() * 1_000_000L;
    try (PoolJournal j = new PoolJournal(PoolJournal.siblingOf(file))) { // left by a coordinator down 8 days
      j.append(new PoolJournal.Entry(nowMicros - Duration.ofDays(8).toNanos() / 1000,
          new PoolChange.Upsert(node("ghost").build(), false)));
      j.append(new PoolJournal.Entry(nowMicros, new PoolChange.Upsert(node("recent").build(), false)));
    }
    try (RedisTestSupport.LogCapture log = RedisTestSupport.capture(RedisTombstonePruner.class);
        DecoderPool restarted = builder(name).file(file).build()) {
      assertThat(restarted.backendState()).isEqualTo(BackendState.PRIMARY);
      assertThat(RedisTestSupport.hgetall(server, RedisTestSupport.nodesKey(name)).keySet())
          .containsExactlyInAnyOrder("present", "recent");
      assertThat(log.messages(Level.WARN)).anySatisfy(m -> assertThat(m)
          .contains("1 journal change(s) are older than the tombstone retention (PT168H)"));
    }
  }
}
