package io.github.switchboard.examples.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.switchboard.pool.HealthCheckConfig;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * docs/openapi.yaml against the running coordinator: every documented operation and every documented
 * status is produced by a real request, and the answer has the documented media type, the required
 * properties of its schema and the documented headers; no request here gets a status the file does not
 * document. Runs in about a second.
 */
class OpenApiContractTest {
  static final String TOKEN = CoordinatorHttpTest.TOKEN;
  static final String NODE = "decoder-openapi";

  @TempDir Path dir;
  Coordinator coordinator;
  Api api;
  Api wrongToken;
  Map<String, Object> spec;

  /** One documented answer: method, path template, status. */
  record Answer(String method, String path, int status) {
    @Override
    public String toString() {
      return method.toUpperCase(java.util.Locale.ROOT) + " " + path + " -> " + status;
    }
  }

  @BeforeEach
  void start() throws IOException {
    Path root = ComposeStackTest.root();
    spec = new Yaml().load(Files.readString(root.resolve("docs/openapi.yaml")));
    coordinator = Coordinator.start(CoordinatorConfig.builder(TOKEN).host("127.0.0.1").port(0)
        .poolFile(dir.resolve("decoder_pool.json")).perMinute(2).perHour(100)
        .healthChecks(HealthCheckConfig.DISABLED).build());
    api = new Api(coordinator.uri(), TOKEN);
    wrongToken = new Api(coordinator.uri(), "a-wrong-token-of-enough-length");
  }

  @AfterEach
  void stop() {
    if (coordinator != null) {
      coordinator.close();
    }
  }

  @SuppressWarnings("unchecked")
  private Set<Answer> documented() {
    Set<Answer> out = new LinkedHashSet<>();
    ((Map<String, Map<String, Object>>) spec.get("paths")).forEach((path, item) ->
        item.forEach((method, op) -> {
          if (List.of("get", "put", "post", "delete", "patch").contains(method)) {
            ((Map<String, Object>) ((Map<String, Object>) op).get("responses")).keySet()
                .forEach(code -> out.add(new Answer(method, path, Integer.parseInt(code))));
          }
        }));
    return out;
  }

  private Map<Answer, Supplier<HttpResponse<String>>> scenarios() {
    String node = Api.nodeJson(NODE, "http://127.0.0.1:9", "\"en\", \"es\"", "\"capacity\": 10");
    String one = "/api/v1/decoders/{node_id}";
    String beat = "/api/v1/decoders/{node_id}/heartbeat";
    Map<Answer, Supplier<HttpResponse<String>>> s = new LinkedHashMap<>();
    s.put(new Answer("get", "/health", 200), () -> api.get("/health"));
    s.put(new Answer("get", "/metrics", 200), () -> api.get("/metrics"));
    s.put(new Answer("post", "/api/v1/decoders", 401), () -> wrongToken.register(node));
    s.put(new Answer("post", "/api/v1/decoders", 400),
        () -> api.register(Api.nodeJson(NODE, "http://127.0.0.1:9", "\"en\"", "\"capacity\": 0")));
    s.put(new Answer("post", "/api/v1/decoders", 413), () -> api.register(
        Api.nodeJson(NODE, "http://127.0.0.1:9", "\"en\"", "\"region\": \"" + "x".repeat(70_000) + "\"")));
    s.put(new Answer("post", "/api/v1/decoders", 201), () -> api.register(node));
    s.put(new Answer("post", "/api/v1/decoders", 200), () -> api.register(node));
    s.put(new Answer("get", "/api/v1/decoders", 200), () -> api.get("/api/v1/decoders"));
    s.put(new Answer("get", one, 200), () -> api.get("/api/v1/decoders/" + NODE));
    s.put(new Answer("get", one, 404), () -> api.get("/api/v1/decoders/no-such-node"));
    s.put(new Answer("put", beat, 204), () -> api.heartbeat(NODE, "{\"load\": 12}"));
    s.put(new Answer("put", beat, 400), () -> api.heartbeat(NODE, "{\"load\": \"lots\"}"));
    s.put(new Answer("put", beat, 401), () -> wrongToken.heartbeat(NODE, "{\"load\": 12}"));
    s.put(new Answer("put", beat, 404), () -> api.heartbeat("no-such-node", "{\"load\": 12}"));
    s.put(new Answer("post", "/api/v1/route", 401), () -> api.route(null, "en", "es", null));
    s.put(new Answer("post", "/api/v1/route", 400), () -> api.route("client-1", null, "es", null));
    // perMinute(2): a 503 and a 200 use the key's two requests, the third is 429
    s.put(new Answer("post", "/api/v1/route", 503), () -> api.route("client-1", "en", "ja", null));
    s.put(new Answer("post", "/api/v1/route", 200), () -> api.route("client-1", "en", "es", null));
    s.put(new Answer("post", "/api/v1/route", 429), () -> api.route("client-1", "en", "es", null));
    s.put(new Answer("delete", one, 401), () -> wrongToken.delete(NODE));
    s.put(new Answer("delete", one, 204), () -> api.delete(NODE));
    s.put(new Answer("delete", one, 404), () -> api.delete(NODE));
    return s;
  }

