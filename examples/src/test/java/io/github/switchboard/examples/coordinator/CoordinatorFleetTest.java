package io.github.switchboard.examples.coordinator;

import static io.github.switchboard.examples.coordinator.Api.json;
import static io.github.switchboard.examples.coordinator.Api.nodeJson;
import static io.github.switchboard.examples.coordinator.CoordinatorHttpTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.HealthCheckConfig;
import io.github.switchboard.pool.NodeNetworks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node ids, node endpoints (credentials, NODE_NETWORKS) and the key budget under a flood, in process. A
 * newcomer behind the flood's own address is not tested: it competes with the flood for the places that
 * free up, as documented.
 */
class CoordinatorFleetTest {
  static final String TOKEN = CoordinatorHttpTest.TOKEN;

  @TempDir Path dir;
  final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  CoordinatorConfig.Builder config() {
    return CoordinatorConfig.builder(TOKEN).host("127.0.0.1").port(0).poolFile(dir.resolve("pool.json"))
        .healthChecks(HealthCheckConfig.DISABLED);
  }

  Api start(CoordinatorConfig config) {
    Coordinator c = Coordinator.start(config);
    opened.add(c);
    return new Api(c.uri(), TOKEN);
  }

  @Test
  void dotSegmentIdsAreRefusedNamingTheRuleAndWhatRegistersCanBeRemoved() {
    Api api = start(config().build());
    for (String id : List.of(".", "..")) {
      HttpResponse<String> r = api.register(nodeJson(id, "http://127.0.0.1:9001", "\"en\"", ""));
      assertProblem(r, 400, DecoderNode.NODE_ID_RULE);
    }
    assertThat(json(api.get("/api/v1/decoders")).path("nodes")).isEmpty();
    // the ids that look like them but are path segments register, and are removed, through the API
    for (String id : List.of("...", ".a", "a..b", "-", "_")) {
      assertThat(api.register(nodeJson(id, "http://127.0.0.1:9001", "\"en\"", "")).statusCode()).as(id)
          .isEqualTo(201);
      assertThat(api.get("/api/v1/decoders/" + id).statusCode()).as(id).isEqualTo(200);
      assertThat(api.delete(id).statusCode()).as(id).isEqualTo(204);
    }
    assertThat(json(api.get("/api/v1/decoders")).path("nodes")).isEmpty();
    // an id no node can have, in a path, is a 400 naming the rule
    assertProblem(api.delete("a%20b"), 400, DecoderNode.NODE_ID_RULE);
    assertProblem(api.get("/api/v1/decoders/a%2Cb"), 400, DecoderNode.NODE_ID_RULE);
  }

  @Test
  void anEndpointWithCredentialsIsRefusedAndTheCredentialsAreNeverRepeated() {
    Api api = start(config().build());
    HttpResponse<String> r = api.register(nodeJson("secretive", "http://admin:s3cret-pw@127.0.0.1:9001",
        "\"en\"", ""));
    assertProblem(r, 400, "endpoint must not hold credentials (user:password@)");
    assertThat(r.body()).doesNotContain("s3cret-pw").doesNotContain("admin");
    r = api.register(nodeJson("secretive", "http://127.0.0.1:9001", "\"en\"",
        "\"health_url\": \"http://token@127.0.0.1:9001/health\""));
    assertProblem(r, 400, "health_url must not hold credentials");
    assertThat(r.body()).doesNotContain("token@");
    assertThat(api.get("/api/v1/decoders/secretive").statusCode()).isEqualTo(404);
  }

