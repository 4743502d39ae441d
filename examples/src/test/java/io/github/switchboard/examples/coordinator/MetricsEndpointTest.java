package io.github.switchboard.examples.coordinator;

import static io.github.switchboard.examples.coordinator.Api.nodeJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.HealthCheckConfig;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** GET /metrics after a few routed requests: the decision counters, tagged with the limiter's name. */
class MetricsEndpointTest {
  private static final String TOKEN = "test-token-0123456789abcdef";

  @TempDir Path dir;
  private Coordinator coordinator;
  private Api api;

  @BeforeEach
  void setUp() {
    coordinator =
        Coordinator.start(
            CoordinatorConfig.builder(TOKEN)
                .host("127.0.0.1")
                .port(0)
                .poolFile(dir.resolve("decoder_pool.json"))
                .perMinute(5)
                .perHour(100)
                .healthChecks(HealthCheckConfig.DISABLED)
                .build());
    api = new Api(coordinator.uri(), TOKEN);
  }

  @AfterEach
  void tearDown() {
    coordinator.close();
  }

  /** The value of the one sample of a scrape whose name and labels are given, if present. */
  static Optional<Double> sample(String scrape, String metric, String... labels) {
    return Arrays.stream(scrape.split("\n"))
        .filter(l -> l.startsWith(metric + "{"))
        .filter(l -> Arrays.stream(labels).allMatch(l::contains))
        .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .reduce((a, b) -> {
          throw new AssertionError("more than one sample of " + metric + " with " + Arrays.toString(labels));
        });
  }

  @Test
  void aScrapeAfterRoutedRequestsShowsTheDecisionsByOutcome() {
    assertThat(api.register(nodeJson("decoder-a", "http://127.0.0.1:9001", "\"en\", \"es\"", "")).statusCode())
        .isEqualTo(201);
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    root.addAppender(logged);
    HttpResponse<String> scrape;
    try {
      int ok = 0;
      for (int i = 0; i < 7; i++) {
        if (api.route("key-1", "en", "es", null).statusCode() == 200) {
          ok++;
        }
      }
      assertThat(ok).as("5 per minute").isEqualTo(5);
      assertThat(api.route("key-2", "en", "es", null).statusCode()).isEqualTo(200);
      scrape = api.get(MetricsEndpoint.PATH);
      api.get(MetricsEndpoint.PATH);
    } finally {
      root.detachAppender(logged);
    }
    assertThat(logged.list).as("nothing logged per request or per scrape").isEmpty();

    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.headers().firstValue("Content-Type")).hasValue(MetricsEndpoint.CONTENT_TYPE);
    String body = scrape.body();
    String route = "name=\"" + MetricsEndpoint.LIMITER_NAME + "\"";
    assertThat(sample(body, "switchboard_ratelimit_decisions_total", route, "outcome=\"allowed\"",
        "degraded=\"false\"")).hasValue(6.0);
    assertThat(sample(body, "switchboard_ratelimit_decisions_total", route, "outcome=\"denied\"",
        "degraded=\"false\"")).hasValue(2.0);
    assertThat(sample(body, "switchboard_ratelimit_decisions_total", route, "degraded=\"true\"",
        "outcome=\"allowed\"")).hasValue(0.0);
    assertThat(sample(body, "switchboard_ratelimit_latency_seconds_count", route)).hasValue(8.0);
    assertThat(sample(body, "switchboard_ratelimit_backend", route)).hasValue(1.0);
    String pool = "name=\"" + coordinator.config().poolName() + "\"";
    assertThat(sample(body, "switchboard_pool_nodes", pool, "state=\"selectable\"")).hasValue(1.0);
    assertThat(sample(body, "switchboard_pool_backend", pool)).hasValue(1.0);
    String cache = "name=\"" + DecodeHandler.CACHE_NAME + "\"";
    assertThat(sample(body, "switchboard_cache_gets_total", cache, "result=\"miss\"")).hasValue(0.0);
    assertThat(sample(body, "switchboard_cache_backend", cache)).hasValue(1.0);
  }

  @Test
  void onRedisTheBreakerAndTheFallbackShow() {
    try (RedisServer redis = RedisHarness.standalone();
        Coordinator onRedis =
            Coordinator.start(
                CoordinatorConfig.builder(TOKEN)
                    .host("127.0.0.1")
                    .port(0)
                    .poolFile(dir.resolve("redis/decoder_pool.json"))
                    .redis(redis.target())
                    .perMinute(1000)
                    .perHour(10000)
                    .healthChecks(HealthCheckConfig.DISABLED)
                    .build())) {
      Api a = new Api(onRedis.uri(), TOKEN);
      String route = "name=\"" + MetricsEndpoint.LIMITER_NAME + "\"";
      String breaker = "name=\"switchboard-" + MetricsEndpoint.LIMITER_NAME + "\"";
      a.route("key-1", "en", "es", null);
      String before = a.get(MetricsEndpoint.PATH).body();
      assertThat(sample(before, "switchboard_ratelimit_backend", route)).hasValue(1.0);
      assertThat(sample(before, "resilience4j_circuitbreaker_state", breaker, "state=\"closed\""))
          .hasValue(1.0);
      assertThat(sample(before, "resilience4j_circuitbreaker_state",
          "name=\"switchboard-" + onRedis.config().poolName() + "\"", "state=\"closed\"")).hasValue(1.0);
      assertThat(sample(before, "switchboard_ratelimit_decisions_total", route, "degraded=\"false\"",
          "outcome=\"allowed\"")).hasValue(1.0);

      redis.kill();
      await("the scrape shows the limiter on its fallback")
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> {
            a.route("key-1", "en", "es", null);
            return sample(a.get(MetricsEndpoint.PATH).body(), "switchboard_ratelimit_backend", route)
                .orElseThrow() == 0.0;
          });
      String after = a.get(MetricsEndpoint.PATH).body();
      assertThat(sample(after, "resilience4j_circuitbreaker_state", breaker, "state=\"closed\""))
          .hasValue(0.0);
      assertThat(sample(after, "switchboard_ratelimit_decisions_total", route, "degraded=\"true\"",
          "outcome=\"allowed\"")).hasValueSatisfying(n -> assertThat(n).isPositive());
    }
  }

  @Test
  void onlyGetIsAllowed() {
    HttpResponse<String> post =
        api.send(api.request(MetricsEndpoint.PATH).POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET");
  }
}
