package io.github.switchboard.pool.internal.guard;

import static io.github.switchboard.pool.PoolTesting.await;
import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.NodeView;
import io.github.switchboard.pool.PoolTesting;
import io.github.switchboard.pool.RedisTestSupport;
import io.github.switchboard.pool.internal.codec.PoolCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Changes made while Redis was unreachable are journaled next to the pool file; a coordinator restarted
 * before Redis came back replays them, and the replay never overwrites newer data another coordinator
 * wrote to Redis meanwhile.
 */
class GuardedJournalReplayTest {
  @RegisterExtension static RedisExtension<RedisServer> redis = RedisExtension.standalone();

  @TempDir Path dir;

  private DecoderPools.Builder builder() {
    return DecoderPools.builder("journal")
        .redis(redis.deployment().target())
        .redisOptions(redis.deployment().options())
        .sweepInterval(PoolTesting.NEVER);
  }

  private java.util.List<Path> journals() throws java.io.IOException {
    try (var files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().startsWith("decoder_pool.json.journal")).toList();
    }
  }

  @Test
  void aRestartedCoordinatorReplaysItsJournalWithoutOverwritingNewerData() throws Exception {
    RedisServer server = redis.deployment();
    Path file = dir.resolve("decoder_pool.json");
    try (DecoderPool a = builder().file(file).build()) {
      await(a.registerAsync(node("n1").capacity(1).build()));
      await(a.registerAsync(node("n2").build()));
      assertThat(a.backendState()).isEqualTo(BackendState.PRIMARY);

      server.pause(); // a hung Redis: calls time out
      try {
        assertThat(await(a.registerAsync(node("n1").capacity(2).build()))).isFalse();
        assertThat(await(a.deregisterAsync("n2"))).isTrue();
        assertThat(await(a.registerAsync(node("n3").build()))).isTrue();
        assertThat(a.backendState()).isNotEqualTo(BackendState.PRIMARY);
        assertThat(a.nodes()).extracting(NodeView::nodeId).containsExactly("n1", "n3");
      } finally {
        a.close(); // stopped before Redis is back: the journal stays on disk
        server.resume();
      }
    }
    assertThat(journals()).hasSize(1); // this instance's own: decoder_pool.json.journal.<pid>-<random>

    // meanwhile another coordinator changes n1 in Redis: newer than the journal's n1
    try (DecoderPool b = builder().build()) {
      assertThat(b.nodes()).extracting(NodeView::nodeId).containsExactly("n1", "n2");
      await(b.registerAsync(node("n1").capacity(9).build()));
    }

    try (RedisTestSupport.LogCapture log = RedisTestSupport.capture(GuardedPoolStore.class);
        DecoderPool restarted = builder().file(file).build()) {
      assertThat(restarted.backendState()).isEqualTo(BackendState.PRIMARY);
      Map<String, String> inRedis = RedisTestSupport.hgetall(server, RedisTestSupport.nodesKey("journal"));
      assertThat(inRedis.keySet()).containsExactlyInAnyOrder("n1", "n3");
      assertThat(PoolCodec.readStoredNode(inRedis.get("n1")).node().capacity()).isEqualTo(9);
      assertThat(restarted.nodes()).extracting(NodeView::nodeId).containsExactly("n1", "n3");
      assertThat(restarted.node("n1").orElseThrow().node().capacity()).isEqualTo(9);
      assertThat(log.messages(Level.INFO)).anySatisfy(m -> assertThat(m)
          .contains("journal replayed into Redis: 2 change(s) applied, 1 skipped"));
      assertThat(journals()).isEmpty(); // adopted, replayed, deleted
      // the mirror follows Redis
      await().atMost(Duration.ofSeconds(5)).until(() ->
          PoolCodec.readDocument(Files.readAllBytes(file), "mirror").nodes().stream()
              .anyMatch(n -> n.nodeId().equals("n1") && n.capacity() == 9));
    }
  }
}
