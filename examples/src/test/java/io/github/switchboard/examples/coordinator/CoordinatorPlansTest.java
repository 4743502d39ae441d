package io.github.switchboard.examples.coordinator;

import static io.github.switchboard.examples.coordinator.CoordinatorHttpTest.assertProblem;
import static io.github.switchboard.examples.coordinator.MetricsEndpointTest.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.HealthCheckConfig;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Limits as data on real coordinators sharing one real Redis: plans, assignments, shadow mode, 429 bodies. */
class CoordinatorPlansTest {
  static final String TOKEN = CoordinatorHttpTest.TOKEN;
  static final String DEFAULT_POLICY = "\"1m\";q=100;w=60, \"1h\";q=1000;w=3600";

  @TempDir Path dir;
  RedisServer redis;
  final List<AutoCloseable> closing = new ArrayList<>();
  Coordinator first;
  Coordinator second;
  Api a;
  Api b;

  @BeforeEach
  void setUp() {
    redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    first = start(redis, "a");
    second = start(redis, "b");
    a = new Api(first.uri(), TOKEN);
    b = new Api(second.uri(), TOKEN);
    assertThat(a.register(Api.nodeJson("decoder-1", "http://127.0.0.1:9001", "\"en\", \"es\"", ""))
        .statusCode()).isEqualTo(201);
    await().atMost(Duration.ofSeconds(10)).until(() -> b.get("/api/v1/decoders/decoder-1").statusCode() == 200);
  }

