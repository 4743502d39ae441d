package io.github.switchboard.pool.internal.guard;

import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeView;
import io.github.switchboard.pool.PoolTesting;
import io.github.switchboard.pool.RedisTestSupport;
import io.github.switchboard.pool.internal.redis.RedisPoolStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Redis is killed (SIGKILL) while nodes register and heartbeat from several threads, and restarted empty
 * (no persistence). Callers never see an exception; after the restart the pool in Redis is whole again,
 * rebuilt from the fallback (file or memory) and the journal, and a fresh instance reads all of it.
 */
class GuardedRedisKillTest {
  @RegisterExtension static RedisExtension<RedisServer> redis = RedisExtension.standalone();

  @TempDir Path dir;

  private DecoderPools.Builder builder(String pool) {
    return DecoderPools.builder(pool)
        .redis(redis.deployment().target())
        .redisOptions(redis.deployment().options())
        .sweepInterval(PoolTesting.NEVER);
  }

  @ParameterizedTest(name = "fallback: {0}")
  @ValueSource(strings = {"file", "memory"})
  void killedWhileRegisteringAndHeartbeatingThenRestartedEmpty(String fallback) throws Exception {
    RedisServer server = redis.deployment();
    String name = "killed-" + fallback;
    DecoderPools.Builder b = builder(name);
    if (fallback.equals("file")) {
      b.file(dir.resolve("decoder_pool.json"));
    }
    Set<String> registered = ConcurrentHashMap.newKeySet();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    List<BackendState> transitions = new CopyOnWriteArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try (RedisTestSupport.LogCapture log = RedisTestSupport.capture(GuardedPoolStore.class);
        DecoderPool pool = b.listener((n, from, to) -> transitions.add(to)).build()) {
      assertThat(pool.backendState()).isEqualTo(BackendState.PRIMARY);
      List<Future<?>> tasks = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        tasks.add(threads.submit(() -> {
          int i = 0;
          while (!stop.get()) {
            String id = "t" + thread + "-n" + i++;
            try {
              CompletableFuture<Boolean> r = pool.registerAsync(node(id).build()).toCompletableFuture();
              assertThat(r.get(10, TimeUnit.SECONDS)).isTrue();
              registered.add(id);
              for (int k = Math.max(0, i - 5); k < i; k++) {
                pool.heartbeatAsync("t" + thread + "-n" + k, NodeLoad.of(k)).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
              }
              Thread.sleep(5);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            } catch (Throwable e) {
              failures.add(e);
            }
          }
        }));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> registered.size() >= 40);
      server.kill();
      int atKill = registered.size();
      await().atMost(Duration.ofSeconds(15)).until(() -> pool.backendState() != BackendState.PRIMARY);
      await().atMost(Duration.ofSeconds(15)).until(() -> registered.size() >= atKill + 40);
      server.restart();
      await().atMost(Duration.ofSeconds(20)).until(() -> pool.backendState() == BackendState.PRIMARY);
      await().atMost(Duration.ofSeconds(10)).until(() -> registered.size() >= atKill + 80);
      stop.set(true);
      for (Future<?> f : tasks) {
        f.get(30, TimeUnit.SECONDS);
      }

      assertThat(failures).as("exceptions seen by callers").isEmpty();
      assertThat(transitions).contains(BackendState.FALLBACK, BackendState.PRIMARY);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(RedisTestSupport.hgetall(server, RedisTestSupport.nodesKey(name)).keySet())
              .containsExactlyInAnyOrderElementsOf(registered));
      assertThat(pool.nodes()).extracting(NodeView::nodeId).containsExactlyInAnyOrderElementsOf(registered);
      assertThat(log.messages(Level.INFO)).anySatisfy(m -> assertThat(m).contains("journal replayed"));
      assertThat(log.messages(Level.WARN)).anySatisfy(m -> assertThat(m).contains("is unavailable"));

      try (DecoderPool fresh = builder(name).build()) {
        assertThat(fresh.backendState()).isEqualTo(BackendState.PRIMARY);
        assertThat(fresh.nodes()).extracting(NodeView::nodeId).containsExactlyInAnyOrderElementsOf(registered);
        // heartbeats made while Redis was down came back too
        assertThat(fresh.nodes()).filteredOn(v -> v.runtime().hasHeartbeat()).isNotEmpty();
      }
    } finally {
      stop.set(true);
      threads.shutdownNow();
    }
  }

  @Test
  void anIdlePoolIsPutBackAfterRedisLosesItsData() throws Exception {
    RedisServer server = redis.deployment();
    try (DecoderPool pool = builder("idle").build()) {
      for (int i = 0; i < 5; i++) {
        PoolTesting.await(pool.registerAsync(node("n" + i).build()));
      }
      server.kill();
      server.restart();
      // nobody writes: the pool notices the loss by itself (reconnect or revision check) and re-seeds
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(RedisTestSupport.hgetall(server, RedisTestSupport.nodesKey("idle"))).hasSize(5));
      assertThat(pool.nodes()).hasSize(5);
    }
  }

  @Test
  void anInstanceThatKnewThePoolPutsItBackWhenAnotherRecreatedItEmpty() throws Exception {
    RedisServer server = redis.deployment();
    try (RedisTestSupport.LogCapture log = RedisTestSupport.capture(RedisPoolStore.class);
        DecoderPool knowing = builder("recreated").build()) {
      for (int i = 0; i < 5; i++) {
        PoolTesting.await(knowing.registerAsync(node("n" + i).build()));
      }
      server.flushAll(); // the data is lost ...
      // ... and a newcomer that knows nothing (say, a CLI) creates the pool again with one node
      try (DecoderPool newcomer = builder("recreated").build()) {
        PoolTesting.await(newcomer.registerAsync(node("cli-node").build()));
        Set<String> all = Set.of("n0", "n1", "n2", "n3", "n4", "cli-node");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          assertThat(RedisTestSupport.hgetall(server, RedisTestSupport.nodesKey("recreated")).keySet())
              .containsExactlyInAnyOrderElementsOf(all);
          assertThat(newcomer.nodes()).extracting(NodeView::nodeId).containsExactlyInAnyOrderElementsOf(all);
          assertThat(knowing.nodes()).extracting(NodeView::nodeId).containsExactlyInAnyOrderElementsOf(all);
        });
        // whichever noticed first: the knowing instance merged its nodes back, or seeded before the newcomer
        assertThat(log.messages(Level.WARN)).anySatisfy(m -> assertThat(m)
            .satisfiesAnyOf(x -> assertThat(x).contains("re-created in Redis by another instance"),
                x -> assertThat(x).contains("seeded it with 5 node(s)")));
      }
    }
  }
}
