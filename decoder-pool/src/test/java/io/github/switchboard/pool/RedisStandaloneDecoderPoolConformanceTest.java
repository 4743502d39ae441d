package io.github.switchboard.pool;

import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.Topology;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The conformance suite over a pool in Redis (standalone), on the harness's shared deployment. */
class RedisStandaloneDecoderPoolConformanceTest extends AbstractDecoderPoolConformanceTest {
  @RegisterExtension static RedisExtension<RedisDeployment> redis = RedisExtension.shared(Topology.STANDALONE);

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
}
