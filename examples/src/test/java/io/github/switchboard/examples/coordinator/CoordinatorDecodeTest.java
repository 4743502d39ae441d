package io.github.switchboard.examples.coordinator;

import static io.github.switchboard.examples.coordinator.Api.nodeJson;
import static io.github.switchboard.examples.coordinator.CoordinatorHttpTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.pool.HealthCheckConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /api/v1/decode} on one coordinator without Redis (the in-memory cache), against decoder
 * nodes that are JDK HTTP servers on loopback: forwarding, the cache, the node's alternative, every error.
 */
class CoordinatorDecodeTest {
  static final String TOKEN = CoordinatorHttpTest.TOKEN;

  @TempDir Path dir;
  final List<AutoCloseable> closing = new ArrayList<>();
  Coordinator coordinator;
  Api api;

  CoordinatorConfig.Builder config(DecodeConfig.Builder decode) {
    return CoordinatorConfig.builder(TOKEN).host("127.0.0.1").port(0).poolFile(dir.resolve("decoder_pool.json"))
        .perMinute(100).perHour(1000).healthChecks(HealthCheckConfig.DISABLED).decode(decode.build());
  }

  void start(CoordinatorConfig config) {
    coordinator = Coordinator.start(config);
    closing.add(coordinator);
    api = new Api(coordinator.uri(), TOKEN);
  }

  DecoderStub node(String id, String languages, int priority) {
    DecoderStub stub = new DecoderStub();
    closing.add(stub);
    register(id, stub.endpoint(), languages, priority);
    return stub;
  }

