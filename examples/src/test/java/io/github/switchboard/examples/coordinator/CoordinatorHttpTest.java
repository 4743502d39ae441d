package io.github.switchboard.examples.coordinator;

import static io.github.switchboard.examples.coordinator.Api.json;
import static io.github.switchboard.examples.coordinator.Api.nodeJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.switchboard.pool.HealthCheckConfig;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The coordinator HTTP API, in process, with a file pool and the in-memory limiter. */
class CoordinatorHttpTest {
  static final String TOKEN = "test-token-0123456789abcdef";
  static final String NODE_A = nodeJson("decoder-a", "http://127.0.0.1:9001", "\"en\", \"es\"",
      "\"region\": \"us-east-1\", \"gpu_type\": \"T4\", \"capacity\": 100, \"tags\": [\"production\", \"es_v2\"]");
  static final String NODE_B = nodeJson("decoder-b", "http://127.0.0.1:9002", "\"en\", \"fr\"", "");

  @TempDir Path dir;
  Path poolFile;
  Coordinator coordinator;
  Api api;
  List<Coordinator> started = new ArrayList<>();

  CoordinatorConfig.Builder config() {
    return CoordinatorConfig.builder(TOKEN)
        .host("127.0.0.1")
        .port(0)
        .poolFile(poolFile)
        .perMinute(5)
        .perHour(100)
        .healthChecks(HealthCheckConfig.DISABLED);
  }

  void start(CoordinatorConfig config) {
    if (coordinator != null) {
      coordinator.close();
    }
    coordinator = Coordinator.start(config);
    started.add(coordinator);
    api = new Api(coordinator.uri(), TOKEN);
  }

  @BeforeEach
  void setUp() {
    poolFile = dir.resolve("not-yet/config/decoder_pool.json");
    start(config().build());
  }

  @AfterEach
  void tearDown() {
    started.forEach(Coordinator::close);
  }

