package io.github.switchboard.pool;

import static io.github.switchboard.pool.PoolTesting.await;
import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A pool over a connection the user hands in: the library cannot open pub/sub on it, so it polls the
 * revision (every 100 ms) instead; changes still arrive, and closing the pool leaves the connection open.
 */
class RedisUserConnectionTest {
  @RegisterExtension static RedisExtension<RedisServer> redis = RedisExtension.standalone();

  @Test
  void aHandedInConnectionWorksAndIsNotClosed() {
    StatefulRedisConnection<String, String> mine = redis.deployment().connect();
    try (DecoderPool viaTarget = DecoderPools.builder("user-conn").redis(redis.deployment().target())
            .redisOptions(redis.deployment().options()).sweepInterval(PoolTesting.NEVER).build()) {
      try (DecoderPool viaUser = DecoderPools.builder("user-conn").redis(mine)
          .redisOptions(redis.deployment().options()).sweepInterval(PoolTesting.NEVER).build()) {
        assertThat(viaUser.backendState()).isEqualTo(BackendState.PRIMARY);
        await(viaTarget.registerAsync(node("d1").build()));
        await().atMost(Duration.ofSeconds(2)).until(() -> viaUser.node("d1").isPresent());
        await(viaUser.setStatusAsync("d1", NodeStatus.DRAINING));
        assertThat(viaUser.node("d1").orElseThrow().node().status()).isEqualTo(NodeStatus.DRAINING);
        await().atMost(Duration.ofSeconds(2))
            .until(() -> viaTarget.node("d1").orElseThrow().node().status() == NodeStatus.DRAINING);
      }
      assertThat(mine.isOpen()).isTrue();
      assertThat(mine.sync().ping()).isEqualTo("PONG");
    } finally {
      mine.close();
    }
  }
}
