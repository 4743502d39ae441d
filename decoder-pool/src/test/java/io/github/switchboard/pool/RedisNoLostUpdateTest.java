package io.github.switchboard.pool;

import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.Topology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The original lost concurrent updates (read-modify-write of one blob). Two pool instances, each with its
 * own Redis connection and eight threads, register 1000 distinct nodes at once: every one of them must be
 * in Redis and in both instances' snapshots.
 */
class RedisNoLostUpdateTest {
  @RegisterExtension static RedisExtension<RedisDeployment> redis = RedisExtension.shared(Topology.STANDALONE);

  @BeforeEach
  void flush() {
    redis.deployment().flushAll();
  }

  private DecoderPool pool() {
    return DecoderPools.builder("lost-update")
        .redis(redis.deployment().target())
        .redisOptions(redis.deployment().options())
        .sweepInterval(PoolTesting.NEVER)
        .build();
  }

  @Test
  void twoInstancesSixteenThreadsThousandNodes() throws Exception {
    Set<String> expected = IntStream.range(0, 1000).mapToObj(i -> "node-" + i).collect(Collectors.toSet());
    ExecutorService threads = Executors.newFixedThreadPool(16);
    try (DecoderPool a = pool(); DecoderPool b = pool()) {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<List<CompletableFuture<Boolean>>>> tasks = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        DecoderPool p = t < 8 ? a : b;
        int thread = t;
        tasks.add(threads.submit(() -> {
          go.await();
          List<CompletableFuture<Boolean>> mine = new ArrayList<>();
          for (int n = thread; n < 1000; n += 16) {
            mine.add(p.registerAsync(node("node-" + n).build()).toCompletableFuture());
          }
          return mine;
        }));
      }
      go.countDown();
      List<CompletableFuture<Boolean>> all = new ArrayList<>();
      for (Future<List<CompletableFuture<Boolean>>> f : tasks) {
        all.addAll(f.get(60, TimeUnit.SECONDS));
      }
      CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
      assertThat(all).hasSize(1000).allSatisfy(f -> assertThat(f.join()).as("created").isTrue());

      assertThat(RedisTestSupport.hgetall(redis.deployment(), RedisTestSupport.nodesKey("lost-update")).keySet())
          .isEqualTo(expected);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(a.nodes()).extracting(NodeView::nodeId).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(b.nodes()).extracting(NodeView::nodeId).containsExactlyInAnyOrderElementsOf(expected);
      });
      assertThat(a.backendState()).isEqualTo(io.github.switchboard.core.BackendState.PRIMARY);
      assertThat(b.backendState()).isEqualTo(io.github.switchboard.core.BackendState.PRIMARY);
    } finally {
      threads.shutdownNow();
    }
  }
}
