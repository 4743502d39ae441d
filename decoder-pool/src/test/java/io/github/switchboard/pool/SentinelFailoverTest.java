package io.github.switchboard.pool;

import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisSentinel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
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

/**
 * A Sentinel failover (the master is killed, the replica promoted) while nodes register and heartbeat:
 * writes continue (from the fallback while no master answers), and afterwards Redis, through the new
 * master, holds every node that was registered.
 */
class SentinelFailoverTest {
  @RegisterExtension static RedisExtension<RedisSentinel> redis = RedisExtension.sentinel();

  @TempDir Path dir;

  private DecoderPools.Builder builder() {
    return DecoderPools.builder("failover")
        .redis(redis.deployment().target())
        .redisOptions(redis.deployment().options())
        .sweepInterval(PoolTesting.NEVER);
  }

  @Test
  void writesContinueThroughAFailoverAndNothingIsLost() throws Exception {
    Set<String> registered = ConcurrentHashMap.newKeySet();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try (DecoderPool pool = builder().file(dir.resolve("decoder_pool.json")).build()) {
      assertThat(pool.backendState()).isEqualTo(BackendState.PRIMARY);
      Future<?>[] tasks = new Future<?>[2];
      for (int t = 0; t < 2; t++) {
        int thread = t;
        tasks[t] = threads.submit(() -> {
          int i = 0;
          while (!stop.get()) {
            String id = "w" + thread + "-" + i++;
            try {
              assertThat(pool.registerAsync(node(id).build()).toCompletableFuture().get(10, TimeUnit.SECONDS))
                  .isTrue();
              registered.add(id);
              pool.heartbeatAsync(id, NodeLoad.of(1)).toCompletableFuture().get(10, TimeUnit.SECONDS);
              Thread.sleep(10);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            } catch (Throwable e) {
              failures.add(e);
            }
          }
        });
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> registered.size() >= 30);
      redis.deployment().failover();
      int afterFailover = registered.size();
      await().atMost(Duration.ofSeconds(30)).until(() -> pool.backendState() == BackendState.PRIMARY
          && registered.size() >= afterFailover + 30);
      stop.set(true);
      for (Future<?> f : tasks) {
        f.get(30, TimeUnit.SECONDS);
      }
      assertThat(failures).as("exceptions seen by callers").isEmpty();
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
          assertThat(RedisTestSupport.hgetall(redis.deployment(), RedisTestSupport.nodesKey("failover")).keySet())
              .containsExactlyInAnyOrderElementsOf(registered));
      assertThat(pool.nodes()).extracting(NodeView::nodeId).containsExactlyInAnyOrderElementsOf(registered);
      try (DecoderPool fresh = builder().build()) {
        assertThat(fresh.nodes()).extracting(NodeView::nodeId).containsExactlyInAnyOrderElementsOf(registered);
      }
    } finally {
      stop.set(true);
      threads.shutdownNow();
    }
  }
}
