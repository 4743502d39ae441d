package io.github.switchboard.pool.internal.redis;

import static io.github.switchboard.pool.PoolTesting.await;
import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.Topology;
import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.NodeView;
import io.github.switchboard.pool.PoolFormatException;
import io.github.switchboard.pool.PoolTesting;
import io.github.switchboard.pool.RedisTestSupport;
import io.github.switchboard.pool.internal.codec.PoolCodec;
import io.github.switchboard.pool.internal.codec.PoolDocument;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The original treated a read error as an empty pool and wrote that back, wiping the registry. A malformed
 * value in Redis must give a clear error naming the key, the field and the rule; the last good copy stays
 * in the snapshot; nothing is written over the good copy (the mirror file keeps it, Redis is not
 * "repaired" with an empty or partial pool).
 */
class RedisCorruptedValueTest {
  @RegisterExtension static RedisExtension<RedisDeployment> redis = RedisExtension.shared(Topology.STANDALONE);

  @TempDir Path dir;

  @BeforeEach
  void flush() {
    redis.deployment().flushAll();
  }

  private DecoderPools.Builder builder() {
    return DecoderPools.builder("corrupt")
        .redis(redis.deployment().target())
        .redisOptions(redis.deployment().options())
        .sweepInterval(PoolTesting.NEVER);
  }

  private PoolDocument mirror(Path file) throws Exception {
    return PoolCodec.readDocument(Files.readAllBytes(file), file.toString());
  }

  @Test
  void aMalformedValueIsReportedAndTheLastGoodCopyKept() throws Exception {
    Path file = dir.resolve("decoder_pool.json");
    String key = RedisTestSupport.nodesKey("corrupt");
    String abKey = "switchboard:pool:{corrupt}:abtests";
    AbTest test = new AbTest("t", true, "en-es", 10, List.of(), List.of("x"));
    try (DecoderPool a = builder().file(file).build();
        RedisTestSupport.LogCapture log = RedisTestSupport.capture(RedisPoolStore.class)) {
      await(a.registerAsync(node("d1").capacity(5).build()));
      await(a.registerAsync(node("d2").build()));
      await(a.putAbTestAsync(test));
      await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(file) && mirror(file).nodes().size() == 2);

      RedisTestSupport.hset(redis.deployment(), key, "d1", "{not json");
      RedisTestSupport.hset(redis.deployment(), key, "d2",
          "{\"node_id\":\"d2\",\"endpoint\":\"http://d2.test:8001\",\"capacity\":0,\"dynamic\":true}");
      RedisTestSupport.hset(redis.deployment(), abKey, "t", "[]");

      assertThatThrownBy(() -> await(a.reloadAsync()))
          .isInstanceOf(PoolFormatException.class)
          .hasMessageContaining(key + " field 'd1'")
          .hasMessageContaining(key + " field 'd2'")
          .hasMessageContaining("capacity must be > 0")
          .hasMessageContaining(abKey + " field 't'");
      // the last good copies stay
      assertThat(a.node("d1").orElseThrow().node().capacity()).isEqualTo(5);
      assertThat(a.node("d2").orElseThrow().node().capacity()).isEqualTo(DecoderNode.DEFAULT_CAPACITY);
      assertThat(a.abTests()).containsExactly(test);
      assertThat(log.messages(Level.WARN))
          .anySatisfy(m -> assertThat(m).contains(key + " field 'd1'").contains("keeping the last good copy"))
          .anySatisfy(m -> assertThat(m).contains(key + " field 'd2'").contains("capacity must be > 0"));

      // reported once, not on every read
      assertThatThrownBy(() -> await(a.reloadAsync())).isInstanceOf(PoolFormatException.class);
      assertThat(log.messages(Level.WARN).stream().filter(m -> m.contains("field 'd1'"))).hasSize(1);

      // other changes go on; the mirror keeps the good copies; Redis's values are left as they are
      await(a.registerAsync(node("d3").build()));
      await().atMost(Duration.ofSeconds(5)).until(() -> mirror(file).nodes().size() == 3);
      assertThat(mirror(file).nodes()).filteredOn(n -> n.nodeId().equals("d1"))
          .singleElement().extracting(DecoderNode::capacity).isEqualTo(5);
      assertThat(RedisTestSupport.hgetall(redis.deployment(), key)).containsEntry("d1", "{not json").hasSize(3);

      // a fresh instance has no good copy of d1: it leaves it out, keeps the rest, and writes nothing back
      try (DecoderPool b = builder().build()) {
        assertThat(b.nodes()).extracting(NodeView::nodeId).containsExactlyInAnyOrder("d3");
        assertThat(log.messages(Level.WARN)).anySatisfy(m -> assertThat(m).contains("field 'd1'")
            .contains("no good copy known"));
      }
      assertThat(RedisTestSupport.hgetall(redis.deployment(), key)).containsEntry("d1", "{not json").hasSize(3);

      // fixing the value in Redis heals the snapshot
      RedisTestSupport.hset(redis.deployment(), key, "d1", PoolCodec.writeStoredNode(node("d1").capacity(9).build(),
          false));
      RedisTestSupport.hset(redis.deployment(), key, "d2", PoolCodec.writeStoredNode(node("d2").build(), false));
      RedisTestSupport.hset(redis.deployment(), abKey, "t", PoolCodec.writeAbTest(test));
      await(a.reloadAsync());
      assertThat(a.node("d1").orElseThrow().node().capacity()).isEqualTo(9);
    } catch (CompletionException e) {
      throw e;
    }
  }
}
