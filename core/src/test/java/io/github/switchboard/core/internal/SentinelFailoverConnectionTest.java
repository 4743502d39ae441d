package io.github.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisSentinel;
import io.github.switchboard.core.testing.RedisServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A Sentinel connection follows the master through a failover. */
class SentinelFailoverConnectionTest {

  @RegisterExtension
  static final RedisExtension<RedisSentinel> REDIS = RedisExtension.sentinel();

  @Test
  void theConnectionFollowsTheNewMaster() throws Exception {
    RedisSentinel sentinel = REDIS.deployment();
    try (RedisConnection c = RedisConnection.open(sentinel.target(), sentinel.options(), "sentinel")) {
      assertThat(c.commands().set("before", "1").get(2, TimeUnit.SECONDS)).isEqualTo("OK");
      RedisServer promoted = sentinel.failover();
      await("writes reach the promoted master")
          .atMost(Duration.ofSeconds(15))
          .ignoreExceptions()
          .until(() -> "OK".equals(c.commands().set("after", "2").get(1, TimeUnit.SECONDS)));
      assertThat(promoted.cli("GET", "after")).isEqualTo("2");
    }
  }
}
