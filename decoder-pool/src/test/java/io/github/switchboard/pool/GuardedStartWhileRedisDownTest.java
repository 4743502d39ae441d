package io.github.switchboard.pool;

import static io.github.switchboard.pool.PoolTesting.await;
import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The original decided once, at start, whether to use Redis: a coordinator started while Redis was down
 * never used it. Here it starts from the pool file (the original's own format), takes writes while Redis
 * is down, and moves to Redis when Redis comes up: Redis then holds the file's pool and those writes.
 */
class GuardedStartWhileRedisDownTest {
  @RegisterExtension static RedisExtension<RedisServer> redis = RedisExtension.standalone();

  @TempDir Path dir;

  private static final String ORIGINAL_FILE = """
      {"nodes": [{"node_id": "decoder-1", "endpoint": "http://decoder:8001",
                  "health_url": "http://decoder:8001/health", "status": "active",
                  "languages": ["en", "es"], "priority": 1, "region": "us-east-1",
                  "gpu_type": "T4", "capacity": 100, "tags": ["production"], "healthy": true, "load": 3},
                 {"node_id": "decoder-2", "endpoint": "http://decoder2:8001", "region": "eu-west-1"}],
       "ab_tests": [{"name": "es-v2", "is_active": true, "language_pair": "en-es",
                     "traffic_percentage": 10, "control_group_tags": ["stable"],
                     "experiment_group_tags": ["es_v2_adapter"]}]}
      """;

  private DecoderPools.Builder builder() {
    return DecoderPools.builder("late-redis")
        .redis(redis.deployment().target())
        .redisOptions(redis.deployment().options())
        .sweepInterval(PoolTesting.NEVER);
  }

  @Test
  void startsFromTheFileAndMovesToRedisWhenItComesUp() throws Exception {
    RedisServer server = redis.deployment();
    server.kill();
    Path file = dir.resolve("decoder_pool.json");
    Files.writeString(file, ORIGINAL_FILE, StandardCharsets.UTF_8);

    long start = System.nanoTime();
    try (DecoderPool pool = builder().file(file).build()) {
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
      assertThat(pool.backendState()).isNotEqualTo(BackendState.PRIMARY);
      assertThat(pool.nodes()).extracting(NodeView::nodeId).containsExactly("decoder-1", "decoder-2");
      assertThat(pool.abTests()).extracting(AbTest::name).containsExactly("es-v2");
      assertThat(pool.select(RoutingRequest.of("en", "es"))).isPresent();

      // writes while Redis is down: no error, stored in the file and journaled
      assertThat(await(pool.registerAsync(node("late").build()))).isTrue();
      assertThat(await(pool.heartbeatAsync("late", NodeLoad.of(4)))).isTrue();
      assertThat(pool.node("late")).isPresent();
      // this instance's own journal: decoder_pool.json.journal.<pid>-<random> (and its lock)
      Path journal;
      try (var files = Files.list(dir)) {
        journal = files.filter(f -> f.getFileName().toString().startsWith("decoder_pool.json.journal.")
            && !f.getFileName().toString().endsWith(".lock")).findFirst().orElseThrow();
      }
      assertThat(Files.readString(journal)).contains("\"late\"");

      server.restart();
      await().atMost(Duration.ofSeconds(20)).until(() -> pool.backendState() == BackendState.PRIMARY);

      Map<String, String> inRedis = RedisTestSupport.hgetall(server, RedisTestSupport.nodesKey("late-redis"));
      assertThat(inRedis.keySet()).containsExactlyInAnyOrder("decoder-1", "decoder-2", "late");
      assertThat(inRedis.get("decoder-1")).doesNotContain("dynamic"); // configured in the file
      assertThat(inRedis.get("late")).contains("\"dynamic\":true");
      assertThat(RedisTestSupport.hgetall(server, "switchboard:pool:{late-redis}:abtests")).containsKey("es-v2");
      assertThat(pool.nodes()).extracting(NodeView::nodeId).containsExactly("decoder-1", "decoder-2", "late");
      assertThat(journal).doesNotExist();

      // and it now shares the pool with other coordinators through Redis
      try (DecoderPool other = builder().build()) {
        assertThat(other.nodes()).extracting(NodeView::nodeId).containsExactly("decoder-1", "decoder-2", "late");
        assertThat(other.node("late").orElseThrow().runtime().load().load()).isEqualTo(4.0);
        assertThat(other.node("decoder-1").orElseThrow().configured()).isTrue();
        await(other.registerAsync(node("from-other").build()));
        await().atMost(Duration.ofSeconds(2)).until(() -> pool.node("from-other").isPresent());
      }
    }
  }
}
