package io.github.switchboard.pool;

import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.Topology;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A change received from Redis says how long it took to arrive; a change of a pool without Redis does not. */
class PropagationDelayTest {
  @RegisterExtension static RedisExtension<RedisDeployment> redis = RedisExtension.shared(Topology.STANDALONE);

  private DecoderPool pool() {
    return DecoderPools.builder("delay").redis(redis.deployment().target())
        .redisOptions(redis.deployment().options()).sweepInterval(PoolTesting.NEVER).build();
  }

  @Test
  void aChangeFromAnotherInstanceCarriesItsPropagationDelay() {
    redis.deployment().flushAll();
    try (DecoderPool a = pool(); DecoderPool b = pool()) {
      List<PoolEvent> heard = new CopyOnWriteArrayList<>();
      b.subscribe(heard::add);
      // the first changes may come before b has measured Redis's clock: register until one says
      AtomicInteger n = new AtomicInteger();
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        a.register(node("d" + n.getAndIncrement()).build());
        return heard.stream().anyMatch(e -> e.propagationDelay().isPresent());
      });
      PoolEvent e = heard.stream().filter(x -> x.propagationDelay().isPresent()).findFirst().orElseThrow();
      assertThat(e).isInstanceOf(PoolEvent.NodeRegistered.class);
      // same host, one clock: the delay is the trip through Redis, far below a second
      assertThat(e.propagationDelay().orElseThrow()).isBetween(Duration.ZERO, Duration.ofSeconds(1));
    }
  }

  @Test
  void aPoolWithoutRedisReportsNoDelay() {
    try (DecoderPool memory = DecoderPools.builder("memory").build()) {
      List<PoolEvent> heard = new CopyOnWriteArrayList<>();
      memory.subscribe(heard::add);
      memory.register(node("d1").build());
      await().atMost(Duration.ofSeconds(5)).until(() -> !heard.isEmpty());
      assertThat(heard.get(0).propagationDelay()).isEmpty();
    }
  }
}
