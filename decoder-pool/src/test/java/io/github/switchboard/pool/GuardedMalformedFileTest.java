package io.github.switchboard.pool;

import static io.github.switchboard.pool.PoolTesting.await;
import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis without the pool and a malformed pool file: the pool is not created in Redis from the broken
 * file (an empty pool would then look like the truth to every coordinator); changes fail with the file's
 * error; once the file is fixed, Redis is seeded from it and used.
 */
class GuardedMalformedFileTest {
  @RegisterExtension static RedisExtension<RedisServer> redis = RedisExtension.standalone();

  @TempDir Path dir;

  @Test
  void aMalformedFileIsNeverSeededIntoRedis() throws Exception {
    Path file = dir.resolve("decoder_pool.json");
    Files.writeString(file, "{\"nodes\": [{\"node_id\": \"d1\", \"endpoint\": \"http://d1:8001\", \"capacity\": 0}]}");
    try (DecoderPool pool = DecoderPools.builder("broken-file").redis(redis.deployment().target())
        .redisOptions(redis.deployment().options()).file(file).sweepInterval(PoolTesting.NEVER).build()) {
      assertThat(pool.backendState()).isNotEqualTo(BackendState.PRIMARY);
      assertThatThrownBy(() -> await(pool.registerAsync(node("d2").build())))
          .isInstanceOf(PoolFormatException.class)
          .hasMessageContaining("capacity must be > 0");
      assertThat(redis.deployment().call("EXISTS", "switchboard:pool:{broken-file}:rev")).isEqualTo(0L);
      assertThat(RedisTestSupport.hgetall(redis.deployment(), RedisTestSupport.nodesKey("broken-file"))).isEmpty();

      Files.writeString(file, "{\"nodes\": [{\"node_id\": \"d1\", \"endpoint\": \"http://d1:8001\"}]}");
      await().atMost(Duration.ofSeconds(10)).until(() -> pool.backendState() == BackendState.PRIMARY);
      assertThat(RedisTestSupport.hgetall(redis.deployment(), RedisTestSupport.nodesKey("broken-file")))
          .containsOnlyKeys("d1");
      assertThat(await(pool.registerAsync(node("d2").build()))).isTrue();
      assertThat(pool.nodes()).extracting(NodeView::nodeId).containsExactly("d1", "d2");
    }
  }
}
