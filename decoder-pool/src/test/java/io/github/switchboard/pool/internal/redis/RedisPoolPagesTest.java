package io.github.switchboard.pool.internal.redis;

import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.NodeView;
import io.github.switchboard.pool.PoolTesting;
import io.github.switchboard.pool.PoolWriter;
import io.github.switchboard.pool.RedisTestSupport;
import io.github.switchboard.pool.internal.codec.PoolCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A full read in pages (issue 23): a large pool is read in several calls and whole; a coordinator that
 * starts while nodes are being registered, drained and removed, and so reads pages that are not one
 * atomic state, ends with exactly Redis's pool, as every other coordinator does.
 */
class RedisPoolPagesTest {
  private static final String POOL = "pages";

  @RegisterExtension static RedisExtension<RedisServer> redis = RedisExtension.standalone();

  @BeforeEach
  void flush() {
    redis.deployment().flushAll();
  }

  private static DecoderPools.Builder builder() {
    return DecoderPools.builder(POOL).redis(redis.deployment().target()).redisOptions(redis.deployment().options())
        .sweepInterval(PoolTesting.NEVER);
  }

  private static void registerAll(PoolWriter writer, int from, int to) {
    for (int i = from; i < to; i++) {
      writer.register(node(String.format("n%05d", i)).build());
    }
  }

  @Test
  void aLargePoolIsReadInPagesAndWhole() throws Exception {
    int n = 3 * RedisPoolPages.PAGE_SIZE + 17;
    try (PoolWriter writer = DecoderPools.writer(redis.deployment().target(), POOL, redis.deployment().options())) {
      registerAll(writer, 0, n);
      writer.heartbeat("n00007", NodeLoad.of(3));
    }
    RedisPoolKeys keys = new RedisPoolKeys(POOL);
    long before = evalshaCalls();
    List<Object> out;
    try (RedisConnection c = RedisConnection.open(redis.deployment().target(), redis.deployment().options(), "pages")) {
      out = RedisPoolPages.read(c, keys.snapshot).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    assertThat(evalshaCalls() - before).as("script calls: one per page").isGreaterThanOrEqualTo(4);
    Map<String, String> nodes = RedisTestSupport.hgetall(redis.deployment(), keys.nodes());
    assertThat(pairs(out.get(1))).containsExactlyInAnyOrderEntriesOf(nodes).hasSize(n);
    assertThat(pairs(out.get(2))).containsKey("n00007").hasSize(1);
    assertThat(String.valueOf(out.get(0))).isEqualTo(String.valueOf(out.get(5))); // nothing changed meanwhile
    try (DecoderPool late = builder().build()) { // and a coordinator reads it so
      await().atMost(Duration.ofSeconds(20)).until(() -> late.nodes().size() == n);
      assertThat(late.node("n00007").orElseThrow().runtime().load()).isEqualTo(NodeLoad.of(3));
    }
  }

  @Test
  void aCoordinatorStartingDuringChangesEndsWithRedisPool() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    try (PoolWriter writer = DecoderPools.writer(redis.deployment().target(), POOL, redis.deployment().options());
        DecoderPool first = builder().build()) {
      registerAll(writer, 0, 2_500);
      CompletableFuture<Void> churn = CompletableFuture.runAsync(() -> {
        Random r = new Random(7);
        while (!stop.get()) { // registrations, drains, removals, while the other coordinator reads its pages
          String id = String.format("n%05d", r.nextInt(3_000));
          switch (r.nextInt(3)) {
            case 0 -> writer.register(node(id).capacity(1 + r.nextInt(50)).build());
            case 1 -> writer.setStatus(id, r.nextBoolean() ? NodeStatus.DRAINING : NodeStatus.ACTIVE);
            default -> writer.deregister(id);
          }
        }
      });
      try (RedisTestSupport.LogCapture log = RedisTestSupport.capture(RedisPoolStore.class);
          DecoderPool late = builder().build()) {
        await().atMost(Duration.ofSeconds(20)).until(() -> late.nodes().size() > 1_000);
        stop.set(true);
        churn.get(10, TimeUnit.SECONDS);
        // both coordinators converge on Redis's pool: every node, status and capacity
        await().atMost(Duration.ofSeconds(20)).until(() -> view(late).equals(view(first)));
        assertThat(view(late)).isEqualTo(redisView());
        // the changes made while its pages were read were settled, not taken for drift (no read again)
        assertThat(log.messages(ch.qos.logback.classic.Level.INFO)).noneMatch(m -> m.contains("does not apply"));
      }
    }
  }

  private static List<String> view(DecoderPool p) {
    List<String> out = new ArrayList<>();
    for (NodeView v : p.nodes()) {
      out.add(v.nodeId() + " " + v.node().status() + " " + v.node().capacity());
    }
    return out;
  }

  private static List<String> redisView() {
    List<String> out = new ArrayList<>();
    new java.util.TreeMap<>(RedisTestSupport.hgetall(redis.deployment(), RedisTestSupport.nodesKey(POOL)))
        .forEach((id, json) -> {
          var n = PoolCodec.readStoredNode(json).node();
          out.add(id + " " + n.status() + " " + n.capacity());
        });
    return out;
  }

  private static Map<String, String> pairs(Object flat) {
    Map<String, String> m = new java.util.HashMap<>();
    List<?> l = (List<?>) flat;
    for (int i = 0; i + 1 < l.size(); i += 2) {
      m.put(String.valueOf(l.get(i)), String.valueOf(l.get(i + 1)));
    }
    return m;
  }

  private static long evalshaCalls() {
    String info = String.valueOf(redis.deployment().call("INFO", "commandstats"));
    int at = info.indexOf("cmdstat_evalsha:calls=");
    if (at < 0) {
      return 0;
    }
    int from = at + "cmdstat_evalsha:calls=".length();
    int end = info.indexOf(',', from);
    return Long.parseLong(info.substring(from, end));
  }
}
