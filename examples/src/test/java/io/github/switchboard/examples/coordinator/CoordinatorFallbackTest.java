package io.github.switchboard.examples.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.HealthCheckConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The coordinator while its own Redis is killed: EXPECTED_INSTANCES divides the limit of the LOCAL fallback. */
class CoordinatorFallbackTest {
  static final String TOKEN = CoordinatorHttpTest.TOKEN;

  @TempDir Path dir;
  RedisServer redis;
  Coordinator coordinator;

  @AfterEach
  void tearDown() {
    if (coordinator != null) {
      coordinator.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void eachOfTwoExpectedInstancesGrantsHalfTheLimitWhileRedisIsDown() {
    redis = RedisHarness.standalone();
    coordinator = Coordinator.start(CoordinatorConfig.builder(TOKEN).host("127.0.0.1").port(0)
        .poolFile(dir.resolve("decoder_pool.json")).redis(redis.target())
        .perMinute(10).perHour(1000).expectedInstances(2)
        .healthChecks(HealthCheckConfig.DISABLED).build());
    Api api = new Api(coordinator.uri(), TOKEN);
    assertThat(api.register(Api.nodeJson("decoder-1", "http://127.0.0.1:9001", "\"en\", \"es\"", ""))
        .statusCode()).isEqualTo(201);

    redis.kill();
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      api.route("warm-up-key", "en", "es", null); // a decision that fails over opens the breaker sooner
      return Api.json(api.get("/health")).path("redis").asText().equals("DOWN");
    });

    Map<Integer, Integer> statuses = new HashMap<>();
    for (int i = 0; i < 10; i++) {
      statuses.merge(api.route("client-during-outage", "en", "es", null).statusCode(), 1, Integer::sum);
    }
    // 10 a minute shared by 2 instances: this one grants 5 on its own
    assertThat(statuses).containsEntry(200, 5).containsEntry(429, 5);
  }
}