  @Test
  void everyDocumentedOperationAndStatusIsProducedAndAnswersAsDocumented() {
    Map<Answer, Supplier<HttpResponse<String>>> scenarios = scenarios();
    assertThat(scenarios.keySet()).as("the requests below cover exactly what docs/openapi.yaml documents")
        .containsExactlyInAnyOrderElementsOf(documented());
    List<String> problems = new ArrayList<>();
    scenarios.forEach((answer, request) -> {
      HttpResponse<String> r = request.get();
      if (r.statusCode() != answer.status()) {
        problems.add(answer + ": got " + r.statusCode() + " " + r.body());
        return;
      }
      problems.addAll(check(answer, r));
    });
    assertThat(problems).isEmpty();
  }

  @Test
  void aMethodAPathDoesNotServeIs405WithAllowAndAnUnknownPathIs404() {
    HttpResponse<String> r = api.send(api.request("/health").DELETE());
    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.headers().firstValue("Allow")).contains("GET");
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("application/problem+json"));
    assertThat(api.send(api.request("/api/v2/nothing").GET()).statusCode()).isEqualTo(404);
  }

  // ------------------------------------------------------------------ one answer against the file

  @SuppressWarnings("unchecked")
  private List<String> check(Answer answer, HttpResponse<String> r) {
    List<String> problems = new ArrayList<>();
    Map<String, Object> op = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>)
        spec.get("paths")).get(answer.path())).get(answer.method());
    Map<String, Object> response = resolve(
        ((Map<String, Object>) op.get("responses")).get(Integer.toString(answer.status())));
    Map<String, Object> content = (Map<String, Object>) response.get("content");
    String type = r.headers().firstValue("Content-Type").orElse("");
    if (content == null) {
      if (!r.body().isEmpty()) {
        problems.add(answer + ": documented without a body, got " + r.body());
      }
    } else {
      String mediaType = content.keySet().iterator().next();
      if (!type.startsWith(mediaType)) {
        problems.add(answer + ": Content-Type " + type + ", documented " + mediaType);
      }
      if (mediaType.contains("json")) {
        JsonNode body = Api.json(r);
        Object schema = ((Map<String, Object>) content.get(mediaType)).get("schema");
        for (String field : required(schema)) {
          if (!body.has(field)) {
            problems.add(answer + ": no '" + field + "' in " + r.body());
          }
        }
        if (body.has("nodes")) {
          for (JsonNode n : body.get("nodes")) {
            for (String field : required(Map.of("$ref", "#/components/schemas/NodeView"))) {
              if (!n.has(field)) {
                problems.add(answer + ": a node without '" + field + "': " + n);
              }
            }
          }
        }
      }
    }
    Map<String, Object> headers = (Map<String, Object>) response.get("headers");
    if (headers != null) {
      for (String h : headers.keySet()) {
        if (r.headers().firstValue(h).isEmpty()) {
          problems.add(answer + ": no " + h + " header");
        }
      }
    }
    return problems;
  }

  /** The required properties of a schema, through $ref and allOf. */
  @SuppressWarnings("unchecked")
  private Set<String> required(Object schema) {
    Map<String, Object> s = resolve(schema);
    Set<String> out = new LinkedHashSet<>();
    Object req = s.get("required");
    if (req instanceof List<?> list) {
      list.forEach(x -> out.add(String.valueOf(x)));
    }
    Object all = s.get("allOf");
    if (all instanceof List<?> parts) {
      parts.forEach(p -> out.addAll(required(p)));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> resolve(Object node) {
    Map<String, Object> m = (Map<String, Object>) node;
    while (m.containsKey("$ref")) {
      Object target = spec;
      for (String part : ((String) m.get("$ref")).substring(2).split("/")) {
        target = ((Map<String, Object>) target).get(part);
      }
      m = (Map<String, Object>) target;
    }
    return m;
  }
}
