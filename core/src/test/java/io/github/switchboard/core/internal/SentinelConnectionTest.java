package io.github.switchboard.core.internal;

import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisHarness;

class SentinelConnectionTest extends RedisConnectionContract {
  @Override
  RedisDeployment deployment() {
    return RedisHarness.sharedSentinel();
  }
}
