package io.github.switchboard.pool;

import static io.github.switchboard.pool.PoolTesting.await;
import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Heartbeats at fleet scale (issue 9): a heartbeat refreshes liveness and load in Redis without a
 * broadcast unless coordinators must learn it at once (the node's first heartbeat, or its return from
 * stale); coordinators pull loads and heartbeat times about once a second. Counted on the wire: a raw
 * subscriber on the pool's channel, and Redis's own count of PUBLISH calls ({@code INFO commandstats}).
 * About 8 s.
 */
class RedisQuietHeartbeatTest {
  @RegisterExtension static RedisExtension<RedisServer> redis = RedisExtension.standalone();

  private static final String POOL = "quiet";
  private static final Duration STALE_AFTER = Duration.ofSeconds(2);
  private static final Pattern PUBLISH_CALLS = Pattern.compile("cmdstat_publish:calls=(\\d+)");

  private final AtomicInteger heard = new AtomicInteger();
  private RedisConnection raw;
  private StatefulRedisPubSubConnection<String, String> subscriber;

  @BeforeEach
  void subscribe() throws Exception {
    redis.deployment().flushAll();
    raw = RedisConnection.open(redis.deployment().target(), redis.deployment().options(), "quiet-test");
    subscriber = raw.connectPubSub().toCompletableFuture().get(10, TimeUnit.SECONDS);
    subscriber.addListener(new RedisPubSubAdapter<String, String>() {
      @Override
      public void message(String channel, String message) {
        heard.incrementAndGet();
      }
    });
    subscriber.sync().subscribe("switchboard:pool:{" + POOL + "}:events");
  }

  @AfterEach
  void close() {
    subscriber.close();
    raw.close();
  }

  private static DecoderPool coordinator() {
    return coordinator(STALE_AFTER);
  }

  private static DecoderPool coordinator(Duration staleAfter) {
    return DecoderPools.builder(POOL)
        .redis(redis.deployment().target())
        .redisOptions(redis.deployment().options())
        .staleAfter(staleAfter)
        .evictAfter(staleAfter.multipliedBy(10))
        .sweepInterval(PoolTesting.NEVER)
        .build();
  }

  /** The pool's settings hash: "stale_after", and "c:<instance>" per coordinator that registered its own. */
  private static Map<String, String> settings() {
    return RedisTestSupport.hgetall(redis.deployment(), "switchboard:pool:{" + POOL + "}:settings");
  }

  private static String settingsStaleAfter() {
    return settings().get("stale_after");
  }

