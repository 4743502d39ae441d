package io.github.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.RedisCluster;
import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisHarness;
import io.lettuce.core.ScriptOutputType;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterConnectionTest extends RedisConnectionContract {
  @Override
  RedisDeployment deployment() {
    return RedisHarness.sharedCluster();
  }

  @Test
  void isCluster() {
    try (RedisConnection c = open()) {
      assertThat(c.isCluster()).isTrue();
    }
  }

  @Test
  void scriptsRunOnEveryNodeAndSurviveAFlushOfAllOfThem() throws Exception {
    RedisCluster cluster = RedisHarness.sharedCluster();
    Set<Integer> ports = new HashSet<>();
    try (RedisConnection c = open()) {
      for (int i = 0; i < 30; i++) {
        String key = "node:" + i;
        ports.add(cluster.nodeFor(key).port());
        get(c.<Long>eval(INCR_BY, ScriptOutputType.INTEGER, new String[] {key}, "1"));
      }
      assertThat(ports).as("the keys reach every node").hasSize(3);
      cluster.nodes().forEach(n -> assertThat(n.call("SCRIPT", "EXISTS", INCR_BY.sha1()))
          .isEqualTo(java.util.List.of(1L)));
      cluster.scriptFlushAll();
      cluster.nodes().forEach(n -> assertThat(n.call("SCRIPT", "EXISTS", INCR_BY.sha1()))
          .isEqualTo(java.util.List.of(0L)));
      for (int i = 0; i < 30; i++) {
        assertThat(get(c.<Long>eval(INCR_BY, ScriptOutputType.INTEGER, new String[] {"node:" + i}, "1")))
            .isEqualTo(2L);
      }
      cluster.nodes().forEach(n -> assertThat(n.call("SCRIPT", "EXISTS", INCR_BY.sha1()))
          .isEqualTo(java.util.List.of(1L)));
    }
  }
}
