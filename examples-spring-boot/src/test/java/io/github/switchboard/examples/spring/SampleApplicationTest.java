package io.github.switchboard.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.spring.HttpRateLimitKeyResolver;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The sample application as a user runs it: its only Switchboard configuration is application.properties
 * (5 per minute and 100 per hour on /api/** per X-API-Key), and Redis is named by spring.data.redis.url
 * alone.
 */
@SpringBootTest(classes = SampleApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SampleApplicationTest {

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

  @Autowired DecoderPool pool;

  Http http() {
    return new Http(port);
  }

  @Test
  void apiRequestsAreLimitedPerKeyWithRateLimitFieldsThen429AndAProblem() {
    for (int remaining = 4; remaining >= 0; remaining--) {
      HttpResponse<String> ok = http().get("/api/hello", "client-a");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.headers().firstValue("RateLimit-Policy")).contains("\"1m\";q=5;w=60, \"1h\";q=100;w=3600");
      assertThat(ok.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"1m\";r=" + remaining + ";t=");
      assertThat(ok.headers().firstValue("Retry-After")).isEmpty();
    }
    HttpResponse<String> denied = http().get("/api/hello", "client-a");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
    int retryAfter = Integer.parseInt(denied.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retryAfter).isBetween(1, 60);
    assertThat(denied.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"1m\";r=0;t=");
    JsonNode problem = Http.json(denied);
    assertThat(problem.path("type").asString())
        .isEqualTo("https://iana.org/assignments/http-problem-types#quota-exceeded");
    assertThat(problem.path("title").asString())
        .isEqualTo("Request cannot be satisfied as assigned quota has been exceeded");
    assertThat(problem.path("violated-policies").get(0).asString()).isEqualTo("1m");
    assertThat(problem.path("status").asInt()).isEqualTo(429);
    assertThat(problem.path("instance").asString()).isEqualTo("/api/hello");
    assertThat(problem.path("detail").asString())
        .isEqualTo("over the limit of 5 requests per minute; retry after " + retryAfter + " s");
    // the limit is per key: another client is untouched, and the denied one stays denied on any /api path
    assertThat(http().get("/api/hello", "client-b").statusCode()).isEqualTo(200);
    assertThat(http().get("/api/route?source=en&target=es", "client-a").statusCode()).isEqualTo(429);
  }

  @Test
  void pathsOutsideThePatternsAreNotLimited() {
    for (int i = 0; i < 8; i++) {
      HttpResponse<String> r = http().get("/hello", "client-c");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("RateLimit")).isEmpty();
    }
    assertThat(http().get("/actuator/health", "client-c").headers().firstValue("RateLimit")).isEmpty();
    // and none of those counted against the key's /api limit
    assertThat(http().get("/api/hello", "client-c").headers().firstValue("RateLimit").orElseThrow())
        .startsWith("\"1m\";r=4;");
  }

  @Test
  void theLimitLivesInTheRedisOfSpringDataRedisUrlUnderAHashOfTheKey() {
    assertThat(http().get("/api/route?source=en&target=es", "client-d").statusCode())
        .as("no decoder node: 503, after the limiter let it through").isEqualTo(503);
    String expected = "key:" + HttpRateLimitKeyResolver.sha256Hex("client-d");
    String tag = Base64.getUrlEncoder().withoutPadding().encodeToString(expected.getBytes(StandardCharsets.UTF_8));
    @SuppressWarnings("unchecked")
    List<String> keys = (List<String>) REDIS.call("KEYS", "switchboard:rl:*");
    assertThat(keys).contains("switchboard:rl:{" + tag + "}:swl");
    assertThat(keys).noneMatch(k -> k.contains("client-d"));
  }

  @Test
  void aNodeRegisteredInThePoolBeanIsRoutedAndStoredInRedis() {
    DecoderNode node = DecoderNode.builder("decoder-fr", URI.create("http://127.0.0.1:9010"))
        .languages("en", "fr").build();
    assertThat(pool.register(node)).isTrue();
    HttpResponse<String> r = http().get("/api/route?source=en&target=fr", "client-f");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(Http.json(r).path("node_id").asString()).isEqualTo("decoder-fr");
    assertThat(Http.json(r).path("endpoint").asString()).isEqualTo("http://127.0.0.1:9010");
    @SuppressWarnings("unchecked")
    List<String> keys = (List<String>) REDIS.call("KEYS", "*");
    assertThat(keys).anyMatch(k -> !k.startsWith("switchboard:rl:"));
    assertThat(pool.deregister("decoder-fr")).isTrue();
  }

  @Test
  void healthShowsTheSwitchboardComponent() {
    JsonNode health = http().json("/actuator/health");
    assertThat(health.path("status").asString()).isEqualTo("UP");
    JsonNode sb = health.path("components").path("switchboard");
    assertThat(sb.path("status").asString()).isEqualTo("UP");
    JsonNode details = sb.path("details");
    assertThat(details.path("redis").asString()).isEqualTo("UP");
    assertThat(details.path("degraded").asBoolean()).isFalse();
    assertThat(details.path("rateLimiter").asString()).isEqualTo("PRIMARY");
    assertThat(details.path("pool").asString()).isEqualTo("PRIMARY");
    assertThat(details.path("nodes").asInt()).isZero();
    assertThat(details.path("selectableNodes").asInt()).isZero();
    assertThat(details.path("target").asString()).isEqualTo("redis://127.0.0.1:" + REDIS.port());
  }

  @Test
  void decisionsAreMetered() {
    http().get("/api/hello", "client-e");
    JsonNode metric = http().json("/actuator/metrics/switchboard.ratelimit.decisions");
    assertThat(metric.path("name").asString()).isEqualTo("switchboard.ratelimit.decisions");
    assertThat(metric.path("measurements").get(0).path("value").asDouble()).isGreaterThanOrEqualTo(1);
    List<String> tags = metric.path("availableTags").findValuesAsString("tag");
    assertThat(tags).contains("outcome", "degraded", "name");
    assertThat(http().json("/actuator/metrics/switchboard.pool.nodes").path("name").asString())
        .isEqualTo("switchboard.pool.nodes");
  }
}
