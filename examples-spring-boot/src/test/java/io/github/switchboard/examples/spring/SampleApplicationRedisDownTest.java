package io.github.switchboard.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** Redis killed under the running sample: still UP and answering, reported as degraded, then back. */
@SpringBootTest(classes = SampleApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SampleApplicationRedisDownTest {

  static final RedisServer REDIS = RedisHarness.standalone();

  @DynamicPropertySource
  static void redis(DynamicPropertyRegistry registry) throws Exception {
    SampleRedis.properties(registry, REDIS);
  }

  @AfterAll
  static void stopRedis() {
    REDIS.close();
  }

  @LocalServerPort int port;

  @Test
  void killingRedisDegradesTheComponentWithoutTakingItDownAndItRecovers() {
    Http http = new Http(port);
    assertThat(http.get("/api/hello", "k0").statusCode()).isEqualTo(200);
    assertThat(switchboard(http).path("details").path("redis").asString()).isEqualTo("UP");

    REDIS.kill();
    // the pool sees the outage on its own; traffic makes the limiter's breaker see it, each request still
    // answered (LOCAL fallback)
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
      assertThat(http.get("/api/hello", "k1").statusCode()).isEqualTo(200);
      JsonNode details = switchboard(http).path("details");
      assertThat(details.path("redis").asString()).isEqualTo("FALLBACK");
      assertThat(details.path("rateLimiter").asString()).isIn("FALLBACK", "PROBING");
    });
    JsonNode health = http.json("/actuator/health");
    assertThat(health.path("status").asString()).isEqualTo("UP");
    JsonNode sb = health.path("components").path("switchboard");
    assertThat(sb.path("status").asString()).isEqualTo("UP");
    assertThat(sb.path("details").path("degraded").asBoolean()).isTrue();

    REDIS.restart();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      http.get("/api/hello", "k2");
      assertThat(switchboard(http).path("details").path("redis").asString()).isEqualTo("UP");
    });
  }

  static JsonNode switchboard(Http http) {
    return http.json("/actuator/health").path("components").path("switchboard");
  }
}