  void register(String id, String endpoint, String languages, int priority) {
    HttpResponse<String> r = api.register(nodeJson(id, endpoint, languages, "\"priority\": " + priority));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  static String cacheOf(HttpResponse<?> r) {
    return r.headers().firstValue("X-Cache").orElse("none");
  }

  @Test
  void aDecodeGoesToTheNodeOnceThenComesFromTheCache() {
    start(config(DecodeConfig.builder()).build());
    DecoderStub node = node("decoder-1", "\"en\", \"es\"", 0);

    HttpResponse<String> first = api.decode("client-1", "en", "es", "hello world", "X-Domain", "medical",
        "X-Region", "us-east-1", "Content-Type", "text/x-encoded");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(first.body()).isEqualTo("decoded(en->es): hello world");
    assertThat(first.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
    assertThat(cacheOf(first)).isEqualTo("MISS");
    assertThat(first.headers().firstValue("RateLimit")).isPresent();
    // the node got the body and the headers, never the API key
    DecoderStub.Received got = node.received().get(0);
    assertThat(new String(got.body(), StandardCharsets.UTF_8)).isEqualTo("hello world");
    assertThat(got.header("X-Source-Language")).isEqualTo("en");
    assertThat(got.header("X-Target-Language")).isEqualTo("es");
    assertThat(got.header("X-Domain")).isEqualTo("medical");
    assertThat(got.header("X-Region")).isEqualTo("us-east-1");
    assertThat(got.header("Content-Type")).isEqualTo("text/x-encoded");
    assertThat(got.header("X-API-Key")).isNull();

    HttpResponse<String> again = api.decode("client-2", "en", "es", "hello world", "X-Domain", "medical");
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.body()).isEqualTo(first.body());
    assertThat(again.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
    assertThat(cacheOf(again)).isEqualTo("HIT");
    assertThat(node.requests()).isEqualTo(1);

    // the key is the languages, the domain and the body; the region only steers the choice of node
    assertThat(cacheOf(api.decode("client-1", "en", "es", "hello world", "X-Domain", "legal"))).isEqualTo("MISS");
    assertThat(cacheOf(api.decode("client-1", "en", "es", "hello world"))).isEqualTo("MISS");
    assertThat(cacheOf(api.decode("client-1", "es", "en", "hello world"))).isEqualTo("MISS");
    assertThat(cacheOf(api.decode("client-1", "en", "es", "hello world!"))).isEqualTo("MISS");
    assertThat(cacheOf(api.decode("client-1", "en", "es", "hello world", "X-Domain", "medical",
        "X-Region", "eu-west-1"))).isEqualTo("HIT");
    assertThat(node.requests()).isEqualTo(5);

    // the decode has its own body limit (1 MiB by default), not the 64 KiB of the JSON routes
    String large = "x".repeat(200_000);
    HttpResponse<String> big = api.decode("client-1", "en", "es", large);
    assertThat(big.statusCode()).as(big.body()).isEqualTo(200);
    assertThat(big.body()).isEqualTo("decoded(en->es): " + large);
  }

  @Test
  void theNodesBytesAndContentTypeComeBackUnchangedFromTheCache() {
    start(config(DecodeConfig.builder()).build());
    DecoderStub node = node("decoder-1", "\"en\", \"es\"", 0);
    byte[] binary = {0, (byte) 0xff, (byte) 0xfe, 'a', (byte) 0xc3, (byte) 0xed, (byte) 0xa0, (byte) 0x80};
    byte[] input = {(byte) 0x80, 1, 2, (byte) 0xff};
    node.answer("application/x-protobuf", binary);
    for (String expected : List.of("MISS", "HIT")) {
      HttpResponse<byte[]> r = api.decodeBytes("client-1", "en", "es", input,
          "Content-Type", "application/octet-stream");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(binary);
      assertThat(r.headers().firstValue("Content-Type")).hasValue("application/x-protobuf");
      assertThat(cacheOf(r)).isEqualTo(expected);
    }
    assertThat(node.received().get(0).body()).isEqualTo(input);

    byte[] text = "¡Hola, señor! 你好 \uD83C\uDF89\n".getBytes(StandardCharsets.UTF_8);
    node.answer("text/plain; charset=utf-8", text);
    for (String expected : List.of("MISS", "HIT")) {
      HttpResponse<byte[]> r = api.decodeBytes("client-1", "en", "es", "text".getBytes(StandardCharsets.UTF_8));
      assertThat(r.body()).isEqualTo(text);
      assertThat(cacheOf(r)).isEqualTo(expected);
    }
    // a node that names no Content-Type
    node.answer(null, "plain".getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> none = api.decode("client-1", "en", "es", "untyped");
    assertThat(none.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
    assertThat(node.requests()).isEqualTo(3);
  }

  @Test
  void aNodeThatFailsIsFollowedByTheSelectionsNextAlternative() throws IOException {
    start(config(DecodeConfig.builder()).build());
    DecoderStub failing = node("decoder-bad", "\"en\", \"es\"", 0).status(503);
    DecoderStub good = node("decoder-good", "\"en\", \"es\"", 5);
    HttpResponse<String> r = api.decode("client-1", "en", "es", "retry me");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("decoded(en->es): retry me");
    assertThat(failing.requests()).isEqualTo(1);
    assertThat(good.requests()).isEqualTo(1);

    // a node that does not answer at all (nothing listens on its port)
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      closed = s.getLocalPort();
    }
    register("decoder-gone", "http://127.0.0.1:" + closed, "\"en\", \"fr\"", 0);
    DecoderStub french = node("decoder-fr", "\"en\", \"fr\"", 5);
    HttpResponse<String> fr = api.decode("client-1", "en", "fr", "bonjour");
    assertThat(fr.statusCode()).as(fr.body()).isEqualTo(200);
    assertThat(french.requests()).isEqualTo(1);
  }

  @Test
  void whenEveryNodeTriedFailsTheAnswerIs502AndNothingIsCached() {
    start(config(DecodeConfig.builder()).build());
    List<DecoderStub> nodes = List.of(node("decoder-1", "\"en\", \"de\"", 0).status(500),
        node("decoder-2", "\"en\", \"de\"", 1).status(502), node("decoder-3", "\"en\", \"de\"", 2).status(500));
    HttpResponse<String> r = api.decode("client-1", "en", "de", "guten tag");
    assertProblem(r, 502, "every decoder node tried failed", "decoder-1 answered HTTP 500",
        "decoder-2 answered HTTP 502");
    // the chosen node and one alternative: never the third
    assertThat(nodes.stream().mapToInt(DecoderStub::requests).toArray()).containsExactly(1, 1, 0);

    nodes.forEach(n -> n.status(200));
    HttpResponse<String> after = api.decode("client-1", "en", "de", "guten tag");
    assertThat(after.statusCode()).isEqualTo(200);
    assertThat(cacheOf(after)).isEqualTo("MISS");

    // a 4xx is the node's definite answer: no alternative, 502
    DecoderStub refusing = node("decoder-it-1", "\"en\", \"it\"", 0).status(422);
    DecoderStub other = node("decoder-it-2", "\"en\", \"it\"", 5);
    assertProblem(api.decode("client-1", "en", "it", "ciao"), 502, "decoder-it-1 answered HTTP 422");
    assertThat(refusing.requests()).isEqualTo(1);
    assertThat(other.requests()).isZero();
  }

  @Test
  void aNodeSlowerThanTheTimeoutIs504AndNothingIsCached() {
    // 1 s: wide enough that the decode after release() is not itself timed out on a loaded 2-core machine
    start(config(DecodeConfig.builder().timeout(Duration.ofMillis(1000))).build());
    DecoderStub slow = node("decoder-slow", "\"en\", \"es\"", 0).hold();
    long start = System.nanoTime();
    HttpResponse<String> r = api.decode("client-1", "en", "es", "take your time");
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    assertProblem(r, 504, "1000 ms", "DECODE_TIMEOUT_MS");
    assertThat(tookMillis).isBetween(990L, 6_000L);

    slow.release(); // the node answers at once from now on
    // nothing was cached: the next decode that succeeds asked the node (on a loaded machine a decode may
    // still time out right after the release, so ask until one is answered, within a bound)
    java.util.concurrent.atomic.AtomicReference<HttpResponse<String>> after = new java.util.concurrent.atomic.AtomicReference<>();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
      after.set(api.decode("client-1", "en", "es", "take your time"));
      return after.get().statusCode() == 200;
    });
    assertThat(cacheOf(after.get())).isEqualTo("MISS");
    assertThat(slow.requests()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void aDecodeLongerThanTheIdleTimeoutIsStillAnswered() {
    start(config(DecodeConfig.builder().timeout(Duration.ofSeconds(10)))
        .idleTimeout(Duration.ofMillis(400)).build());
    node("decoder-1", "\"en\", \"es\"", 0).delay(Duration.ofMillis(1500));
    HttpResponse<String> r = api.decode("client-1", "en", "es", "patience");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("decoded(en->es): patience");
  }

  @Test
  void aBodyOverDecodeMaxBytesIs413AndNeverReachesANode() throws IOException {
    start(config(DecodeConfig.builder().maxBytes(1000)).build());
    DecoderStub node = node("decoder-1", "\"en\", \"es\"", 0);
    assertThat(api.decode("client-1", "en", "es", "y".repeat(1000)).statusCode()).isEqualTo(200);
    assertProblem(api.decode("client-1", "en", "es", "y".repeat(1001)), 413, "1000 bytes");
    // chunked: no Content-Length, refused once the limit is passed
    HttpRequest.Builder chunked = api.decodeRequest("client-1", "en", "es", new byte[0])
        .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofByteArray(new byte[5000])));
    assertProblem(api.send(chunked), 413, "1000 bytes");
    assertThat(node.requests()).isEqualTo(1);

    // Expect: 100-continue with a Content-Length over the limit: 413 at once, never "100 Continue"
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", coordinator.port()), 5000);
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("POST /api/v1/decode HTTP/1.1\r\nHost: x\r\nX-API-Key: client-1\r\n"
          + "X-Source-Language: en\r\nX-Target-Language: es\r\nContent-Length: 5000\r\n"
          + "Expect: 100-continue\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      String answer = CoordinatorHostileInputTest.readAll(socket);
      assertThat(answer).startsWith("HTTP/1.1 413 ").doesNotContain("100 Continue");
      assertThat(answer).containsIgnoringCase("Connection: close").contains("application/problem+json");
    }
  }

  @Test
  void noNodeForThePairIs503AndIsNotCached() {
    start(config(DecodeConfig.builder()).build());
    assertProblem(api.decode("client-1", "en", "ja", "konnichiwa"), 503, "en -> ja");
    DecoderStub node = node("decoder-ja", "\"en\", \"ja\"", 0);
    HttpResponse<String> r = api.decode("client-1", "en", "ja", "konnichiwa");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(cacheOf(r)).isEqualTo("MISS");
    assertThat(node.requests()).isEqualTo(1);
  }

  @Test
  void decodesAndRoutesDrawFromOneLimitPerKeyAndAreAnswered429Past() {
    start(config(DecodeConfig.builder()).perMinute(5).build());
    DecoderStub node = node("decoder-1", "\"en\", \"es\"", 0);
    for (int i = 0; i < 3; i++) {
      assertThat(api.route("client-busy", "en", "es", null).statusCode()).isEqualTo(200);
    }
    assertThat(api.decode("client-busy", "en", "es", "uno").statusCode()).isEqualTo(200);
    HttpResponse<String> hit = api.decode("client-busy", "en", "es", "uno");
    assertThat(cacheOf(hit)).isEqualTo("HIT"); // a hit counts too
    assertThat(hit.headers().firstValue("RateLimit")).hasValue("\"1m\";r=0;t=60");
    HttpResponse<String> denied = api.decode("client-busy", "en", "es", "uno");
    assertProblem(denied, 429, "limit of 5 requests per minute");
    assertThat(denied.headers().firstValue("Retry-After")).isPresent();
    assertThat(denied.headers().firstValue("RateLimit-Policy")).hasValue("\"1m\";q=5;w=60, \"1h\";q=1000;w=3600");
    assertThat(node.requests()).isEqualTo(1);
  }

  @Test
  void malformedDecodesAreRefusedBeforeTheLimitAndTheNode() {
    start(config(DecodeConfig.builder()).perMinute(1).build());
    DecoderStub node = node("decoder-1", "\"en\", \"es\"", 0);
    assertProblem(api.decode(null, "en", "es", "x"), 401, "X-API-Key");
    assertProblem(api.decode("client-1", null, "es", "x"), 400, "X-Source-Language");
    assertProblem(api.decode("client-1", "en", "Spanish", "x"), 400, "X-Target-Language");
    assertProblem(api.decode("client-1", "en", "es", "x", "X-Region", "not a region!"), 400, "X-Region");
    assertProblem(api.decode("client-1", "en", "es", "x", "X-Domain", "no spaces"), 400, "X-Domain");
    HttpResponse<String> get = api.send(api.request("/api/v1/decode").GET().header("X-API-Key", "client-1"));
    assertProblem(get, 405);
    assertThat(get.headers().firstValue("Allow")).hasValue("POST");
    assertThat(node.requests()).isZero();
    // none of them counted: the key still has its one decode of the minute
    assertThat(api.decode("client-1", "en", "es", "x").statusCode()).isEqualTo(200);
    assertThat(api.decode("client-1", "en", "es", "x").statusCode()).isEqualTo(429);
  }

  @Test
  void withTheCacheOffEveryDecodeGoesToANode() {
    start(config(DecodeConfig.builder().cacheEnabled(false)).build());
    DecoderStub node = node("decoder-1", "\"en\", \"es\"", 0);
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> r = api.decode("client-1", "en", "es", "same input");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(cacheOf(r)).isEqualTo("MISS");
    }
    assertThat(node.requests()).isEqualTo(2);
  }

