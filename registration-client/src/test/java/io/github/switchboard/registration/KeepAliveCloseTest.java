package io.github.switchboard.registration;

import static io.github.switchboard.registration.TestSupport.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.RoutingRequest;
import io.github.switchboard.pool.Selection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** KeepAlive.close() takes the node out of rotation at once: DRAINING, then (by default) deregistered. */
class KeepAliveCloseTest {
  private static final Duration TICK = Duration.ofMillis(200);
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Duration OUT_OF_ROTATION = Duration.ofSeconds(1);
  private static final RoutingRequest EN_ES = RoutingRequest.of("en", "es");

  private RedisServer redis;

  @BeforeEach
  void setUp() {
    redis = RedisHarness.sharedStandalone();
    redis.flushAll();
  }

  private DecoderPool coordinatorPool() {
    return DecoderPools.builder("default").redis(redis.target()).build();
  }

  private static Optional<String> selected(DecoderPool pool) {
    return pool.select(EN_ES).map(Selection::node).map(DecoderNode::nodeId);
  }

  @Test
  void closeLeavesRotationWithinASecondAndDeregisters() {
    List<String> attempts = new CopyOnWriteArrayList<>();
    try (DecoderPool coordinator = coordinatorPool();
        RegistrationClient client = RegistrationClients.builder().redis(redis.target(), "default")
            .listener((channel, success) -> attempts.add(channel + ":" + success)).build()) {
      KeepAlive alive = client.keepAlive(node("close-1"), TICK);
      await().atMost(WAIT).until(() -> selected(coordinator).equals(Optional.of("close-1")));
      attempts.clear();

      long start = System.nanoTime();
      alive.close();
      await().atMost(OUT_OF_ROTATION).until(() -> selected(coordinator).isEmpty());
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(OUT_OF_ROTATION);
      await().atMost(OUT_OF_ROTATION).until(() -> coordinator.node("close-1").isEmpty());
      assertThat(alive.channel()).isEmpty();
      // one attempt for the drain, one for the removal
      assertThat(attempts).containsExactly("redis:true", "redis:true");
    }
  }

  @Test
  void withoutDeregisterOnCloseTheNodeStaysDrained() {
    try (DecoderPool coordinator = coordinatorPool();
        RegistrationClient client = RegistrationClients.builder().redis(redis.target(), "default")
            .deregisterOnClose(false).build()) {
      KeepAlive alive = client.keepAlive(node("close-2"), TICK);
      await().atMost(WAIT).until(() -> selected(coordinator).equals(Optional.of("close-2")));
      alive.close();
      await().atMost(OUT_OF_ROTATION).until(() -> selected(coordinator).isEmpty());
      await().atMost(OUT_OF_ROTATION).until(() -> coordinator.node("close-2")
          .map(v -> v.node().status() == NodeStatus.DRAINING).orElse(false));
      alive.close(); // idempotent: nothing more is sent
      assertThat(coordinator.node("close-2")).isPresent();
    }
  }

  @Test
  void closingTheClientTakesItsNodesOutOfRotation() {
    try (DecoderPool coordinator = coordinatorPool()) {
      RegistrationClient client = RegistrationClients.builder().redis(redis.target(), "default").build();
      client.keepAlive(node("close-3"), TICK);
      client.keepAlive(node("close-4"), TICK);
      await().atMost(WAIT).until(() -> coordinator.nodes().size() == 2);
      client.close();
      await().atMost(OUT_OF_ROTATION).until(() -> coordinator.nodes().isEmpty());
    }
  }

  @Test
  void throughTheCoordinatorTheNodeIsPostedDrainingThenDeleted() throws Exception {
    try (CoordinatorStub stub = CoordinatorStub.start("tok-close-5150");
        RegistrationClient client = RegistrationClients.builder().coordinator(stub.uri(), "tok-close-5150").build()) {
      KeepAlive alive = client.keepAlive(node("close-5"), TICK);
      await().atMost(WAIT).until(() -> stub.heartbeats.get() >= 1);
      alive.close();
      assertThat(stub.postedStatuses).containsExactly(NodeStatus.ACTIVE, NodeStatus.DRAINING);
      assertThat(stub.deletes.get()).isEqualTo(1);
      assertThat(stub.nodes).doesNotContainKey("close-5");
    }
  }
}
