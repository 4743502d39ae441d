package io.github.switchboard.registration;

import static io.github.switchboard.registration.TestSupport.node;
import static io.github.switchboard.registration.TestSupport.redisNodeIds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.LeastPrivilege;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.NodeLoad;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Redis channel as a user granted exactly the ACL rules of docs/redis-integration.md
 * ({@link LeastPrivilege}): register, keep alive and deregister all go to Redis (never to the file), and
 * Redis's ACL LOG shows no refusal.
 */
class LeastPrivilegeRegistrationTest {
  @RegisterExtension final RedisExtension<RedisServer> redis = RedisExtension.leastPrivilege();
  @TempDir Path dir;

  @Test
  void registerKeepAliveAndDeregisterThroughRedisAsTheLeastPrivilegeUser() {
    RedisServer s = redis.deployment();
    Path file = dir.resolve("decoder_pool.json");
    try (RegistrationClient client = RegistrationClients.builder()
        .redis(s.target(), "default").file(file).build()) {
      RegistrationResult r = client.register(node("decoder-lp"));
      assertThat(r.channel()).isEqualTo(Channel.REDIS);
      assertThat(r.failures()).isEmpty();
      KeepAlive alive = client.keepAlive(node("decoder-lp"), Duration.ofMillis(100), () -> NodeLoad.of(3));
      await().atMost(Duration.ofSeconds(5))
          .until(() -> s.cli("ZSCORE", "switchboard:pool:{default}:heartbeats", "decoder-lp").length() > 0);
      alive.close();
      assertThat(redisNodeIds(s.target(), "default")).doesNotContain("decoder-lp");
    }
    assertThat(file).doesNotExist();
    assertThat(s.call("ACL", "LOG")).asList().isEmpty();
  }
}