  @Test
  void aCachedValueKeepsTheContentTypeWithTheBody() {
    byte[] bytes = {1, 2, (byte) 0xff};
    for (NodeAnswer a : List.of(new NodeAnswer("text/plain; charset=utf-8", "línea\nnext\n".getBytes(StandardCharsets.UTF_8)),
        new NodeAnswer("application/octet-stream", bytes), new NodeAnswer("text/plain", new byte[0]))) {
      NodeAnswer back = NodeAnswer.decode(a.encode());
      assertThat(back).isNotNull();
      assertThat(back.contentType()).isEqualTo(a.contentType());
      assertThat(back.body()).isEqualTo(a.body());
    }
    assertThat(new NodeAnswer("text/plain", "ok".getBytes(StandardCharsets.UTF_8)).encode())
        .isEqualTo("v1 text text/plain\nok");
    assertThat(new NodeAnswer("application/octet-stream", bytes).encode())
        .isEqualTo("v1 base64 application/octet-stream\nAQL/");
    for (String bad : List.of("", "no header line", "v2 text a\nb", "v1 text \nb", "v1 base64 x\n***")) {
      assertThat(NodeAnswer.decode(bad)).as(bad).isNull();
    }
    assertThat(Arrays.asList(NodeClient.decodeUri(java.net.URI.create("http://h:1")),
        NodeClient.decodeUri(java.net.URI.create("http://h:1/v2/"))))
        .containsExactly(java.net.URI.create("http://h:1/decode"), java.net.URI.create("http://h:1/v2/decode"));
  }
}