  Coordinator start(RedisServer server, String name) {
    Coordinator c = Coordinator.start(CoordinatorConfig.builder(TOKEN).host("127.0.0.1").port(0)
        .poolFile(dir.resolve(name + "/decoder_pool.json")).redis(server.target()).perMinute(100).perHour(1000)
        .healthChecks(HealthCheckConfig.DISABLED).build());
    closing.add(0, c);
    return c;
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  static String policyOf(HttpResponse<String> r) {
    return r.headers().firstValue("RateLimit-Policy").orElse("");
  }

  @Test
  void aPlanSetAndAssignedOnOneCoordinatorLimitsTheKeyOnAnotherWithinOneSecond() {
    assertThat(policyOf(b.route("client-42", "en", "es", null))).isEqualTo(DEFAULT_POLICY);

    HttpResponse<String> put = a.putPlan("tight", "{\"algorithm\": \"SLIDING_WINDOW_LOG\", \"limits\": [\"3/1m\"]}");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(Api.json(put).toString())
        .isEqualTo("{\"name\":\"tight\",\"algorithm\":\"SLIDING_WINDOW_LOG\",\"limits\":[\"3/1m\"],\"shadow\":false}");
    HttpResponse<String> assigned = a.assignPlan("client-42", "{\"plan\": \"tight\"}");
    assertThat(assigned.statusCode()).as(assigned.body()).isEqualTo(204);

    // the other coordinator routes the key under the plan within 1 s
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
        .until(() -> policyOf(b.route("client-42", "en", "es", null)).equals("\"1m\";q=3;w=60"));
    HttpResponse<String> denied = null;
    for (int i = 0; i < 4 && denied == null; i++) {
      HttpResponse<String> r = b.route("client-42", "en", "es", null);
      denied = r.statusCode() == 429 ? r : null;
    }
    assertThat(denied).as("3 a minute: denied within 4 more requests").isNotNull();
    assertProblem(denied, 429, "limit of 3 requests per minute");
    JsonNode problem = Api.json(denied);
    assertThat(problem.path("type").asText())
        .isEqualTo("https://iana.org/assignments/http-problem-types#quota-exceeded");
    assertThat(problem.path("violated-policies").toString()).isEqualTo("[\"1m\"]");
    assertThat(policyOf(denied)).isEqualTo("\"1m\";q=3;w=60");
    assertThat(denied.body()).doesNotContain("client-42");
    // another key keeps the default
    assertThat(policyOf(b.route("client-7", "en", "es", null))).isEqualTo(DEFAULT_POLICY);

    // a key taken off its plan, or whose plan is removed, goes back to the default
    assertThat(a.deleteWithToken("/api/v1/keys/client-42/plan").statusCode()).isEqualTo(204);
    assertThat(policyOf(a.route("client-42", "en", "es", null))).isEqualTo(DEFAULT_POLICY);
    assertThat(a.assignPlan("client-42", "{\"plan\": \"tight\"}").statusCode()).isEqualTo(204);
    assertThat(policyOf(a.route("client-42", "en", "es", null))).isEqualTo("\"1m\";q=3;w=60");
    assertThat(a.deleteWithToken("/api/v1/plans/tight").statusCode()).isEqualTo(204);
    assertThat(Api.json(a.get("/api/v1/plans")).toString()).isEqualTo("{\"plans\":[]}");
    assertThat(policyOf(a.route("client-42", "en", "es", null))).isEqualTo(DEFAULT_POLICY);
  }

  @Test
  void raisingAPlansLimitKeepsTheKeysUsage() {
    assertThat(a.putPlan("free", "{\"limits\": [\"5/1m\"]}").statusCode()).isEqualTo(200);
    assertThat(a.assignPlan("client-8", "{\"plan\": \"free\"}").statusCode()).isEqualTo(204);
    for (int i = 1; i <= 3; i++) {
      HttpResponse<String> r = a.route("client-8", "en", "es", null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.headers().firstValue("RateLimit")).hasValue("\"1m\";r=" + (5 - i) + ";t=60");
    }
    // raised on the other coordinator; the first applies it, then the key has 10 - 3 left, not 10
    HttpResponse<String> raised = b.putPlan("free", "{\"limits\": [\"10/1m\", \"100/1h\"]}");
    assertThat(raised.statusCode()).as(raised.body()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
        .until(() -> a.get("/api/v1/plans").body().contains("10/1m"));
    HttpResponse<String> r = a.route("client-8", "en", "es", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(policyOf(r)).isEqualTo("\"1m\";q=10;w=60, \"1h\";q=100;w=3600");
    assertThat(r.headers().firstValue("RateLimit")).hasValueSatisfying(v -> assertThat(v).startsWith("\"1m\";r=6;"));
  }

  @Test
  void aShadowPlanNeverAnswers429AndMetricsCountShadowDenied() {
    try (DecoderStub node = new DecoderStub()) {
      assertThat(a.register(Api.nodeJson("decoder-de", node.endpoint(), "\"en\", \"de\"", "")).statusCode())
          .isEqualTo(201);
      HttpResponse<String> put = a.putPlan("trial", "{\"limits\": [\"1/1m\"], \"shadow\": true}");
      assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
      assertThat(Api.json(put).path("shadow").asBoolean()).isTrue();
      assertThat(a.assignPlan("client-9", "{\"plan\": \"trial\"}").statusCode()).isEqualTo(204);
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> r = a.route("client-9", "en", "de", null);
        assertThat(r.statusCode()).as("route %d: %s", i, r.body()).isEqualTo(200);
      }
      for (int i = 0; i < 2; i++) {
        HttpResponse<String> r = a.decode("client-9", "en", "de", "hallo");
        assertThat(r.statusCode()).as("decode %d: %s", i, r.body()).isEqualTo(200);
      }
    }
    // one allowed, then six the plan would have denied
    String scrape = a.get(MetricsEndpoint.PATH).body();
    String route = "name=\"" + MetricsEndpoint.LIMITER_NAME + "\"";
    assertThat(sample(scrape, "switchboard_ratelimit_decisions_total", route, "outcome=\"shadow_denied\"",
        "degraded=\"false\"")).hasValue(6.0);
    assertThat(sample(scrape, "switchboard_ratelimit_decisions_total", route, "outcome=\"allowed\"",
        "degraded=\"false\"")).hasValue(1.0);
  }

  @Test
  void badPlansAre400NamingTheFieldAnUnknownPlanIs404AndWritesNeedTheToken() {
    assertProblem(a.putPlan("p", "{\"limits\": [\"60/1w\"]}"), 400, "limits[0]");
    assertProblem(a.putPlan("p", "{\"limits\": [\"0/1m\"]}"), 400, "limits[0]", "count");
    assertProblem(a.putPlan("p", "{\"limits\": []}"), 400, "limits");
    assertProblem(a.putPlan("p", "{\"limits\": [\"6/1m\", \"7/60s\"]}"), 400, "limits", "window");
    assertProblem(a.putPlan("p", "{\"limits\": [\"6/1m\"], \"algorithm\": \"LEAKY\"}"), 400, "algorithm");
    assertProblem(a.putPlan("p", "{\"limits\": [\"6/1m\"], \"shadow\": \"yes\"}"), 400, "shadow");
    assertProblem(a.putPlan("p", "{\"limits\": [\"6/1m\"], \"burst\": 3}"), 400, "burst");
    assertProblem(a.putPlan("p", "[1]"), 400, "JSON object");
    assertProblem(a.putPlan("p%21", "{\"limits\": [\"6/1m\"]}"), 400, "plan");
    assertProblem(a.putPlan("x".repeat(65), "{\"limits\": [\"6/1m\"]}"), 400, "plan");
    assertProblem(a.assignPlan("client-1", "{\"plan\": \"nope\"}"), 404, "nope");
    assertProblem(a.assignPlan("client-1", "{}"), 400, "plan");
    assertProblem(a.send(a.request("/api/v1/plans/p").header("Authorization", "Bearer a-wrong-token-of-enough-length")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"limits\": [\"6/1m\"]}"))), 401);
    assertProblem(a.send(a.request("/api/v1/plans/p").PUT(HttpRequest.BodyPublishers.ofString("{}"))), 401);
    assertProblem(a.send(a.request("/api/v1/plans").POST(HttpRequest.BodyPublishers.noBody())), 405);
    assertProblem(a.get("/api/v1/keys/client-1/nothing"), 404);
    assertThat(Api.json(a.get("/api/v1/plans")).toString()).isEqualTo("{\"plans\":[]}");

    assertThat(a.putPlan("p", "{\"limits\": [\"1000/1h\", \"60/60s\", \"7/1d\"], \"algorithm\": \"TOKEN_BUCKET\"}")
        .statusCode()).isEqualTo(200);
    // read on the other coordinator once it has applied the change
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
        assertThat(Api.json(b.get("/api/v1/plans")).toString()).isEqualTo("{\"plans\":[{\"name\":\"p\","
            + "\"algorithm\":\"TOKEN_BUCKET\",\"limits\":[\"60/1m\",\"1000/1h\",\"7/1d\"],\"shadow\":false}]}"));
  }

  @Test
  void aPlanWriteRedisDoesNotTakeIs503() {
    RedisServer own = RedisHarness.standalone();
    closing.add(own);
    Api api = new Api(start(own, "own").uri(), TOKEN);
    assertThat(api.putPlan("free", "{\"limits\": [\"6/1m\"]}").statusCode()).isEqualTo(200);
    own.kill();
    assertProblem(api.putPlan("free", "{\"limits\": [\"7/1m\"]}"), 503, "not stored");
    assertProblem(api.assignPlan("client-1", "{\"plan\": \"free\"}"), 503, "not stored");
    // the last plans known still apply
    assertThat(Api.json(api.get("/api/v1/plans")).path("plans").get(0).path("limits").toString())
        .isEqualTo("[\"6/1m\"]");
  }
}
