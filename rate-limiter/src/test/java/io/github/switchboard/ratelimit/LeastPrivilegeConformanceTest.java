package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.testing.LeastPrivilege;
import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The conformance suite as a Redis user granted exactly the ACL rules of docs/redis-integration.md
 * ({@link LeastPrivilege}), over a connection the limiter opens itself. A refused command would only
 * send the limiter to its fallback, so the suite passing is not enough: Redis's ACL LOG must show no
 * refusal either.
 */
class LeastPrivilegeConformanceTest extends AbstractRateLimiterConformanceTest {
  @RegisterExtension static RedisExtension<RedisServer> redis = RedisExtension.leastPrivilege();

  @Override
  protected void clean() {
    redis.deployment().flushAll();
  }

  @Override
  protected RateLimiter create(RateLimitPolicy policy, ManualTimeSource clock) {
    return RateLimiters.builder(policy)
        .redis(redis.deployment().target())
        .redisOptions(RedisOptions.builder().commandTimeout(Duration.ofSeconds(2)).build())
        .clock(ClockSource.CLIENT)
        .timeSource(clock)
        .build();
  }

  @AfterAll
  static void redisRefusedNothing() {
    assertThat(redis.deployment().target().username()).contains(LeastPrivilege.USER);
    assertThat(redis.deployment().call("ACL", "LOG")).asList().isEmpty();
  }
}
