package io.github.switchboard.pool;

import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.Topology;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link PoolWriter} on a Cluster: a pool's keys share one slot, so each write is one script call there too. */
class ClusterPoolWriterTest {
  @RegisterExtension static RedisExtension<RedisDeployment> redis = RedisExtension.shared(Topology.CLUSTER);

  @BeforeEach
  void flush() {
    redis.deployment().flushAll();
  }

  @Test
  void writesReachACoordinatorOnACluster() throws Exception {
    PoolWriterTest.writesReachACoordinator(redis.deployment());
  }
}
