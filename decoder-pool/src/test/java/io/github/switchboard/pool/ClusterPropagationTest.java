package io.github.switchboard.pool;

import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.Topology;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Propagation on a Cluster: the change is published (PUBLISH inside the script) on the node that owns
 * the pool's slot and reaches a subscriber connected to any node over the cluster bus.
 */
class ClusterPropagationTest {
  @RegisterExtension static RedisExtension<RedisDeployment> redis = RedisExtension.shared(Topology.CLUSTER);

  @BeforeEach
  void flush() {
    redis.deployment().flushAll();
  }

  @Test
  void aChangeOnAReachesBQuicklyOnACluster() {
    RedisPropagationTest.measure(redis.deployment(), "Redis Cluster, 3 masters");
  }
}
