package io.github.switchboard.core.internal;

import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.Topology;

class SentinelBlockingRedisTest extends BlockingRedisContract {
  @Override
  RedisDeployment deployment() {
    return RedisHarness.shared(Topology.SENTINEL);
  }
}
