package io.github.switchboard.registration;

import static io.github.switchboard.registration.TestSupport.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A decoder node only writes: keep-alives through Redis add no subscriber to the pool's channel and share
 * one connection per JVM. On a Redis of its own, so that every connection counted is this test's.
 */
class FleetConnectionsTest {
  private static final String EVENTS = "switchboard:pool:{default}:events";
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int NODES = 20;

  private static long subscribers(RedisServer redis) {
    List<?> reply = (List<?>) redis.call("PUBSUB", "NUMSUB", EVENTS);
    return (Long) reply.get(1);
  }

  private static long connections(RedisServer redis) {
    return Long.parseLong(redis.info("clients").get("connected_clients"));
  }

  @Test
  void threeCoordinatorsAndTwentyKeepAlivesLeaveThreeSubscriptionsAndNoMoreConnection() {
    try (RedisServer redis = RedisHarness.standalone()) {
      List<DecoderPool> coordinators = new ArrayList<>();
      List<RegistrationClient> clients = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          coordinators.add(DecoderPools.builder("default").redis(redis.target()).build());
        }
        await().atMost(WAIT).until(() -> subscribers(redis) == 3);
        long withCoordinators = connections(redis);

        // one client per node, as twenty processes' worth of nodes in one JVM would have
        for (int i = 0; i < NODES; i++) {
          RegistrationClient client = RegistrationClients.builder().redis(redis.target(), "default").build();
          clients.add(client);
          client.keepAlive(node("fleet-" + i), Duration.ofMillis(250));
        }
        for (DecoderPool c : coordinators) {
          await().atMost(WAIT).until(() -> c.nodes().size() == NODES
              && c.nodes().stream().allMatch(v -> v.runtime().hasHeartbeat()));
        }
        assertThat(subscribers(redis)).isEqualTo(3);
        // one RedisBackend (the same target, the same options): the writer rides the connection the
        // coordinators share
        assertThat(connections(redis)).isEqualTo(withCoordinators);

        // closing the clients gives their share back; the coordinators' connection stays
        for (RegistrationClient c : clients) {
          c.close();
        }
        assertThat(connections(redis)).isEqualTo(withCoordinators);
        // and every node left rotation with its keep-alive, written on that connection
        for (DecoderPool c : coordinators) {
          await().atMost(WAIT).until(() -> c.nodes().isEmpty());
        }
        coordinators.forEach(DecoderPool::close);
        await().atMost(WAIT).until(() -> subscribers(redis) == 0 && connections(redis) == 1); // the asking one
      } finally {
        clients.forEach(RegistrationClient::close);
        coordinators.forEach(DecoderPool::close);
      }
    }
  }
}
