package io.github.switchboard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.core.testing.RedisCluster;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisSentinel;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.ratelimit.RateLimiter;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** spring.data.redis.sentinel.* and spring.data.redis.cluster.* reach real Sentinel and Cluster deployments. */
class SpringRedisDeploymentsTest {

  @TempDir Path dir;

  ApplicationContextRunner runner() {
    return new ApplicationContextRunner().withConfiguration(SwitchboardAutoConfigurationTest.AUTO)
        .withPropertyValues("switchboard.pool.file=" + dir.resolve("decoder_pool.json"),
            "switchboard.rate-limit.key-prefix=deploy:",
            // generous for a loaded CI machine: a first decision (script load, cold JIT) must not fall back
            "switchboard.redis.command-timeout=2s");
  }

  @Test
  void sentinelSettingsReachTheMaster() {
    RedisSentinel sentinel = RedisHarness.sharedSentinel();
    sentinel.flushAll();
    String nodes = sentinel.sentinels().stream().map(s -> "127.0.0.1:" + s.port())
        .collect(Collectors.joining(","));
    runner().withPropertyValues("spring.data.redis.sentinel.master=" + sentinel.masterName(),
        "spring.data.redis.sentinel.nodes=" + nodes).run(ctx -> {
          assertThat(ctx.getBean(SwitchboardRedis.class).target().orElseThrow().kind())
              .isEqualTo(RedisTarget.Kind.SENTINEL);
          assertThat(ctx.getBean(RateLimiter.class).tryAcquire("c").degraded()).isFalse();
          assertThat(SwitchboardAutoConfigurationTest.keys(sentinel.master(), "deploy:*")).hasSize(1);
        });
  }

  @Test
  void clusterSettingsReachTheCluster() {
    RedisCluster cluster = RedisHarness.sharedCluster();
    cluster.flushAll();
    List<RedisServer> servers = cluster.nodes();
    String nodes = servers.stream().map(s -> "127.0.0.1:" + s.port()).collect(Collectors.joining(","));
    runner().withPropertyValues("spring.data.redis.cluster.nodes=" + nodes).run(ctx -> {
      assertThat(ctx.getBean(SwitchboardRedis.class).target().orElseThrow().kind())
          .isEqualTo(RedisTarget.Kind.CLUSTER);
      RateLimiter limiter = ctx.getBean(RateLimiter.class);
      for (int i = 0; i < 6; i++) {
        assertThat(limiter.tryAcquire("client-" + i).degraded()).isFalse();
      }
      int total = servers.stream().mapToInt(s -> SwitchboardAutoConfigurationTest.keys(s, "deploy:*").size())
          .sum();
      assertThat(total).isEqualTo(6);
    });
  }
}
