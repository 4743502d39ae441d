package io.github.switchboard.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.PoolEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The pool's gauges follow registrations, status changes, staleness and Redis. */
class DecoderPoolMetricsTest {
  private static final Duration NEVER = Duration.ofHours(1);

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Meters meters = new Meters(registry, "default");

  private static DecoderNode node(String id) {
    return DecoderNode.builder(id, URI.create("http://" + id + ".test:8001")).languages("en", "es").build();
  }

  private void awaitNodes(double selectable, double unselectable) {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(meters.poolNodes("selectable")).as("selectable").isEqualTo(selectable);
              assertThat(meters.poolNodes("unselectable")).as("unselectable").isEqualTo(unselectable);
            });
  }

  @Test
  void nodesFollowRegistrationsStatusChangesAndStaleness() {
    ManualTimeSource clock = new ManualTimeSource();
    try (DecoderPool pool =
        DecoderPoolMetrics.monitor(
            registry,
            DecoderPools.builder("default")
                .timeSource(clock)
                .staleAfter(Duration.ofSeconds(30))
                .sweepInterval(NEVER)
                .build(),
            "default")) {
      assertThat(meters.poolNodes("selectable")).isZero();
      assertThat(meters.poolNodes("unselectable")).isZero();
      assertThat(meters.poolBackend()).as("a pool without Redis").isEqualTo(1);

      pool.register(node("a"));
      pool.register(node("b"));
      pool.register(node("c"));
      awaitNodes(3, 0);
      pool.setStatus("b", NodeStatus.DRAINING);
      pool.setStatus("c", NodeStatus.MAINTENANCE);
      awaitNodes(1, 2);
      pool.setStatus("b", NodeStatus.ACTIVE);
      awaitNodes(2, 1);
      pool.deregister("c");
      awaitNodes(2, 0);

      pool.heartbeat("a", NodeLoad.of(1));
      awaitNodes(2, 0);
      clock.advance(Duration.ofSeconds(31));
      // no event: the gauge reads the snapshot when scraped, so a node that went stale is counted as such
      awaitNodes(1, 1);
      assertThat(meters.poolPropagation().count()).as("no Redis, nothing propagated").isZero();
    }
  }

  @Test
  void aSecondInstancesChangesAndRedisOutagesShow() {
    try (RedisServer redis = RedisHarness.standalone();
        DecoderPool writer =
            DecoderPools.builder("default")
                .redis(redis.target())
                .redisOptions(redis.options())
                .sweepInterval(NEVER)
                .build();
        DecoderPool watched =
            DecoderPoolMetrics.monitor(
                registry,
                DecoderPools.builder("default")
                    .redis(redis.target())
                    .redisOptions(redis.options())
                    .sweepInterval(NEVER)
                    .build(),
                "default")) {
      assertThat(meters.poolBackend()).isEqualTo(1);
      List<PoolEvent> delayed = new CopyOnWriteArrayList<>();
      watched.subscribe(
          e -> {
            if (e.propagationDelay().isPresent()) {
              delayed.add(e);
            }
          });
      // the watched instance subscribes to Redis in the background; a change made before that reaches it by
      // a resynchronisation, which carries no delay: write until one arrives through the subscription
      await("the watched instance hears the stream")
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                writer.register(node("warm-up"));
                return !delayed.isEmpty();
              });

      writer.register(node("a"));
      writer.register(node("b"));
      awaitNodes(3, 0);
      writer.setStatus("a", NodeStatus.DRAINING);
      awaitNodes(2, 1);
      await("the three changes arrive with their delay")
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  delayed.stream()
                          .filter(e -> e instanceof PoolEvent.NodeEvent n && !n.nodeId().equals("warm-up"))
                          .count()
                      == 3);
      // every change heard with a delay is timed once, from its Redis time to being applied here
      await().atMost(Duration.ofSeconds(5)).until(() -> meters.poolPropagation().count() == delayed.size());
      assertThat(meters.poolPropagation().max(TimeUnit.MILLISECONDS))
          .as("a change crosses loopback Redis well within a second")
          .isLessThan(1_000);

      redis.kill();
      await("the pool's backend gauge drops to 0")
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                watched.heartbeat("b", NodeLoad.of(1));
                return meters.poolBackend() == 0;
              });
      redis.restart();
      await("the pool's backend gauge is back to 1")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                watched.heartbeat("b", NodeLoad.of(1));
                return meters.poolBackend() == 1;
              });
    }
  }

  @Test
  void monitorReturnsThePoolAndChecksItsArguments() {
    try (DecoderPool pool = DecoderPools.builder("default").build()) {
      assertThat(DecoderPoolMetrics.monitor(registry, pool, "default")).isSameAs(pool);
      assertThatThrownBy(() -> DecoderPoolMetrics.monitor(registry, pool, ""))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("name");
    }
  }
}
