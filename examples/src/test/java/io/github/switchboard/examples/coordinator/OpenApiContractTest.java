package io.github.switchboard.examples.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.HealthCheckConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * docs/openapi.yaml against the running coordinator: every documented operation and every documented
 * status is produced by a real request, and the answer has the documented media type, the required
 * properties of its schema and the documented headers; no request here gets a status the file does not
 * document. The statuses HttpClient cannot provoke (431, 505, 408) are sent over a plain socket; the
 * decode's nodes are {@link DecoderStub}s (one answers, one fails, one holds its answer past the decode
 * timeout of 500 ms). Runs in about four seconds (each 408 waits for the idle timeout of 1 s).
 */
class OpenApiContractTest {
  static final String TOKEN = CoordinatorHttpTest.TOKEN;
  static final String NODE = "decoder-openapi";

  @TempDir Path dir;
  Coordinator coordinator;
  DecoderStub german;
  DecoderStub failing;
  DecoderStub slow;
  Api api;
  Api wrongToken;
  Map<String, Object> spec;
  Coordinator deadCoordinator;
  RedisServer deadRedisServer;
  Socket heldStream;

  /** One request for a documented answer, and headers its answer must carry that the file marks optional. */
  record Scenario(Answer answer, Supplier<HttpResponse<String>> request, List<String> alsoRequired) {}

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
        .healthChecks(HealthCheckConfig.DISABLED).idleTimeout(Duration.ofSeconds(1)).maxApiKeys(3)
        .eventStreams(1)
        .decode(DecodeConfig.builder().maxBytes(10_000).timeout(Duration.ofMillis(500)).build()).build());
    api = new Api(coordinator.uri(), TOKEN);
    wrongToken = new Api(coordinator.uri(), "a-wrong-token-of-enough-length");
    // decoder nodes for the decode: one that answers, one that fails, one that never answers in time
    german = new DecoderStub();
    failing = new DecoderStub().status(500);
    slow = new DecoderStub().hold();
    api.register(Api.nodeJson("decoder-de", german.endpoint(), "\"en\", \"de\"", ""));
    api.register(Api.nodeJson("decoder-it", failing.endpoint(), "\"en\", \"it\"", ""));
    api.register(Api.nodeJson("decoder-fr", slow.endpoint(), "\"en\", \"fr\"", ""));
  }

  /** A client of a coordinator on a Redis of its own, killed: plan writes are 503 (started on first use). */
  private Api deadRedis() {
    if (deadCoordinator == null) {
      deadRedisServer = RedisHarness.standalone();
      deadCoordinator = Coordinator.start(CoordinatorConfig.builder(TOKEN).host("127.0.0.1").port(0)
          .poolFile(dir.resolve("dead/decoder_pool.json")).redis(deadRedisServer.target())
          .healthChecks(HealthCheckConfig.DISABLED).build());
      deadRedisServer.kill();
    }
    return new Api(deadCoordinator.uri(), TOKEN);
  }

  @AfterEach
  void stop() throws IOException {
    if (heldStream != null) {
      heldStream.close();
    }
    if (deadCoordinator != null) {
      deadCoordinator.close();
    }
    if (deadRedisServer != null) {
      deadRedisServer.close();
    }
    for (DecoderStub stub : new DecoderStub[] {german, failing, slow}) {
      if (stub != null) {
        stub.close();
      }
    }
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

  private List<Scenario> scenarios() {
    String node = Api.nodeJson(NODE, "http://127.0.0.1:9", "\"en\", \"es\"", "\"capacity\": 10");
    String one = "/api/v1/decoders/{node_id}";
    String beat = "/api/v1/decoders/{node_id}/heartbeat";
    List<Scenario> s = new ArrayList<>();
    BiConsumer<Answer, Supplier<HttpResponse<String>>> put = (a, r) -> s.add(new Scenario(a, r, List.of()));
    put.accept(new Answer("get", "/health", 200), () -> api.get("/health"));
    put.accept(new Answer("get", "/metrics", 200), () -> api.get("/metrics"));
    put.accept(new Answer("post", "/api/v1/decoders", 401), () -> wrongToken.register(node));
    put.accept(new Answer("post", "/api/v1/decoders", 400),
        () -> api.register(Api.nodeJson(NODE, "http://127.0.0.1:9", "\"en\"", "\"capacity\": 0")));
    put.accept(new Answer("post", "/api/v1/decoders", 413), () -> api.register(
        Api.nodeJson(NODE, "http://127.0.0.1:9", "\"en\"", "\"region\": \"" + "x".repeat(70_000) + "\"")));
    put.accept(new Answer("post", "/api/v1/decoders", 201), () -> api.register(node));
    put.accept(new Answer("post", "/api/v1/decoders", 200), () -> api.register(node));
    put.accept(new Answer("get", "/api/v1/decoders", 200), () -> api.get("/api/v1/decoders"));
    put.accept(new Answer("get", one, 200), () -> api.get("/api/v1/decoders/" + NODE));
    put.accept(new Answer("get", one, 404), () -> api.get("/api/v1/decoders/no-such-node"));
    put.accept(new Answer("get", one, 400), () -> api.get("/api/v1/decoders/not%20an%20id"));
    put.accept(new Answer("delete", one, 400), () -> api.delete("not%20an%20id"));
    put.accept(new Answer("put", beat, 204), () -> api.heartbeat(NODE, "{\"load\": 12}"));
    put.accept(new Answer("put", beat, 400), () -> api.heartbeat(NODE, "{\"load\": \"lots\"}"));
    put.accept(new Answer("put", beat, 401), () -> wrongToken.heartbeat(NODE, "{\"load\": 12}"));
    put.accept(new Answer("put", beat, 404), () -> api.heartbeat("no-such-node", "{\"load\": 12}"));
    // the operator's status route, and the event stream: EVENT_STREAMS 1, held by the first request's stream
    String status = "/api/v1/decoders/{node_id}/status";
    put.accept(new Answer("put", status, 200), () -> api.setStatus(NODE, "{\"status\": \"active\"}"));
    put.accept(new Answer("put", status, 400), () -> api.setStatus(NODE, "{\"status\": \"asleep\"}"));
    put.accept(new Answer("put", status, 401), () -> wrongToken.setStatus(NODE, "{\"status\": \"active\"}"));
    put.accept(new Answer("put", status, 404), () -> api.setStatus("no-such-node", "{\"status\": \"active\"}"));
    put.accept(new Answer("put", status, 413),
        () -> api.setStatus(NODE, "{\"status\": \"active\", \"pad\": \"" + "x".repeat(70_000) + "\"}"));
    put.accept(new Answer("get", EventStreams.PATH, 200), this::firstEvent);
    put.accept(new Answer("get", EventStreams.PATH, 503), () -> api.get(EventStreams.PATH));
    // plans: the 503s on a coordinator whose Redis is gone (deadRedis)
    String plan = "/api/v1/plans/{name}";
    String keyPlan = "/api/v1/keys/{api_key}/plan";
    String free = "{\"limits\": [\"60/1m\", \"1000/1h\"]}";
    put.accept(new Answer("put", plan, 401), () -> wrongToken.putPlan("free", free));
    put.accept(new Answer("put", plan, 400), () -> api.putPlan("free", "{\"limits\": [\"60/1w\"]}"));
    put.accept(new Answer("put", plan, 413), () -> api.putPlan("free", "{\"pad\": \"" + "x".repeat(70_000) + "\"}"));
    put.accept(new Answer("put", plan, 200), () -> api.putPlan("free", free));
    put.accept(new Answer("put", plan, 503), () -> deadRedis().putPlan("free", free));
    put.accept(new Answer("get", "/api/v1/plans", 200), () -> api.get("/api/v1/plans"));
    put.accept(new Answer("put", keyPlan, 401), () -> wrongToken.assignPlan("client-9", "{\"plan\": \"free\"}"));
    put.accept(new Answer("put", keyPlan, 400), () -> api.assignPlan("client-9", "{}"));
    put.accept(new Answer("put", keyPlan, 404), () -> api.assignPlan("client-9", "{\"plan\": \"nope\"}"));
    put.accept(new Answer("put", keyPlan, 204), () -> api.assignPlan("client-9", "{\"plan\": \"free\"}"));
    put.accept(new Answer("put", keyPlan, 503), () -> deadRedis().assignPlan("client-9", "{\"plan\": \"free\"}"));
    put.accept(new Answer("delete", keyPlan, 401), () -> wrongToken.deleteWithToken("/api/v1/keys/client-9/plan"));
    put.accept(new Answer("delete", keyPlan, 204), () -> api.deleteWithToken("/api/v1/keys/client-9/plan"));
    put.accept(new Answer("delete", keyPlan, 503), () -> deadRedis().deleteWithToken("/api/v1/keys/client-9/plan"));
    put.accept(new Answer("delete", plan, 401), () -> wrongToken.deleteWithToken("/api/v1/plans/free"));
    put.accept(new Answer("delete", plan, 204), () -> api.deleteWithToken("/api/v1/plans/free"));
    put.accept(new Answer("delete", plan, 503), () -> deadRedis().deleteWithToken("/api/v1/plans/free"));
    put.accept(new Answer("post", "/api/v1/route", 401), () -> api.route(null, "en", "es", null));
    put.accept(new Answer("post", "/api/v1/route", 400), () -> api.route("client-1", null, "es", null));
    // perMinute(2): a 503 and a 200 use the key's two requests, the third is 429
    put.accept(new Answer("post", "/api/v1/route", 503), () -> api.route("client-1", "en", "ja", null));
    put.accept(new Answer("post", "/api/v1/route", 200), () -> api.route("client-1", "en", "es", null));
    s.add(new Scenario(new Answer("post", "/api/v1/route", 429), () -> api.route("client-1", "en", "es", null),
        List.of("RateLimit-Policy", "RateLimit")));
    // the decode: decode-1 and decode-2 each have two requests a minute too
    String decode = "/api/v1/decode";
    put.accept(new Answer("post", decode, 401), () -> api.decode(null, "en", "de", "x"));
    put.accept(new Answer("post", decode, 400), () -> api.decode("decode-1", "en", null, "x"));
    put.accept(new Answer("post", decode, 413), () -> api.decode("decode-1", "en", "de", "x".repeat(10_001)));
    put.accept(new Answer("post", decode, 503), () -> api.decode("decode-1", "en", "ja", "x"));
    put.accept(new Answer("post", decode, 200), () -> api.decode("decode-1", "en", "de", "hallo"));
    s.add(new Scenario(new Answer("post", decode, 429), () -> api.decode("decode-1", "en", "de", "hallo"),
        List.of("RateLimit-Policy", "RateLimit")));
    put.accept(new Answer("post", decode, 502), () -> api.decode("decode-2", "en", "it", "ciao"));
    put.accept(new Answer("post", decode, 504), () -> api.decode("decode-2", "en", "fr", "bonjour"));
    // maxApiKeys(3): client-1, decode-1 and decode-2 hold the budget, a new key is refused (Retry-After, no
    // RateLimit fields)
    put.accept(new Answer("post", "/api/v1/route", 429), () -> api.route("client-2", "en", "es", null));
    put.accept(new Answer("put", beat, 413),
        () -> api.heartbeat(NODE, "{\"load\": 1, \"pad\": \"" + "x".repeat(70_000) + "\"}"));
    put.accept(new Answer("delete", one, 401), () -> wrongToken.delete(NODE));
    put.accept(new Answer("delete", one, 204), () -> api.delete(NODE));
    put.accept(new Answer("delete", one, 404), () -> api.delete(NODE));
    // before any route runs, on every operation: headers over 16 KiB, an HTTP version the server does not speak
    for (Answer a : documented()) {
      String line = a.method().toUpperCase(java.util.Locale.ROOT) + " "
          + a.path().replace("{node_id}", NODE).replace("{name}", "free").replace("{api_key}", "client-9");
      if (a.status() == 431) {
        put.accept(a, () -> raw(line + " HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n"));
      } else if (a.status() == 505) {
        put.accept(a, () -> raw(line + " HTTP/9.9\r\nHost: x\r\n\r\n"));
      }
    }
    // a body shorter than its Content-Length: 408 once the idle timeout (1 s) passes
    String auth = "\r\nHost: x\r\nAuthorization: Bearer " + TOKEN + "\r\nContent-Length: 50\r\n\r\n{\"load\"";
    put.accept(new Answer("post", "/api/v1/decoders", 408), () -> raw("POST /api/v1/decoders HTTP/1.1" + auth));
    put.accept(new Answer("put", beat, 408), () -> raw("PUT /api/v1/decoders/" + NODE + "/heartbeat HTTP/1.1" + auth));
    put.accept(new Answer("put", status, 408), () -> raw("PUT /api/v1/decoders/" + NODE + "/status HTTP/1.1" + auth));
    put.accept(new Answer("post", decode, 408), () -> raw("POST " + decode + " HTTP/1.1" + auth));
    return s;
  }

  /**
   * Opens an event stream and reads its head and first event; the stream stays open (in {@code heldStream},
   * closed after the test) so that the next one is refused.
   */
  private HttpResponse<String> firstEvent() {
    try {
      heldStream = new Socket();
      heldStream.connect(new InetSocketAddress("127.0.0.1", coordinator.port()), 5000);
      heldStream.setSoTimeout(10_000); // the test's bound
      heldStream.getOutputStream().write(("GET " + EventStreams.PATH + " HTTP/1.1\r\nHost: x\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      heldStream.getOutputStream().flush();
      java.io.InputStream in = heldStream.getInputStream();
      StringBuilder text = new StringBuilder();
      while (text.indexOf("event: snapshot") < 0 || text.indexOf("\n\n", text.indexOf("event: snapshot")) < 0) {
        int b = in.read();
        if (b < 0) {
          throw new AssertionError("the stream ended: " + text);
        }
        text.append((char) b);
      }
      return RawAnswer.parse(text.toString(), coordinator.uri());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends a request as it is over a plain socket and reads the answer. */
  private HttpResponse<String> raw(String request) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", coordinator.port()), 5000);
      socket.setSoTimeout(10_000); // the test's bound
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      return RawAnswer.parse(CoordinatorHostileInputTest.readAll(socket), coordinator.uri());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An answer read from a socket, as an HttpResponse for {@link #check}. */
  record RawAnswer(int statusCode, HttpHeaders headers, String body, URI uri) implements HttpResponse<String> {
    static RawAnswer parse(String text, URI uri) {
      int end = text.indexOf("\r\n\r\n");
      if (end < 0) {
        throw new AssertionError("no complete answer: " + text);
      }
      String[] lines = text.substring(0, end).split("\r\n");
      Map<String, List<String>> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        fields.computeIfAbsent(lines[i].substring(0, colon).strip(), k -> new ArrayList<>())
            .add(lines[i].substring(colon + 1).strip());
      }
      return new RawAnswer(Integer.parseInt(lines[0].split(" ")[1]), HttpHeaders.of(fields, (k, v) -> true),
          text.substring(end + 4), uri);
    }

    @Override
    public HttpRequest request() {
      return HttpRequest.newBuilder(uri).build();
    }

    @Override
    public Optional<HttpResponse<String>> previousResponse() {
      return Optional.empty();
    }

    @Override
    public Optional<SSLSession> sslSession() {
      return Optional.empty();
    }

    @Override
    public HttpClient.Version version() {
      return HttpClient.Version.HTTP_1_1;
    }
  }

  @Test
  void everyDocumentedOperationAndStatusIsProducedAndAnswersAsDocumented() {
    List<Scenario> scenarios = scenarios();
    assertThat(scenarios.stream().map(Scenario::answer).collect(java.util.stream.Collectors.toSet()))
        .as("the requests below cover exactly what docs/openapi.yaml documents")
        .containsExactlyInAnyOrderElementsOf(documented());
    List<String> problems = new ArrayList<>();
    for (Scenario scenario : scenarios) {
      Answer answer = scenario.answer();
      HttpResponse<String> r = scenario.request().get();
      if (r.statusCode() != answer.status()) {
        problems.add(answer + ": got " + r.statusCode() + " " + r.body());
        continue;
      }
      problems.addAll(check(answer, r));
      for (String h : scenario.alsoRequired()) {
        if (r.headers().firstValue(h).isEmpty()) {
          problems.add(answer + ": no " + h + " header");
        }
      }
    }
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
      // "*/*": any type (the decode answers with the node's)
      if (!mediaType.equals("*/*") && !type.startsWith(mediaType)) {
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
        // a header the file marks "required: false" is not always sent (its scenario may still require it)
        if (!Boolean.FALSE.equals(resolve(headers.get(h)).get("required")) && r.headers().firstValue(h).isEmpty()) {
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
