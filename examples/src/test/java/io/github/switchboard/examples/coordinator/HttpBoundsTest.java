package io.github.switchboard.examples.coordinator;

import static io.github.switchboard.examples.coordinator.Api.nodeJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.switchboard.pool.HealthCheckConfig;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator's HTTP bounds and rules over real sockets, in process: the header deadline, the body
 * rate, the connections per address, and the small items of issue 24 (a bad chunk size, Expect:
 * 100-continue, Transfer-Encoding, HEAD, CONNECT).
 */
class HttpBoundsTest {
  static final String TOKEN = CoordinatorHttpTest.TOKEN;
  static final String AUTH = "Authorization: Bearer " + TOKEN + "\r\n";
  static final Duration HEADER_TIMEOUT = Duration.ofSeconds(1);
  static final int PER_ADDRESS = 5;

  @TempDir Path dir;
  Coordinator coordinator;
  Api api;
  int port;
  final List<RawHttp> connections = new ArrayList<>();

  @BeforeEach
  void setUp() {
    coordinator = Coordinator.start(CoordinatorConfig.builder(TOKEN)
        .host("127.0.0.1")
        .port(0)
        .poolFile(dir.resolve("decoder_pool.json"))
        .healthChecks(HealthCheckConfig.DISABLED)
        .idleTimeout(Duration.ofSeconds(20))
        .http(HttpLimits.builder().headerTimeout(HEADER_TIMEOUT).minBodyRate(1000).maxConnectionsPerAddress(PER_ADDRESS)
            .build())
        .build());
    api = new Api(coordinator.uri(), TOKEN);
    port = coordinator.port();
  }

  @AfterEach
  void tearDown() {
    connections.forEach(RawHttp::close);
    coordinator.close();
  }

  RawHttp connect(String from) {
    RawHttp c = new RawHttp(from, port, Duration.ofSeconds(10));
    connections.add(c);
    return c;
  }

  // ---------------------------------------------------------------------------------- header deadline

  @Test
  void headersTrickledPastTheDeadlineCloseTheConnectionLongBeforeTheIdleTimeout() throws Exception {
    RawHttp c = connect("127.0.0.1");
    long start = System.nanoTime();
    c.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    // a byte every 200 ms, so that the idle timeout (20 s) never fires; at most 50 bytes (10 s)
    for (int i = 0; i < 50 && c.quietFor(Duration.ofMillis(200)) && c.trySend("a"); i++) {
      // trickle
    }
    assertThat(c.untilClosed()).as("closed without an answer").isEmpty();
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(took).isGreaterThanOrEqualTo(HEADER_TIMEOUT).isLessThan(Duration.ofSeconds(6));
    assertThat(api.get("/health").statusCode()).isEqualTo(200);
  }

  @Test
  void emptyLinesTrickledBeforeARequestAreClosedToo() throws Exception {
    RawHttp c = connect("127.0.0.1");
    long start = System.nanoTime();
    for (int i = 0; i < 50 && c.trySend("\r\n") && c.quietFor(Duration.ofMillis(200)); i++) {
      // trickle
    }
    assertThat(c.untilClosed()).as("closed without an answer").isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
  }

