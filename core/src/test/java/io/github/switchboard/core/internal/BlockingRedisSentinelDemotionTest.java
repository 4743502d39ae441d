package io.github.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisSentinel;
import io.github.switchboard.core.testing.RedisServer;
import io.lettuce.core.RedisException;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A master demoted while alive (SENTINEL FAILOVER; Sentinel then closes its clients' connections, and one
 * it missed would answer READONLY): one call fails, and new connections go to the new master, never to
 * the demoted one.
 */
class BlockingRedisSentinelDemotionTest {
  @RegisterExtension
  static final RedisExtension<RedisSentinel> REDIS = RedisExtension.sentinel();

  @Test
  void aDemotedMastersConnectionsAreDroppedAndNewOnesGoToTheNewMaster() {
    RedisSentinel sentinel = REDIS.deployment();
    RedisServer oldMaster = sentinel.master();
    RedisServer newMaster = sentinel.replica();
    try (BlockingRedis b =
        Objects.requireNonNull(BlockingRedis.forTarget(sentinel.target(), sentinel.options(), "demotion"))) {
      assertThat(BlockingRedisSentinelFailoverTest.incr(b, "before")).first().isEqualTo(1L);
      sentinel.sentinels().get(0).call("SENTINEL", "FAILOVER", sentinel.masterName());
      await("the old master is a replica, the replica the master")
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .until(
              () ->
                  "slave".equals(oldMaster.info("replication").get("role"))
                      && "master".equals(newMaster.info("replication").get("role")));
      assertThatThrownBy(() -> BlockingRedisSentinelFailoverTest.incr(b, "after"))
          .isInstanceOf(RedisException.class);
      assertThat(b.openConnections()).isZero();
      await("a call reaches the new master")
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .until(() -> BlockingRedisSentinelFailoverTest.incr(b, "after") != null);
      assertThat(newMaster.cli("GET", "after")).isEqualTo("1");
    }
  }
}
