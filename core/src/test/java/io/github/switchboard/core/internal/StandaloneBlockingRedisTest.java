package io.github.switchboard.core.internal;

import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.Topology;

class StandaloneBlockingRedisTest extends BlockingRedisContract {
  @Override
  RedisDeployment deployment() {
    return RedisHarness.shared(Topology.STANDALONE);
  }
}
