package io.github.switchboard.examples.coordinator;

import static io.github.switchboard.examples.coordinator.Api.nodeJson;
import static io.github.switchboard.examples.coordinator.CoordinatorHttpTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.switchboard.pool.HealthCheckConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The example coordinator against hostile clients, in process over real sockets: JSON bombs on every
 * write route, half-sent requests, bodies shorter than their Content-Length, garbage request lines,
 * oversized headers, invented API keys, and the latency of routing on loopback.
 */
class CoordinatorHostileInputTest {
  static final String TOKEN = CoordinatorHttpTest.TOKEN;

  @TempDir Path dir;
  Coordinator coordinator;
  Api api;
  final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void setUp() {
    coordinator = Coordinator.start(CoordinatorConfig.builder(TOKEN)
        .host("127.0.0.1")
        .port(0)
        .poolFile(dir.resolve("decoder_pool.json"))
        .healthChecks(HealthCheckConfig.DISABLED)
        .perMinute(1_000_000)
        .perHour(1_000_000)
        .idleTimeout(Duration.ofSeconds(1))
        .maxApiKeys(3)
        .build());
    api = new Api(coordinator.uri(), TOKEN);
  }

  @AfterEach
  void tearDown() {
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException e) {
        // already closed
      }
    }
    coordinator.close();
  }

  static String bomb(String kind) {
    return switch (kind) {
      case "depth" -> "[".repeat(1001) + "]".repeat(1001);
      case "number" -> "{\"node_id\": \"n\", \"endpoint\": \"http://n:1\", \"load\": 1" + "0".repeat(1500) + "}";
      default -> "{\"" + "a".repeat(55_000) + "\": 1}";
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"depth", "number", "name"})
  void theThreeBodiesAre400ProblemsOnEveryWriteRoute(String kind) {
    assertThat(api.register(nodeJson("n1", "http://127.0.0.1:9001", "\"en\", \"es\"", "")).statusCode())
        .isEqualTo(201);
    String body = bomb(kind);
    HttpResponse<String> register = api.register(body);
    assertProblem(register, 400, "over a limit");
    HttpResponse<String> heartbeat = api.heartbeat("n1", body);
    assertProblem(heartbeat, 400, "over a limit");
    // the same value inside a valid node
    String nested = "{\"node_id\": \"n2\", \"endpoint\": \"http://n:1\", \"tags\": [\"a\"], \"x\": " + body + "}";
    assertThat(api.register(nested).statusCode()).isIn(400, 413);
    assertThat(api.get("/health").statusCode()).isEqualTo(200);
    assertThat(api.get("/api/v1/decoders/n2").statusCode()).isEqualTo(404);
  }

  /**
   * A seeded fuzz of the write routes' bodies: valid bodies cut, spliced and sprinkled with JSON
   * punctuation, plus nesting, long numbers and long names. Every answer is a success or a 4xx
   * problem+json; never a 5xx, never another content type.
   */
  @Test
  void fuzzedBodiesOnTheWriteRoutesAreAnsweredWithSuccessOrA4xxProblem() {
    assertThat(api.register(nodeJson("n1", "http://127.0.0.1:9001", "\"en\", \"es\"", "")).statusCode())
        .isEqualTo(201);
    String[] seeds = {nodeJson("f1", "http://127.0.0.1:9001", "\"en\", \"es\"", "\"capacity\": 5, \"tags\": [\"a\"]"),
        "{\"load\": 12, \"inflight\": 3}", "{\"load\": 1.5e2, \"uptime\": 10, \"hot_adapters\": [\"x\"]}"};
    java.util.Random random = new java.util.Random(20261126L);
    String punctuation = "{}[]\":,0-e.\\ tfn\u0000\u00e9";
    for (int i = 0; i < 300; i++) {
      StringBuilder b = new StringBuilder(seeds[random.nextInt(seeds.length)]);
      for (int edits = 1 + random.nextInt(6); edits > 0; edits--) {
        int at = b.length() == 0 ? 0 : random.nextInt(b.length());
        switch (random.nextInt(5)) {
          case 0 -> b.insert(at, punctuation.charAt(random.nextInt(punctuation.length())));
          case 1 -> b.setLength(at);
          case 2 -> b.insert(at, "[".repeat(random.nextInt(40)));
          case 3 -> b.insert(at, "9".repeat(random.nextInt(100)));
          default -> {
            if (b.length() > 0) {
              b.deleteCharAt(at);
            }
          }
        }
      }
      String body = b.toString();
      HttpResponse<String> r = i % 2 == 0 ? api.register(body) : api.heartbeat("n1", body);
      assertThat(r.statusCode()).as("%s -> %s", body, r.body()).isBetween(200, 499);
      if (r.statusCode() >= 400) {
        assertThat(r.headers().firstValue("Content-Type")).as(body).hasValue("application/problem+json");
      }
    }
  }

  @Test
  void sixtyFourHalfSentRequestsDoNotStopHealth() throws Exception {
    int port = coordinator.port();
    for (int i = 0; i < 64; i++) {
      Socket s = connect(port);
      OutputStream out = s.getOutputStream();
      // half the connections stop inside the headers, the other half inside a declared body
      if (i % 2 == 0) {
        out.write("POST /api/v1/decoders HTTP/1.1\r\nHost: x\r\nAuthor".getBytes(StandardCharsets.US_ASCII));
      } else {
        out.write(("PUT /api/v1/decoders/n/heartbeat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
            + "\r\nContent-Length: 100\r\n\r\n{\"load\"").getBytes(StandardCharsets.US_ASCII));
      }
      out.flush();
    }
    long start = System.nanoTime();
    HttpResponse<String> health = api.send(api.request("/health").timeout(Duration.ofSeconds(3)).GET());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void aContentLengthLongerThanTheBodyIsAnswered408WithinTheIdleTimeout() throws Exception {
    Socket s = connect(coordinator.port());
    s.setSoTimeout(10_000); // the test's bound; the server's idle timeout is 1 s
    s.getOutputStream().write(("PUT /api/v1/decoders/n/heartbeat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + TOKEN + "\r\nContent-Length: 50\r\n\r\n{\"load\": 1}").getBytes(StandardCharsets.US_ASCII));
    long start = System.nanoTime();
    String answer = readAll(s);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
    assertThat(answer).startsWith("HTTP/1.1 408").contains("application/problem+json")
        .contains("did not arrive within");
  }

  @ParameterizedTest
  @ValueSource(strings = {"GARBAGE\r\n\r\n", "GET /health HTTP/9.9\r\n\r\n", "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
      "POST /api/v1/decoders HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"})
  void malformedRequestsGetProblemJson(String request) throws Exception {
    String answer = exchange(request);
    assertThat(answer).matches("(?s)HTTP/1\\.1 (400|505) .*").contains("Content-Type: application/problem+json");
    JsonNode problem = Api.JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
    assertThat(problem.path("type").asText()).isEqualTo("about:blank");
    assertThat(problem.path("status").asInt()).isIn(400, 505);
  }

  @Test
  void headersOverTheLimitAre431ProblemJson() throws Exception {
    String answer = exchange("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 431").contains("application/problem+json");
  }

  @Test
  void unknownPathsAndMethodsAreProblemJson() {
    assertProblem(api.get("/nothing"), 404);
    assertProblem(api.send(api.request("/health").DELETE()), 405);
  }

  @Test
  void inventedApiKeysAreBoundedAndKnownKeysStillPass() {
    for (String key : List.of("k1", "k2", "k3")) {
      assertThat(api.route(key, "en", "es", null).statusCode()).isEqualTo(503); // admitted, no node
    }
    HttpResponse<String> fourth = api.route("k4", "en", "es", null);
    assertProblem(fourth, 429, "MAX_API_KEYS");
    assertThat(fourth.headers().firstValue("Retry-After")).isPresent();
    assertThat(api.route("k1", "en", "es", null).statusCode()).isEqualTo(503);
  }

  @Test
  void routingOnLoopbackHasAMedianUnder5Ms() {
    assertThat(api.register(nodeJson("n1", "http://127.0.0.1:9001", "\"en\", \"es\"", "")).statusCode())
        .isEqualTo(201);
    for (int i = 0; i < 50; i++) { // warm up the JIT and the connection
      api.route("k1", "en", "es", null);
    }
    long[] nanos = new long[200];
    for (int i = 0; i < nanos.length; i++) {
      long start = System.nanoTime();
      HttpResponse<String> r = api.route("k1", "en", "es", null);
      nanos[i] = System.nanoTime() - start;
      assertThat(r.statusCode()).isEqualTo(200);
    }
    Arrays.sort(nanos);
    assertThat(Duration.ofNanos(nanos[nanos.length / 2])).isLessThan(Duration.ofMillis(5));
  }

  // ------------------------------------------------------------------------------------------- helpers

  private Socket connect(int port) throws IOException {
    Socket s = new Socket();
    sockets.add(s);
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    return s;
  }

  private String exchange(String request) throws IOException {
    Socket s = connect(coordinator.port());
    s.setSoTimeout(10_000);
    OutputStream out = s.getOutputStream();
    out.write(request.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return readAll(s);
  }

  /** Reads until the server closes the connection or one response's Content-Length is read. */
  static String readAll(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] b = new byte[8192];
    try {
      int n;
      while ((n = in.read(b)) >= 0) {
        buf.write(b, 0, n);
        if (complete(buf.toString(StandardCharsets.ISO_8859_1))) {
          break;
        }
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no answer and no close within 10 s; got: " + buf, e);
    } catch (IOException e) {
      // reset by the server after its answer
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  private static boolean complete(String text) {
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      return false;
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)\r\nContent-Length: *(\\d+)")
        .matcher(text.substring(0, end));
    return m.find() && text.length() - end - 4 >= Integer.parseInt(m.group(1));
  }
}
