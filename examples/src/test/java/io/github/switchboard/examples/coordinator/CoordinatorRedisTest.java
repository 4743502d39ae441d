package io.github.switchboard.examples.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.HealthCheckConfig;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two coordinators sharing one real Redis: the pool and the rate limits are shared. */
class CoordinatorRedisTest {
  static final String TOKEN = CoordinatorHttpTest.TOKEN;
  static final String API_KEY = "raw-api-key-never-stored";

  @TempDir Path dir;
  RedisServer redis;
  Coordinator first;
  Coordinator second;

  @BeforeEach
  void setUp() {
    redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    first = Coordinator.start(config(dir.resolve("a/decoder_pool.json")));
    second = Coordinator.start(config(dir.resolve("b/decoder_pool.json")));
  }

  CoordinatorConfig config(Path file) {
    return CoordinatorConfig.builder(TOKEN).host("127.0.0.1").port(0).poolFile(file).redis(redis.target())
        .perMinute(3).perHour(100).healthChecks(HealthCheckConfig.DISABLED).build();
  }

  @AfterEach
  void tearDown() {
    if (first != null) {
      first.close();
    }
    if (second != null) {
      second.close();
    }
  }

  @Test
  void aNodeRegisteredOnOneCoordinatorIsRoutedByTheOtherAndTheLimitIsShared() {
    Api a = new Api(first.uri(), TOKEN);
    Api b = new Api(second.uri(), TOKEN);
    assertThat(Api.json(a.get("/health")).toString()).isEqualTo("{\"status\":\"UP\",\"redis\":\"UP\"}");

    assertThat(a.register(Api.nodeJson("decoder-1", "http://127.0.0.1:9001", "\"en\", \"es\"", ""))
        .statusCode()).isEqualTo(201);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> b.get("/api/v1/decoders/decoder-1").statusCode() == 200);

    for (int i = 0; i < 3; i++) {
      Api via = i % 2 == 0 ? b : a;
      HttpResponse<String> r = via.route(API_KEY, "en", "es", null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(Api.json(r).path("node_id").asText()).isEqualTo("decoder-1");
    }
    // three requests through two coordinators used up the key's 3 per minute in Redis
    HttpResponse<String> denied = a.route(API_KEY, "en", "es", null);
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("Retry-After")).isPresent();

    // the rate limiter's keys hold the SHA-256 of the API key, never the key
    @SuppressWarnings("unchecked")
    List<String> keys = (List<String>) redis.call("KEYS", Coordinator.RATE_LIMIT_KEY_PREFIX + "*");
    assertThat(keys).isNotEmpty().allSatisfy(k -> {
      String tag = k.substring(k.indexOf('{') + 1, k.indexOf('}'));
      assertThat(new String(Base64.getUrlDecoder().decode(tag), StandardCharsets.UTF_8))
          .isEqualTo(Http.sha256Hex(API_KEY));
    });
    @SuppressWarnings("unchecked")
    List<String> all = (List<String>) redis.call("KEYS", "*");
    String encoded = Base64.getUrlEncoder().withoutPadding()
        .encodeToString(API_KEY.getBytes(StandardCharsets.UTF_8));
    assertThat(all).isNotEmpty().noneMatch(k -> k.contains(API_KEY) || k.contains(encoded));
  }
}