  @Test
  void aKeptAliveConnectionWaitsForItsNextRequestUntilTheIdleTimeoutNotTheHeaderDeadline() throws Exception {
    RawHttp c = connect("127.0.0.1");
    assertThat(c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n").response()).startsWith("HTTP/1.1 200");
    // three header timeouts without a byte: still open (the idle timeout is 20 s)
    await().during(HEADER_TIMEOUT.multipliedBy(3)).atMost(HEADER_TIMEOUT.multipliedBy(6))
        .until(() -> c.quietFor(Duration.ofMillis(100)));
    assertThat(c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n").response()).startsWith("HTTP/1.1 200");
  }

  // ---------------------------------------------------------------------------------------- body rate

  @Test
  void aBodySlowerThanTheRateIs408AndClosed() throws Exception {
    RawHttp c = connect("127.0.0.1");
    c.send("PUT /api/v1/decoders/n1/heartbeat HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Length: 50000\r\n\r\n{");
    long start = System.nanoTime();
    // a byte every 100 ms (10 B/s against 1000 B/s): 408 after the 1 s start, long before the idle timeout
    for (int i = 0; i < 100 && c.trySend(" ") && c.quietFor(Duration.ofMillis(100)); i++) {
      // trickle
    }
    String text = c.untilClosed();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
    assertThat(text).startsWith("HTTP/1.1 408").contains("Connection: close")
        .contains("application/problem+json").contains("HTTP_MIN_BODY_BYTES_PER_SECOND");
  }

  @Test
  void aSlowBodyThatKeepsTheRateIsServed() throws Exception {
    assertThat(api.register(nodeJson("n1", "http://127.0.0.1:9001", "\"en\", \"es\"", "")).statusCode())
        .isEqualTo(201);
    String body = "{\"load\": 1" + " ".repeat(2989) + "}"; // 3000 bytes
    RawHttp c = connect("127.0.0.1");
    c.send("PUT /api/v1/decoders/n1/heartbeat HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Length: " + body.length()
        + "\r\n\r\n");
    // 200 bytes every 100 ms: 2000 B/s, 1.5 s in all, longer than the 1 s start
    for (int at = 0; at < body.length() - 200; at += 200) {
      c.send(body.substring(at, at + 200));
      assertThat(c.quietFor(Duration.ofMillis(100))).as("no answer before the body is in").isTrue();
    }
    c.send(body.substring(body.length() - 200));
    assertThat(c.response()).startsWith("HTTP/1.1 204");
  }

  // -------------------------------------------------------------------------------- per-address bound

  @Test
  void connectionsPastTheBoundOfOneAddressAreClosedWhileOtherAddressesAreServed() throws Exception {
    List<RawHttp> held = new ArrayList<>();
    for (int i = 0; i < PER_ADDRESS; i++) {
      RawHttp c = connect("127.0.0.1");
      assertThat(c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n").response()).startsWith("HTTP/1.1 200");
      held.add(c);
    }
    RawHttp extra = connect("127.0.0.1");
    assertThat(extra.untilClosed()).as("the sixth from 127.0.0.1 is closed unanswered").isEmpty();
    RawHttp other = connect("127.0.0.2");
    assertThat(other.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n").response()).startsWith("HTTP/1.1 200");
    // one of the five closes: 127.0.0.1 is served again
    held.get(0).close();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      try (RawHttp again = new RawHttp("127.0.0.1", port, Duration.ofSeconds(2))) {
        assertThat(again.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n").response()).startsWith("HTTP/1.1 200");
      }
    });
    for (RawHttp c : held.subList(1, held.size())) {
      assertThat(c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n").response()).startsWith("HTTP/1.1 200");
    }
  }

  // -------------------------------------------------------------------------------------- small items

  @Test
  void aBadChunkSizeIsA400ProblemThatNamesNoServerClass() throws Exception {
    RawHttp c = connect("127.0.0.1");
    c.send("POST /api/v1/decoders HTTP/1.1\r\nHost: x\r\n" + AUTH + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
    String answer = c.untilClosed();
    assertThat(answer).startsWith("HTTP/1.1 400").contains("application/problem+json");
    JsonNode problem = Api.JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
    assertThat(problem.path("detail").asText()).isNotBlank().doesNotContainIgnoringCase("jetty")
        .doesNotContain("Exception").doesNotContain("org.");
  }

  @Test
  void expectContinueWithoutTheTokenIs401BeforeAny100() throws Exception {
    RawHttp c = connect("127.0.0.1");
    c.send("POST /api/v1/decoders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 80\r\n"
        + "Expect: 100-continue\r\n\r\n");
    String answer = c.untilClosed();
    assertThat(answer).startsWith("HTTP/1.1 401").doesNotContain("100 Continue").contains("WWW-Authenticate: Bearer");

    RawHttp wrong = connect("127.0.0.1");
    wrong.send("PUT /api/v1/decoders/n1/heartbeat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer not-the-token-at-all\r\n"
        + "Content-Length: 10\r\nExpect: 100-continue\r\n\r\n");
    assertThat(wrong.untilClosed()).startsWith("HTTP/1.1 401").contains("invalid_token");

    RawHttp noKey = connect("127.0.0.1");
    noKey.send("POST /api/v1/route HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n");
    assertThat(noKey.untilClosed()).startsWith("HTTP/1.1 401").contains("X-API-Key");
  }

  @Test
  void expectContinueWithTheTokenChecksTheSizeBeforeThe100ThenContinues() throws Exception {
    RawHttp big = connect("127.0.0.1");
    big.send("POST /api/v1/decoders HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Length: 100000\r\n"
        + "Expect: 100-continue\r\n\r\n");
    assertThat(big.untilClosed()).startsWith("HTTP/1.1 413").doesNotContain("100 Continue");

    String node = nodeJson("n1", "http://127.0.0.1:9001", "\"en\", \"es\"", "");
    RawHttp c = connect("127.0.0.1");
    c.send("POST /api/v1/decoders HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Type: application/json\r\nContent-Length: "
        + node.length() + "\r\nExpect: 100-continue\r\n\r\n");
    assertThat(c.interim()).startsWith("HTTP/1.1 100");
    c.send(node);
    assertThat(c.response()).startsWith("HTTP/1.1 201");
  }

  @Test
  void aTransferCodingOtherThanChunkedIs501AndClosed() throws Exception {
    String node = nodeJson("n1", "http://127.0.0.1:9001", "\"en\", \"es\"", "");
    String chunk = Integer.toHexString(node.length()) + "\r\n" + node + "\r\n0\r\n\r\n";
    RawHttp gzip = connect("127.0.0.1");
    gzip.send("POST /api/v1/decoders HTTP/1.1\r\nHost: x\r\n" + AUTH + "Transfer-Encoding: gzip, chunked\r\n\r\n" + chunk);
    String answer = gzip.untilClosed();
    assertThat(answer).startsWith("HTTP/1.1 501").contains("application/problem+json").contains("only chunked");
    assertThat(api.get("/api/v1/decoders/n1").statusCode()).isEqualTo(404);

    RawHttp chunked = connect("127.0.0.1");
    chunked.send("POST /api/v1/decoders HTTP/1.1\r\nHost: x\r\n" + AUTH + "Transfer-Encoding: chunked\r\n\r\n" + chunk);
    assertThat(chunked.response()).startsWith("HTTP/1.1 201");
  }

  @Test
  void headIsAnsweredLikeGetWithoutTheBodyAndTheConnectionGoesOn() throws Exception {
    String get = api.get("/health").body();
    RawHttp c = connect("127.0.0.1");
    String head = c.send("HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n").response(true);
    assertThat(head).startsWith("HTTP/1.1 200").contains("Content-Length: " + get.length());
    // no body was sent: the next answer on the connection starts right after the head
    assertThat(c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n").response()).startsWith("HTTP/1.1 200")
        .endsWith(get);
    assertThat(c.send("HEAD /api/v1/decoders HTTP/1.1\r\nHost: x\r\n\r\n").response(true)).startsWith("HTTP/1.1 200");
    String post = c.send("HEAD /api/v1/route HTTP/1.1\r\nHost: x\r\n\r\n").response(true);
    assertThat(post).startsWith("HTTP/1.1 405").contains("Allow: POST");
    String events = c.send("HEAD /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n").response(true);
    assertThat(events).startsWith("HTTP/1.1 405").contains("Allow: GET");
  }

  @Test
  void connectIsRefusedAndTheConnectionClosed() throws Exception {
    for (String target : List.of("example.com:443", "/health", "127.0.0.1:" + port)) {
      RawHttp c = connect("127.0.0.1");
      c.send("CONNECT " + target + " HTTP/1.1\r\nHost: " + (target.startsWith("/") ? "x" : target) + "\r\n\r\n");
      String answer;
      try {
        answer = c.untilClosed();
      } catch (SocketTimeoutException e) {
        throw new AssertionError("CONNECT " + target + " left the connection open", e);
      }
      assertThat(answer).as(target).matches("(?s)HTTP/1\\.1 (400|501) .*").contains("application/problem+json");
    }
  }
}