  static void assertProblem(HttpResponse<String> r, int status, String... detailContains) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonNode p = json(r);
    if (status == 429) {
      // every 429 is quota-exceeded, naming the limits that denied
      assertThat(p.path("type").asText()).isEqualTo(Http.QUOTA_EXCEEDED);
      assertThat(p.path("violated-policies").isArray()).as(r.body()).isTrue();
      assertThat(p.path("violated-policies")).isNotEmpty();
    } else {
      assertThat(p.path("type").asText()).isEqualTo("about:blank");
    }
    assertThat(p.path("title").asText()).isNotEmpty();
    assertThat(p.path("status").asInt()).isEqualTo(status);
    if (detailContains.length > 0) {
      assertThat(p.path("detail").asText()).contains(detailContains);
    }
  }

  @Test
  void registerAnswers201ThenUpdatesWith200AndKeepsTheTags() {
    HttpResponse<String> created = api.register(NODE_A);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(created.headers().firstValue("Location")).hasValue("/api/v1/decoders/decoder-a");
    assertThat(json(created).path("node_id").asText()).isEqualTo("decoder-a");

    HttpResponse<String> updated = api.register(NODE_A.replace("\"capacity\": 100", "\"capacity\": 40"));
    assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);

    JsonNode node = json(api.get("/api/v1/decoders/decoder-a"));
    assertThat(node.path("capacity").asInt()).isEqualTo(40);
    assertThat(node.path("region").asText()).isEqualTo("us-east-1");
    assertThat(node.path("gpu_type").asText()).isEqualTo("T4");
    // the original's API schema dropped the tags (defect 5)
    assertThat(node.path("tags").toString()).isEqualTo("[\"production\",\"es_v2\"]");
    assertThat(node.path("languages").toString()).isEqualTo("[\"en\",\"es\"]");
  }

  @Test
  void writesWithoutTheRightBearerTokenAre401AndChangeNothing() {
    List<HttpRequest.Builder> writes = new ArrayList<>();
    for (String auth : new String[] {null, "Bearer wrong-token-0123456789abcdef", "Bearer " + TOKEN + "x",
        "Bearer", "Basic " + TOKEN, TOKEN}) {
      HttpRequest.Builder post = api.request("/api/v1/decoders")
          .POST(HttpRequest.BodyPublishers.ofString(NODE_B));
      HttpRequest.Builder delete = api.request("/api/v1/decoders/decoder-a").DELETE();
      HttpRequest.Builder beat = api.request("/api/v1/decoders/decoder-a/heartbeat")
          .PUT(HttpRequest.BodyPublishers.ofString("{\"load\": 1}"));
      for (HttpRequest.Builder b : List.of(post, delete, beat)) {
        if (auth != null) {
          b.header("Authorization", auth);
        }
        writes.add(b);
      }
    }
    assertThat(api.register(NODE_A).statusCode()).isEqualTo(201);
    for (HttpRequest.Builder b : writes) {
      HttpResponse<String> r = api.send(b);
      assertProblem(r, 401);
      assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
      assertThat(r.body()).doesNotContain(TOKEN);
    }
    JsonNode nodes = json(api.get("/api/v1/decoders")).path("nodes");
    assertThat(nodes).hasSize(1);
    assertThat(nodes.get(0).path("node_id").asText()).isEqualTo("decoder-a");
    assertThat(nodes.get(0).path("last_heartbeat").isNull()).isTrue();
  }

  @Test
  void anInvalidNodeIs400WithAProblemNamingTheField() {
    assertProblem(api.register(NODE_A.replace("\"capacity\": 100", "\"capacity\": 0")), 400, "capacity");
    assertProblem(api.register("{\"node_id\": \"decoder-x\"}"), 400, "endpoint");
    assertProblem(api.register(NODE_B.replace("http://127.0.0.1:9002", "ftp://127.0.0.1:9002")), 400,
        "endpoint");
    assertProblem(api.register(NODE_B.replace("\"fr\"", "\"French\"")), 400, "languages");
    assertProblem(api.register(NODE_B.replace("decoder-b", "decoder b")), 400, "node_id");
    assertProblem(api.register("{not json"), 400, "JSON");
    assertProblem(api.register("[]"), 400, "object");
    assertThat(json(api.get("/api/v1/decoders")).path("nodes")).isEmpty();
  }

  @Test
  void aBodyOverTheLimitIs413() {
    String big = NODE_A.replace("}", ", \"padding\": \"" + "x".repeat(70_000) + "\"}");
    assertProblem(api.register(big), 413, "65536");
    // the connection is still usable and nothing was registered
    assertThat(json(api.get("/api/v1/decoders")).path("nodes")).isEmpty();
    assertProblem(api.heartbeat("decoder-a", "{\"load\": 1, \"x\": \"" + "y".repeat(70_000) + "\"}"), 413);
  }

  @Test
  void listAndGetShowConfigurationAndRuntimeState() {
    api.register(NODE_B);
    api.register(NODE_A);
    JsonNode nodes = json(api.get("/api/v1/decoders")).path("nodes");
    assertThat(nodes).hasSize(2);
    assertThat(nodes.get(0).path("node_id").asText()).isEqualTo("decoder-a");
    assertThat(nodes.get(1).path("node_id").asText()).isEqualTo("decoder-b");
    for (JsonNode n : nodes) {
      assertThat(n.path("healthy").asBoolean()).isTrue();
      assertThat(n.path("selectable").asBoolean()).isTrue();
      assertThat(n.has("load")).isTrue();
    }
    HttpResponse<String> one = api.get("/api/v1/decoders/decoder-b");
    assertThat(one.statusCode()).isEqualTo(200);
    assertThat(one.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(json(one).path("endpoint").asText()).isEqualTo("http://127.0.0.1:9002");
    assertProblem(api.get("/api/v1/decoders/decoder-z"), 404);
    assertProblem(api.get("/api/v1/decoders/not%20an%20id"), 400, "node_id must be 1 to 128");
  }

  @Test
  void heartbeatIs204ForAKnownNodeAnd404ForAnUnknownOne() {
    api.register(NODE_A);
    HttpResponse<String> beat = api.heartbeat("decoder-a", "{\"load\": 12}");
    assertThat(beat.statusCode()).as(beat.body()).isEqualTo(204);
    JsonNode node = json(api.get("/api/v1/decoders/decoder-a"));
    assertThat(node.path("load").asDouble()).isEqualTo(12.0);
    assertThat(node.path("last_heartbeat").isTextual()).isTrue();

    assertProblem(api.heartbeat("decoder-unknown", "{\"load\": 12}"), 404, "register");
    assertProblem(api.heartbeat("decoder-a", "{\"load\": -1}"), 400, "load");
    assertProblem(api.heartbeat("decoder-a", "[1]"), 400);
  }

  @Test
  void deregisterIs204ThenTheNodeIsGone() {
    api.register(NODE_A);
    assertThat(api.delete("decoder-a").statusCode()).isEqualTo(204);
    assertProblem(api.delete("decoder-a"), 404);
    assertProblem(api.get("/api/v1/decoders/decoder-a"), 404);
    assertProblem(api.route("key-1", "en", "es", null), 503, "en -> es");
  }

  @Test
  void routeSendsAPairToANodeThatServesIt() {
    api.register(NODE_A);
    api.register(NODE_B);
    api.register(nodeJson("decoder-c", "http://127.0.0.1:9003", "\"en\", \"es\"", "\"region\": \"eu-west-1\""));
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> fr = api.route("key-fr", "en", "fr", null);
      assertThat(fr.statusCode()).as(fr.body()).isEqualTo(200);
      assertThat(json(fr).path("node_id").asText()).isEqualTo("decoder-b");
      assertThat(json(fr).path("endpoint").asText()).isEqualTo("http://127.0.0.1:9002");
      assertThat(fr.headers().firstValue("RateLimit")).isPresent();
      assertThat(fr.headers().firstValue("RateLimit-Policy")).isPresent();

      HttpResponse<String> eu = api.route("key-eu", "es", "en", "eu-west-1");
      assertThat(json(eu).path("node_id").asText()).isEqualTo("decoder-c");
      HttpResponse<String> us = api.route("key-us", "en", "es", "us-east-1");
      assertThat(json(us).path("node_id").asText()).isEqualTo("decoder-a");
    }
  }

  @Test
  void routeErrors() {
    api.register(NODE_A);
    assertProblem(api.route("key-1", "de", "ja", null), 503, "de -> ja");
    assertProblem(api.route(null, "en", "es", null), 401, "X-API-Key");
    assertProblem(api.route("key-1", null, "es", null), 400, "X-Source-Language");
    assertProblem(api.route("key-1", "en", null, null), 400, "X-Target-Language");
    assertProblem(api.route("key-1", "en", "Spanish", null), 400, "X-Target-Language");
    assertProblem(api.route("key-1", "english", "es", null), 400, "X-Source-Language");
    assertProblem(api.send(api.request("/api/v1/route").GET().header("X-API-Key", "k")), 405);
  }

  @Test
  void eachApiKeyIsLimitedOnItsOwnWith429AndRateLimitFields() {
    api.register(NODE_A);
    for (int i = 1; i <= 5; i++) {
      HttpResponse<String> r = api.route("key-busy", "en", "es", null);
      assertThat(r.statusCode()).as("request %d: %s", i, r.body()).isEqualTo(200);
      assertThat(r.headers().firstValue("RateLimit")).hasValue("\"1m\";r=" + (5 - i) + ";t=60");
      assertThat(r.headers().firstValue("Retry-After")).isEmpty();
    }
    HttpResponse<String> denied = api.route("key-busy", "en", "es", null);
    assertProblem(denied, 429, "limit of 5 requests per minute");
    assertThat(denied.headers().firstValue("Retry-After").map(Long::parseLong))
        .hasValueSatisfying(s -> assertThat(s).isBetween(1L, 60L));
    assertThat(denied.headers().firstValue("RateLimit-Policy"))
        .hasValue("\"1m\";q=5;w=60, \"1h\";q=100;w=3600");
    assertThat(denied.headers().firstValue("RateLimit")).hasValueSatisfying(v -> assertThat(v).startsWith("\"1m\";r=0;t="));
    assertThat(denied.body()).doesNotContain("key-busy");
    // another key has its own budget
    assertThat(api.route("key-calm", "en", "es", null).statusCode()).isEqualTo(200);
  }

  @Test
  void apiKeysFileAcceptsOnlyTheListedKeys() throws Exception {
    Path keys = dir.resolve("api_keys.txt");
    Files.writeString(keys, "# accepted keys\n\n" + Http.sha256Hex("alpha-key").toUpperCase() + "\n"
        + Http.sha256Hex("beta-key") + "\n", StandardCharsets.UTF_8);
    start(config().apiKeyDigests(CoordinatorConfig.readDigests(keys)).build());
    api.register(NODE_A);
    assertThat(api.route("alpha-key", "en", "es", null).statusCode()).isEqualTo(200);
    assertThat(api.route("beta-key", "en", "es", null).statusCode()).isEqualTo(200);
    assertProblem(api.route("gamma-key", "en", "es", null), 401, "not accepted");
    assertProblem(api.route(Http.sha256Hex("alpha-key"), "en", "es", null), 401, "not accepted");
    assertProblem(api.route(null, "en", "es", null), 401);
  }

  @Test
  void nodesRegisteredThroughTheApiArePersistedWithoutRuntimeState() throws Exception {
    assertThat(poolFile).doesNotExist();
    api.register(NODE_A);
    api.heartbeat("decoder-a", "{\"load\": 7}");
    coordinator.close();

    // the original kept API registrations in memory only (defect 4)
    String file = Files.readString(poolFile);
    assertThat(file).contains("\"decoder-a\"", "\"es_v2\"", "\"us-east-1\"");
    assertThat(file).doesNotContain("\"healthy\"", "\"load\"", "last_heartbeat");

    start(config().build());
    HttpResponse<String> again = api.get("/api/v1/decoders/decoder-a");
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(json(again).path("tags").toString()).isEqualTo("[\"production\",\"es_v2\"]");
    assertThat(api.route("key-1", "en", "es", null).statusCode()).isEqualTo(200);
  }

  @Test
  void healthSaysUpWithoutRedis() {
    HttpResponse<String> r = api.get("/health");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).toString()).isEqualTo("{\"status\":\"UP\",\"redis\":\"NOT_CONFIGURED\"}");
    assertProblem(api.send(api.request("/health").POST(HttpRequest.BodyPublishers.noBody())), 405);
    assertProblem(api.get("/healthz"), 404);
    assertProblem(api.get("/api/v1/decodersx"), 404);
    assertProblem(api.get("/"), 404);
  }

  @Test
  void aClosedCoordinatorNoLongerListens() {
    int port = coordinator.port();
    coordinator.close();
    coordinator.close();
    Api gone = new Api(java.net.URI.create("http://127.0.0.1:" + port), TOKEN);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> gone.get("/health"))
        .isInstanceOf(java.io.UncheckedIOException.class)
        .hasCauseInstanceOf(java.net.ConnectException.class);
  }

  @Test
  void configToStringHidesTheToken() {
    assertThat(coordinator.config().toString()).doesNotContain(TOKEN).contains("apiToken=***");
    assertThat(Set.of(coordinator.config().apiToken())).containsExactly(TOKEN);
  }
}
