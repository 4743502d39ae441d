package io.github.switchboard.registration;

import static io.github.switchboard.registration.TestSupport.fileNodes;
import static io.github.switchboard.registration.TestSupport.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.NodeView;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class KeepAliveTest extends ChannelTestBase {
  private static final String TOKEN = "tok-keepalive-8812";
  private static final Duration TICK = Duration.ofMillis(150);
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** A channel that comes back is probed within 300 ms (the default waits 10 s). */
  private static final CircuitBreakerConfig BREAKERS = TestSupport.quickBreakers(Duration.ofMillis(300));

  KeepAliveTest() {
    super(TOKEN);
  }

  @Test
  void heartbeatsArriveWithTheSuppliedLoad() {
    AtomicInteger load = new AtomicInteger(7);
    try (RegistrationClient client = RegistrationClients.builder().circuitBreakerConfig(BREAKERS).coordinator(coordinator.uri(), TOKEN).build();
        KeepAlive alive = client.keepAlive(node("ka-1"), TICK, () -> NodeLoad.of(load.get()))) {
      assertThat(alive.nodeId()).isEqualTo("ka-1");
      await().atMost(WAIT).until(() -> coordinator.heartbeats.get() >= 4);
      assertThat(alive.channel()).contains(Channel.COORDINATOR);
      assertThat(coordinator.posts.get()).isEqualTo(1);
      assertThat(coordinator.loads.get("ka-1").load()).isEqualTo(7.0);
      load.set(11);
      await().atMost(WAIT).until(() -> coordinator.loads.get("ka-1").load() == 11.0);
      alive.close();
      assertThat(alive.channel()).isEmpty();
      int after = coordinator.heartbeats.get();
      // no more heartbeats once closed (a tick already running may still finish)
      await().pollDelay(Duration.ofMillis(600)).atMost(WAIT)
          .until(() -> coordinator.heartbeats.get() <= after + 1);
      // closing drained, then deregistered the node
      assertThat(coordinator.postedStatuses).last().isEqualTo(NodeStatus.DRAINING);
      assertThat(coordinator.nodes).doesNotContainKey("ka-1");
    }
  }

  @Test
  void registersAgainWhenTheCoordinatorForgetsTheNode() {
    try (RegistrationClient client = RegistrationClients.builder().circuitBreakerConfig(BREAKERS).coordinator(coordinator.uri(), TOKEN).build();
        KeepAlive alive = client.keepAlive(node("ka-2"), TICK)) {
      await().atMost(WAIT).until(() -> coordinator.heartbeats.get() >= 2);
      assertThat(coordinator.posts.get()).isEqualTo(1);
      coordinator.forget("ka-2");
      await().atMost(WAIT).until(() -> coordinator.posts.get() >= 2 && coordinator.nodes.containsKey("ka-2"));
      assertThat(alive.channel()).contains(Channel.COORDINATOR);
    }
  }

  /** A heartbeat that timed out (a coordinator too slow to answer) is followed by heartbeats, not a registration. */
  @Test
  void aHeartbeatThatTimedOutIsNotFollowedByARegistration() {
    try (RegistrationClient client = RegistrationClients.builder().circuitBreakerConfig(BREAKERS)
            .coordinator(coordinator.uri(), TOKEN)
            .requestTimeout(Duration.ofMillis(300))
            .build();
        KeepAlive alive = client.keepAlive(node("ka-9"), TICK)) {
      await().atMost(WAIT).until(() -> coordinator.heartbeats.get() >= 2);
      assertThat(coordinator.posts.get()).isEqualTo(1);
      coordinator.delayMillis = 1_000; // every call times out on the client's side
      await().atMost(WAIT).until(() -> alive.channel().isEmpty());
      coordinator.delayMillis = 0;
      int beats = coordinator.heartbeats.get();
      await().atMost(WAIT).until(() -> alive.channel().equals(Optional.of(Channel.COORDINATOR))
          && coordinator.heartbeats.get() >= beats + 3);
      assertThat(coordinator.posts.get()).as("registrations").isEqualTo(1);
      assertThat(coordinator.nodes).containsKey("ka-9");
    }
  }

  /** While every channel fails, the ticks back off (1, 2, 4, 8 intervals, jittered), then resume at once. */
  @Test
  void ticksBackOffWhileEveryChannelFails() throws Exception {
    AtomicInteger ticks = new AtomicInteger();
    coordinator.stop();
    try (RegistrationClient client = RegistrationClients.builder().circuitBreakerConfig(BREAKERS)
            .coordinator(coordinator.uri(), TOKEN).build();
        KeepAlive alive = client.keepAlive(node("ka-10"), TICK, () -> {
          ticks.incrementAndGet();
          return NodeLoad.NONE;
        })) {
      await().atMost(WAIT).until(() -> ticks.get() >= 1);
      int first = ticks.get();
      // 3 s at one tick every 150 ms would be 20 ticks; backing off (150, 300, 600, 1200, 1200 ms, each
      // times 0.5 to 1.5) makes at most 9 of them
      await().pollDelay(Duration.ofSeconds(3)).atMost(WAIT).until(() -> true);
      assertThat(ticks.get() - first).as("ticks in 3 s while every channel fails").isBetween(2, 9);
      coordinator.restart();
      await().atMost(WAIT).until(() -> alive.channel().equals(Optional.of(Channel.COORDINATOR)));
      int back = ticks.get();
      await().atMost(WAIT).until(() -> ticks.get() >= back + 6); // one interval apart again
      assertThat(coordinator.nodes).containsKey("ka-10");
    }
  }

  @Test
  void fallsBackToRedisWhileTheCoordinatorIsDownAndMovesBack() throws Exception {
    try (RegistrationClient client = RegistrationClients.builder().circuitBreakerConfig(BREAKERS)
            .coordinator(coordinator.uri(), TOKEN)
            .redis(redis.target(), "default")
            .requestTimeout(Duration.ofSeconds(2))
            .build();
        KeepAlive alive = client.keepAlive(node("ka-3"), TICK);
        DecoderPool observer = DecoderPools.builder("default").redis(redis.target()).build()) {
      await().atMost(WAIT).until(() -> alive.channel().equals(Optional.of(Channel.COORDINATOR)));
      assertThat(observer.node("ka-3")).isEmpty();

      coordinator.stop();
      await().atMost(WAIT).until(() -> alive.channel().equals(Optional.of(Channel.REDIS)));
      // registered in Redis, and heartbeats recorded there
      await().atMost(WAIT).until(() -> observer.node("ka-3").map(v -> v.runtime().hasHeartbeat()).orElse(false));
      long beat = observer.node("ka-3").orElseThrow().runtime().lastHeartbeatMicros();
      await().atMost(WAIT).until(() -> observer.node("ka-3").orElseThrow().runtime().lastHeartbeatMicros() > beat);

      int postsBefore = coordinator.posts.get();
      coordinator.restart();
      await().atMost(WAIT).until(() -> alive.channel().equals(Optional.of(Channel.COORDINATOR)));
      assertThat(coordinator.posts.get()).isGreaterThan(postsBefore);
      int beats = coordinator.heartbeats.get();
      await().atMost(WAIT).until(() -> coordinator.heartbeats.get() >= beats + 2);
    }
  }

  @Test
  void fallsBackToTheFileWhileRedisIsDownAndMovesBack() throws Exception {
    Path file = dir.resolve("decoder_pool.json");
    try (RedisServer own = RedisHarness.standalone();
        RegistrationClient client = RegistrationClients.builder().circuitBreakerConfig(BREAKERS)
            .redis(own.target(), "default")
            .file(file)
            .requestTimeout(Duration.ofSeconds(2))
            .build();
        KeepAlive alive = client.keepAlive(node("ka-4"), TICK)) {
      await().atMost(WAIT).until(() -> alive.channel().equals(Optional.of(Channel.REDIS)));
      own.kill();
      await().atMost(WAIT).until(() -> alive.channel().equals(Optional.of(Channel.FILE)));
      assertThat(fileNodes(file)).extracting(NodeView::nodeId).containsExactly("ka-4");
      own.restart();
      await().atMost(WAIT).until(() -> alive.channel().equals(Optional.of(Channel.REDIS)));
      await().atMost(WAIT).until(() -> TestSupport.redisNodeIds(own.target(), "default").contains("ka-4"));
    }
  }

  @Test
  void withEveryChannelDownThereIsNoChannelUntilOneAnswers() throws Exception {
    int port = coordinator.port();
    coordinator.stop();
    try (RegistrationClient client = RegistrationClients.builder().circuitBreakerConfig(BREAKERS).coordinator(coordinator.uri(), TOKEN).build();
        KeepAlive alive = client.keepAlive(node("ka-5"), TICK)) {
      await().pollDelay(Duration.ofMillis(500)).atMost(WAIT).until(() -> alive.channel().isEmpty());
      coordinator.restart();
      assertThat(coordinator.port()).isEqualTo(port);
      await().atMost(WAIT).until(() -> alive.channel().equals(Optional.of(Channel.COORDINATOR)));
      assertThat(coordinator.nodes).containsKey("ka-5");
    }
  }

  @Test
  void closingTheClientStopsItsKeepAlives() {
    RegistrationClient client = RegistrationClients.builder().circuitBreakerConfig(BREAKERS).coordinator(coordinator.uri(), TOKEN).build();
    KeepAlive alive = client.keepAlive(node("ka-6"), TICK);
    await().atMost(WAIT).until(() -> coordinator.heartbeats.get() >= 1);
    client.close();
    assertThat(alive.channel()).isEmpty();
    int after = coordinator.heartbeats.get();
    await().pollDelay(Duration.ofMillis(600)).atMost(WAIT).until(() -> coordinator.heartbeats.get() <= after + 1);
  }

  @Test
  void aRefusedTokenIsNotPlacedOnALowerChannel() {
    try (RegistrationClient client = RegistrationClients.builder().circuitBreakerConfig(BREAKERS)
            .coordinator(coordinator.uri(), "not-the-token")
            .redis(redis.target(), "default")
            .build();
        KeepAlive alive = client.keepAlive(node("ka-8"), TICK)) {
      await().atMost(WAIT).until(() -> coordinator.authorizations.size() >= 3); // three ticks refused
      assertThat(alive.channel()).isEmpty();
      assertThat(TestSupport.redisNodeIds(redis.target(), "default")).isEmpty();
    }
  }

  @Test
  void theIntervalMustBePositive() {
    try (RegistrationClient client = RegistrationClients.builder().circuitBreakerConfig(BREAKERS).coordinator(coordinator.uri(), TOKEN).build()) {
      DecoderNode n = node("ka-7");
      assertThatThrownBy(() -> client.keepAlive(n, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("interval");
    }
  }
}