  @Test
  void nodeNetworksRefuseAnOutsideEndpointAndTheCoordinatorNeverContactsOne() throws Exception {
    DecoderStub node = new DecoderStub();
    opened.add(node);
    // registered while any network was allowed, with health checks on
    Api open = start(config().build());
    assertThat(open.register(nodeJson("loopback", node.endpoint(), "\"en\", \"es\"", "")).statusCode())
        .isEqualTo(201);
    ((Coordinator) opened.remove(opened.size() - 1)).close();
    int before = node.requests();

    FleetConfig fleet = new FleetConfig(NodeNetworks.parse("10.0.0.0/8, fd00::/8"), Duration.ofSeconds(60));
    Api api = start(config().fleet(fleet).healthChecks(HealthCheckConfig.builder()
        .interval(Duration.ofMillis(100)).timeout(Duration.ofSeconds(1)).fall(1).build()).build());
    HttpResponse<String> r = api.register(nodeJson("loopback-2", node.endpoint(), "\"en\"", ""));
    assertProblem(r, 400, "endpoint host '127.0.0.1' resolves to 127.0.0.1, outside the node networks"
        + " 10.0.0.0/8,fd00::/8 (NODE_NETWORKS)");
    r = api.register(nodeJson("split", "http://10.1.2.3:8001", "\"en\"",
        "\"health_url\": \"" + node.endpoint() + "/health\""));
    assertProblem(r, 400, "health_url host '127.0.0.1'");
    assertThat(api.register(nodeJson("inside", "http://10.1.2.3:8001", "\"fr\"", "")).statusCode())
        .isEqualTo(201);
    // the node already in the pool is checked as failing without a connection, and a decode skips it
    await().atMost(Duration.ofSeconds(30))
        .until(() -> json(api.get("/api/v1/decoders/loopback")).path("health").asText().equals("unhealthy"));
    HttpResponse<String> decode = api.decode("key-1", "en", "es", "hello");
    assertThat(decode.statusCode()).as(decode.body()).isIn(502, 503);
    assertThat(node.requests()).isEqualTo(before);
  }

  @Test
  void anInventedKeyFloodAtTheBoundNeverKeepsOutANewRealKeyFromAnotherAddress() throws Exception {
    FleetConfig fleet = new FleetConfig(NodeNetworks.ANY, Duration.ofSeconds(5));
    Api api = start(config().maxApiKeys(200).perMinute(1_000).perHour(100_000).fleet(fleet).build());
    assertThat(api.register(nodeJson("n1", "http://127.0.0.1:9001", "\"en\", \"es\"", "")).statusCode())
        .isEqualTo(201);
    Coordinator c = (Coordinator) opened.get(0);
    AtomicBoolean flooding = new AtomicBoolean(true);
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger sent = new AtomicInteger();
    ExecutorService flood = Executors.newFixedThreadPool(2);
    try {
      for (int t = 0; t < 2; t++) {
        int thread = t;
        flood.execute(() -> {
          for (int i = 0; flooding.get() && i < 200_000; i++) {
            int status = api.route("invented-" + thread + "-" + i, "en", "es", null).statusCode();
            sent.incrementAndGet();
            if (status == 429) {
              refused.incrementAndGet();
            }
          }
        });
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> refused.get() > 50); // the bound is full
      // a newcomer from another address: admitted at once (the flood's address holds the most keys)
      long start = System.nanoTime();
      assertThat(route(c.port(), "127.0.0.2", "real-key-from-elsewhere")).isEqualTo(200);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      // the flood's own new keys still get 429 meanwhile: it gives its places up, it takes none
      int refusedBefore = refused.get();
      await().atMost(Duration.ofSeconds(30)).until(() -> refused.get() > refusedBefore + 10);
    } finally {
      flooding.set(false);
      flood.shutdown();
      assertThat(flood.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(sent.get()).isGreaterThan(200);
  }

  /** One route over a socket bound to a loopback source address; the status code. */
  static int route(int port, String from, String apiKey) {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /api/v1/route HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + apiKey
          + "\r\nX-Source-Language: en\r\nX-Target-Language: es\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] head = in.readNBytes(12); // "HTTP/1.1 200"
      return Integer.parseInt(new String(head, StandardCharsets.US_ASCII).substring(9, 12));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
