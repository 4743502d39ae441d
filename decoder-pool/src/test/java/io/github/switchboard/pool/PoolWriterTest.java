package io.github.switchboard.pool;

import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PoolWriter}: a decoder node's writes reach every coordinator of the pool, with the pool's
 * results, and the writer itself subscribes to nothing and keeps nothing.
 */
class PoolWriterTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String POOL = "writer";

  private RedisServer redis;

  @BeforeEach
  void setUp() {
    redis = RedisHarness.sharedStandalone();
    redis.flushAll();
  }

  private DecoderPool coordinator() {
    return DecoderPools.builder(POOL).redis(redis.target()).sweepInterval(PoolTesting.NEVER).build();
  }

  @Test
  void writesReachACoordinatorWithThePoolsResults() throws Exception {
    writesReachACoordinator(redis);
  }

  /** Each write, seen by a coordinator's pool on the same deployment, with its result. */
  static void writesReachACoordinator(RedisDeployment d) throws Exception {
    try (DecoderPool coordinator = DecoderPools.builder(POOL).redis(d.target()).redisOptions(d.options())
            .sweepInterval(PoolTesting.NEVER).build();
        PoolWriter writer = DecoderPools.writer(d.target(), POOL, d.options())) {
      assertThat(writer.poolName()).isEqualTo(POOL);
      assertThat(writer.isConnected()).isTrue();
      assertThat(writer.register(node("w-1").build())).isTrue();
      assertThat(writer.registerAsync(node("w-1").capacity(7).build()).toCompletableFuture().get(5, TimeUnit.SECONDS))
          .isFalse();
      await().atMost(WAIT).until(() -> coordinator.node("w-1").map(v -> v.node().capacity() == 7).orElse(false));

      assertThat(writer.heartbeat("w-1", NodeLoad.of(12))).isTrue();
      assertThat(writer.heartbeat("unknown", NodeLoad.of(1))).isFalse();
      await().atMost(WAIT).until(() -> coordinator.node("w-1").map(v -> v.runtime().hasHeartbeat()).orElse(false));
      assertThat(coordinator.select(RoutingRequest.of("en", "es"))).isPresent();

      assertThat(writer.setStatus("w-1", NodeStatus.DRAINING)).isTrue();
      assertThat(writer.setStatus("unknown", NodeStatus.DRAINING)).isFalse();
      await().atMost(WAIT).until(() -> coordinator.select(RoutingRequest.of("en", "es")).isEmpty());

      assertThat(writer.deregister("w-1")).isTrue();
      assertThat(writer.deregisterAsync("w-1").toCompletableFuture().get(5, TimeUnit.SECONDS)).isFalse();
      await().atMost(WAIT).until(() -> coordinator.node("w-1").isEmpty());
    }
  }

  @Test
  void aWriterSubscribesToNothingAndUsesOneConnection() {
    try (RedisServer own = RedisHarness.standalone()) {
      long before = connections(own);
      try (PoolWriter writer = DecoderPools.writer(own.target(), POOL)) {
        for (int i = 0; i < 50; i++) {
          writer.register(node("w-" + i).build());
          writer.heartbeat("w-" + i, NodeLoad.of(i));
        }
        List<?> numsub = (List<?>) own.call("PUBSUB", "NUMSUB", "switchboard:pool:{" + POOL + "}:events");
        assertThat((Long) numsub.get(1)).isZero();
        assertThat(connections(own) - before).isEqualTo(1);
      }
      await().atMost(WAIT).until(() -> connections(own) == before);
    }
  }

  @Test
  void aPoolRedisLostIsCreatedByTheFirstWrite() {
    try (PoolWriter writer = DecoderPools.writer(redis.target(), POOL)) {
      // nothing in Redis: no coordinator has created the pool yet
      assertThat(redis.call("EXISTS", "switchboard:pool:{" + POOL + "}:rev")).isEqualTo(0L);
      assertThat(writer.register(node("w-lost").build())).isTrue();
      try (DecoderPool coordinator = coordinator()) {
        await().atMost(WAIT).until(() -> coordinator.node("w-lost").isPresent());
      }
      redis.flushAll(); // a restart without persistence
      assertThat(writer.register(node("w-lost").build())).isTrue();
      assertThat(redis.call("HEXISTS", "switchboard:pool:{" + POOL + "}:nodes", "w-lost")).isEqualTo(1L);
    }
  }

  @Test
  void withRedisDownAWriteFailsAtOnceAndClosedWritersRefuse() {
    try (RedisServer own = RedisHarness.standalone()) {
      PoolWriter writer = DecoderPools.writer(own.target(), POOL);
      own.kill();
      await().atMost(WAIT).until(() -> !writer.isConnected());
      long start = System.nanoTime();
      assertThatThrownBy(() -> writer.register(node("w-down").build()))
          .isInstanceOf(PoolWriter.WriteFailedException.class)
          .hasMessageContaining("pool '" + POOL + "'");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(writer.writeTimeout());
      writer.close();
      writer.close();
      assertThatThrownBy(() -> writer.heartbeat("w-down", NodeLoad.NONE)).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void thePoolNameIsChecked() {
    assertThatThrownBy(() -> DecoderPools.writer(redis.target(), "bad name"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("poolName");
  }

  private static long connections(RedisServer server) {
    return Long.parseLong(server.info("clients").get("connected_clients"));
  }
}
