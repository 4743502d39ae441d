package io.github.switchboard.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.LeastPrivilege;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The conformance suite as a Redis user granted exactly the ACL rules of docs/redis-integration.md
 * ({@link LeastPrivilege}): scripts, pub/sub and the sweeper's lease included. A refused command would
 * only send the pool to its fallback, so Redis's ACL LOG must show no refusal either.
 */
class LeastPrivilegeDecoderPoolConformanceTest extends AbstractDecoderPoolConformanceTest {
  @RegisterExtension static RedisExtension<RedisServer> redis = RedisExtension.leastPrivilege();

  @Override
  protected DecoderPools.Builder configure(DecoderPools.Builder builder) {
    return builder.redis(redis.deployment().target()).redisOptions(redis.deployment().options());
  }

  @Override
  protected void resetBackend() {
    redis.deployment().flushAll();
  }

  @Override
  protected Duration propagationBound() {
    return Duration.ofSeconds(1);
  }

  @AfterAll
  static void redisRefusedNothing() {
    assertThat(redis.deployment().target().username()).contains(LeastPrivilege.USER);
    assertThat(redis.deployment().call("ACL", "LOG")).asList().isEmpty();
  }
}