  private static long publishCalls() {
    Matcher m = PUBLISH_CALLS.matcher(String.valueOf(redis.deployment().call("INFO", "commandstats")));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  @Test
  void thousandHeartbeatsFromHundredNodesPublishAtMostHundredMessagesAndLoadsStillArrive() {
    try (DecoderPool a = coordinator(); DecoderPool b = coordinator();
        PoolWriter writer = DecoderPools.writer(redis.deployment().target(), POOL, redis.deployment().options())) {
      for (int i = 0; i < 100; i++) {
        assertThat(writer.register(node("n" + i).build())).isTrue();
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> a.nodes().size() == 100 && b.nodes().size() == 100);
      await().atMost(Duration.ofSeconds(5)).until(() -> heard.get() >= 100); // the registrations
      int before = heard.get();
      long publishesBefore = publishCalls();

      // 1,000 heartbeats with changing loads: 10 rounds over 100 nodes, half through the node's writer,
      // half through coordinator A (both write paths)
      for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 100; i++) {
          NodeLoad load = NodeLoad.of(round * 10 + i % 10, round);
          boolean known = i % 2 == 0 ? writer.heartbeat("n" + i, load) : a.heartbeat("n" + i, load);
          assertThat(known).isTrue();
        }
      }
      // A reads its own heartbeats at once, whether published or not
      assertThat(a.node("n1").orElseThrow().runtime().load().load()).isEqualTo(91.0);

      // a changed load reaches B within 2 s (by its pull: this heartbeat is not published)
      long sent = System.nanoTime();
      assertThat(writer.heartbeat("n0", NodeLoad.of(77, 7))).isTrue();
      await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
          .until(() -> b.node("n0").orElseThrow().runtime().load().load() == 77.0);
      long reachedMillis = (System.nanoTime() - sent) / 1_000_000;
      assertThat(b.node("n99").orElseThrow().runtime().load().load()).isEqualTo(99.0);

      // only the first heartbeat of each node was broadcast: at most 100 messages for 1,001 heartbeats
      int published = heard.get() - before;
      long publishCalls = publishCalls() - publishesBefore;
      System.out.printf("quiet heartbeats: 1,001 heartbeats, %d messages heard, %d PUBLISH calls; a load"
          + " reached B in %d ms%n", published, publishCalls, reachedMillis);
      assertThat(published).isLessThanOrEqualTo(100);
      assertThat(publishCalls).isLessThanOrEqualTo(100);
    }
  }

  @Test
  void aSilentNodeGoesStaleOnAnotherCoordinatorAndItsReturnIsPublished() {
    try (DecoderPool b = coordinator();
        PoolWriter writer = DecoderPools.writer(redis.deployment().target(), POOL, redis.deployment().options())) {
      writer.register(node("silent").build());
      writer.register(node("steady").build());
      writer.heartbeat("silent", NodeLoad.of(1));
      writer.heartbeat("steady", NodeLoad.of(1));
      await().atMost(Duration.ofSeconds(5)).until(() -> b.node("silent").map(NodeView::fresh).orElse(false));
      assertThat(writer.heartbeat("silent", NodeLoad.of(2))).isTrue(); // the last one, quiet
      long lastBeat = System.nanoTime();

      // silent from now on: stale on B within staleAfter + one pull (plus a margin for a loaded machine),
      // while a node that keeps beating stays fresh
      await().atMost(STALE_AFTER.plusSeconds(3)).pollInterval(Duration.ofMillis(50)).until(() -> {
        writer.heartbeat("steady", NodeLoad.of(1));
        return !b.node("silent").orElseThrow().fresh();
      });
      long staleAfterMillis = (System.nanoTime() - lastBeat) / 1_000_000;
      assertThat(staleAfterMillis).isGreaterThanOrEqualTo(STALE_AFTER.toMillis() - 250);
      assertThat(b.node("steady").orElseThrow().fresh()).isTrue();
      assertThat(b.select(RoutingRequest.of("en", "es")).orElseThrow().node().nodeId()).isEqualTo("steady");

      // the pool's stale threshold is in Redis (written by the coordinator), so the node's return is
      // broadcast at once
      int before = heard.get();
      assertThat(writer.heartbeat("silent", NodeLoad.of(3))).isTrue();
      await().atMost(Duration.ofSeconds(2)).until(() -> b.node("silent").orElseThrow().fresh());
      await().atMost(Duration.ofSeconds(2)).until(() -> heard.get() == before + 1);
    }
  }

  @Test
  void aReturnFromStaleIsPublishedForTheCoordinatorWithTheShortestStaleAfter() {
    // the short one starts first: with the last writer's threshold in the settings (10 s), a node silent
    // for 2 s would come back unannounced and the short coordinator would learn it only by its pull
    try (DecoderPool quick = coordinator(STALE_AFTER)) {
      String shortMicros = String.valueOf(STALE_AFTER.toNanos() / 1000);
      await().atMost(Duration.ofSeconds(5)).until(() -> shortMicros.equals(settingsStaleAfter()));
      try (DecoderPool slow = coordinator(Duration.ofSeconds(10));
          PoolWriter writer = DecoderPools.writer(redis.deployment().target(), POOL, redis.deployment().options())) {
        writer.register(node("back").build());
        writer.heartbeat("back", NodeLoad.of(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> quick.node("back").map(NodeView::fresh).orElse(false)
            && slow.node("back").map(NodeView::fresh).orElse(false));
        // the slow coordinator has registered its threshold too; the pool's stays the shortest
        await().atMost(Duration.ofSeconds(5))
            .until(() -> settings().keySet().stream().filter(k -> k.startsWith("c:")).count() == 2);
        assertThat(settingsStaleAfter()).isEqualTo(shortMicros);

        // silent past the short staleAfter: stale on the quick coordinator only
        await().atMost(STALE_AFTER.plusSeconds(3)).pollInterval(Duration.ofMillis(50))
            .until(() -> !quick.node("back").orElseThrow().fresh());
        assertThat(slow.node("back").orElseThrow().fresh()).isTrue();

        // its return is published: heard on the wire and on the quick coordinator within 500 ms (its pull
        // alone would take up to a second)
        int before = heard.get();
        long sent = System.nanoTime();
        assertThat(writer.heartbeat("back", NodeLoad.of(2))).isTrue();
        await().atMost(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(5))
            .until(() -> heard.get() == before + 1 && quick.node("back").orElseThrow().fresh());
        System.out.printf("back from stale on the coordinator with the shorter staleAfter in %d ms, published%n",
            (System.nanoTime() - sent) / 1_000_000);

        // the quick coordinator closes: its entry leaves at once and the slow one's threshold is the pool's
        quick.close();
        assertThat(settings().keySet().stream().filter(k -> k.startsWith("c:")).count()).isEqualTo(1);
        assertThat(settingsStaleAfter()).isEqualTo(String.valueOf(Duration.ofSeconds(10).toNanos() / 1000));
      }
    }
  }
}
