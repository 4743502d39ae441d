package io.github.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisSentinel;
import io.github.switchboard.core.testing.RedisServer;
import io.lettuce.core.RedisConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Blocking connections on a Sentinel target follow the master when it is killed and a replica promoted. */
class BlockingRedisSentinelFailoverTest {
  @RegisterExtension
  static final RedisExtension<RedisSentinel> REDIS = RedisExtension.sentinel();

  static List<Object> incr(BlockingRedis b, String key) {
    return b.eval(BlockingRedisContract.ECHO, new String[] {key}, new String[] {"1", "a"});
  }

  @Test
  void afterTheMasterIsKilledTheyGoToThePromotedReplica() {
    RedisSentinel sentinel = REDIS.deployment();
    try (BlockingRedis b =
        Objects.requireNonNull(BlockingRedis.forTarget(sentinel.target(), sentinel.options(), "failover"))) {
      assertThat(incr(b, "counted")).first().isEqualTo(1L);
      assertThat(sentinel.master().cli("GET", "counted")).isEqualTo("1");
      RedisServer promoted = sentinel.failover();
      // the one call on the dead master's connection fails; the next asks the Sentinels again
      assertThatThrownBy(() -> incr(b, "after")).isInstanceOf(RedisConnectionException.class);
      await("a call reaches the promoted master")
          .atMost(Duration.ofSeconds(15))
          .ignoreExceptions()
          .until(() -> incr(b, "after") != null);
      assertThat(promoted.cli("GET", "after")).isEqualTo("1");
      assertThat(b.openConnections()).isEqualTo(1);
    }
  }
}
