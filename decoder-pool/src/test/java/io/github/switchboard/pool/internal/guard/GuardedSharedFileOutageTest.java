package io.github.switchboard.pool.internal.guard;

import static io.github.switchboard.pool.PoolTesting.await;
import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.NodeView;
import io.github.switchboard.pool.PoolTesting;
import io.github.switchboard.pool.RedisTestSupport;
import io.github.switchboard.pool.internal.codec.PoolCodec;
import io.github.switchboard.pool.internal.file.PoolJournal;
import io.github.switchboard.pool.internal.redis.RedisPoolStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two coordinators share one pool file and each keeps its own journal. Both write through a Redis outage
 * (SIGKILL), each reading the other's writes from the file; Redis restarts empty; every write of both ends
 * in Redis, whichever comes back first, also when one of them stopped before Redis was back (its journal is
 * adopted by the other), and when both come back into the empty Redis at once.
 */
class GuardedSharedFileOutageTest {
  @RegisterExtension static RedisExtension<RedisServer> redis = RedisExtension.standalone();

  @TempDir Path dir;

  private DecoderPools.Builder builder(String pool, Path file) {
    return DecoderPools.builder(pool)
        .redis(redis.deployment().target())
        .redisOptions(redis.deployment().options())
        .file(file)
        .sweepInterval(PoolTesting.NEVER);
  }

  @Test
  void bothCoordinatorsWritesSurviveAnOutageEndingInAnEmptyRedisWhenTheSecondStopsDuringIt() throws Exception {
    bothCoordinatorsWritesSurviveAnOutageEndingInAnEmptyRedis(true);
  }

  @Test
  void bothCoordinatorsWritesSurviveAnOutageEndingInAnEmptyRedisWhenBothRunThrough() throws Exception {
    bothCoordinatorsWritesSurviveAnOutageEndingInAnEmptyRedis(false);
  }

  private void bothCoordinatorsWritesSurviveAnOutageEndingInAnEmptyRedis(boolean secondStops) throws Exception {
    RedisServer server = redis.deployment();
    String name = "shared-" + secondStops;
    Path file = dir.resolve("decoder_pool.json");
    DecoderPool a = builder(name, file).build();
    DecoderPool b = builder(name, file).build();
    try (RedisTestSupport.LogCapture log = RedisTestSupport.capture(PoolJournal.class)) {
      await(a.registerAsync(node("before-a").build()));
      await(b.registerAsync(node("before-b").build()));
      await(a.registerAsync(node("drained").build()));

      server.kill();
      List<String> expected = new ArrayList<>(List.of("before-a", "drained"));
      for (int i = 0; i < 10; i++) {
        assertThat(await(a.registerAsync(node("a" + i).build()))).isTrue();
        assertThat(await(b.registerAsync(node("b" + i).build()))).isTrue();
        expected.add("a" + i);
        expected.add("b" + i);
      }
      assertThat(await(b.deregisterAsync("before-b"))).isTrue();
      await(a.setStatusAsync("drained", NodeStatus.DRAINING));
      await(b.putAbTestAsync(new AbTest("exp", true, "en-es", 25, List.of("c"), List.of("e"))));
      assertThat(a.backendState()).isNotEqualTo(BackendState.PRIMARY);
      assertThat(b.backendState()).isNotEqualTo(BackendState.PRIMARY);
      try (var files = Files.list(dir)) {
        assertThat(files.filter(f -> f.getFileName().toString().matches("decoder_pool\\.json\\.journal\\.[0-9a-f-]+")))
            .as("one journal per coordinator").hasSize(2);
      }
      // during the outage each reads every write of both from the shared file: entering the fallback, one
      // did not copy its Redis snapshot over the other's writes (PoolFileSync); before, a0 was erased from
      // the file every time, and a node whose registration the second had not heard of yet could vanish,
      // so that the drain was refused and lost
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        for (DecoderPool p : List.of(a, b)) {
          assertThat(p.nodes()).extracting(NodeView::nodeId).containsExactlyInAnyOrderElementsOf(expected);
          assertThat(p.node("drained")).map(v -> v.node().status()).contains(NodeStatus.DRAINING);
        }
      });
      if (secondStops) {
        b.close(); // before Redis is back: its journal waits, unlocked, for the other coordinator
      }

      server.restart(); // empty: no persistence
      await().atMost(Duration.ofSeconds(20)).until(() -> a.backendState() == BackendState.PRIMARY
          && (secondStops || b.backendState() == BackendState.PRIMARY));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        Map<String, String> nodes = RedisTestSupport.hgetall(server, RedisTestSupport.nodesKey(name));
        assertThat(nodes.keySet()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(PoolCodec.readStoredNode(nodes.get("drained")).node().status()).isEqualTo(NodeStatus.DRAINING);
        assertThat(RedisTestSupport.hgetall(server, RedisPoolStore.keyPrefix(name) + "abtests")).containsKey("exp");
      });
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(a.nodes()).extracting(NodeView::nodeId).containsExactlyInAnyOrderElementsOf(expected);
        if (!secondStops) {
          assertThat(b.nodes()).extracting(NodeView::nodeId).containsExactlyInAnyOrderElementsOf(expected);
        }
      });
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        try (var files = Files.list(dir)) {
          assertThat(files.filter(f -> f.getFileName().toString().startsWith("decoder_pool.json.journal.")
              && !f.getFileName().toString().endsWith(".lock"))).as("every journal replayed").isEmpty();
        }
      });
      if (secondStops) {
        assertThat(log.messages(Level.INFO)).anySatisfy(m -> assertThat(m).contains("left by a stopped process"));
      }
    } finally {
      a.close();
      b.close();
    }
  }
}
