package io.github.switchboard.pool;

import static io.github.switchboard.pool.PoolTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Health checks against a real local HTTP server that fails and recovers. */
class HealthCheckTest {
  private HttpServer server;
  private final AtomicBoolean up = new AtomicBoolean(true);
  private final AtomicInteger delayMillis = new AtomicInteger();
  private final AtomicInteger failNext = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger failedAnswers = new AtomicInteger();
  private final AtomicInteger goodAnswers = new AtomicInteger();
  private DecoderPool pool;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/health", exchange -> {
      requests.incrementAndGet();
      int delay = delayMillis.get();
      if (delay > 0) {
        try {
          Thread.sleep(delay); // simulates a hung node
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      boolean ok = up.get() && failNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) == 0;
      byte[] body = (ok ? "{\"status\":\"ok\",\"load\":42,\"inflight\":7}" : "{\"status\":\"down\"}")
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(ok ? 200 : 503, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
      (ok ? goodAnswers : failedAnswers).incrementAndGet();
    });
    server.start();
    pool = DecoderPools.builder("health").sweepInterval(PoolTesting.NEVER)
        .healthChecks(HealthCheckConfig.builder().interval(Duration.ofMillis(50))
            .timeout(Duration.ofMillis(300)).build())
        .build();
  }

  @AfterEach
  void stop() {
    pool.close();
    server.stop(0);
  }

  private DecoderNode node(String id) {
    return DecoderNode.builder(id, URI.create("http://127.0.0.1:" + server.getAddress().getPort())).build();
  }

  private NodeHealth health(String id) {
    return pool.node(id).orElseThrow().runtime().health();
  }

  @Test
  void unhealthyAfterFallFailuresAndHealthyAfterRiseSuccesses() {
    List<PoolEvent> events = new CopyOnWriteArrayList<>();
    pool.subscribe(e -> {
      if (e.type() == PoolEvent.Type.HEALTH_CHANGED) {
        events.add(e);
      }
    });
    await(pool.registerAsync(node("d1")));
    assertThat(health("d1")).isIn(NodeHealth.UNKNOWN, NodeHealth.HEALTHY);
    await().atMost(Duration.ofSeconds(5)).until(() -> health("d1") == NodeHealth.HEALTHY);
    assertThat(goodAnswers.get()).isGreaterThanOrEqualTo(2);
    // the health body feeds the load signal
    assertThat(pool.node("d1").orElseThrow().runtime().load().effectiveLoad()).isEqualTo(42.0);

    up.set(false);
    failedAnswers.set(0);
    await().atMost(Duration.ofSeconds(5)).until(() -> health("d1") == NodeHealth.UNHEALTHY);
    assertThat(failedAnswers.get()).isGreaterThanOrEqualTo(HealthCheckConfig.DEFAULT_FALL);
    assertThat(pool.node("d1").orElseThrow().selectable()).isFalse();
    assertThat(pool.select(RoutingRequest.of("en", "es"))).isEmpty();

    up.set(true);
    goodAnswers.set(0);
    await().atMost(Duration.ofSeconds(5)).until(() -> health("d1") == NodeHealth.HEALTHY);
    assertThat(goodAnswers.get()).isGreaterThanOrEqualTo(HealthCheckConfig.DEFAULT_RISE);
    assertThat(pool.select(RoutingRequest.of("en", "es"))).isPresent();

    await().atMost(Duration.ofSeconds(2)).until(() -> events.size() >= 3);
    assertThat(events).extracting(e -> ((PoolEvent.HealthChanged) e).health())
        .startsWith(NodeHealth.HEALTHY, NodeHealth.UNHEALTHY, NodeHealth.HEALTHY);
  }

  @Test
  void oneFailureDoesNotFlipANode() {
    await(pool.registerAsync(node("d1")));
    await().atMost(Duration.ofSeconds(5)).until(() -> health("d1") == NodeHealth.HEALTHY);
    // fail fall - 1 checks in a row, then recover: still healthy (hysteresis)
    failedAnswers.set(0);
    failNext.set(HealthCheckConfig.DEFAULT_FALL - 1);
    await().atMost(Duration.ofSeconds(5)).until(() -> failedAnswers.get() == HealthCheckConfig.DEFAULT_FALL - 1);
    int seen = goodAnswers.get();
    await().atMost(Duration.ofSeconds(5)).until(() -> goodAnswers.get() >= seen + 3);
    assertThat(health("d1")).isEqualTo(NodeHealth.HEALTHY);
  }

  @Test
  void aTimeoutOrARefusedConnectionCountsAsAFailure() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    await(pool.registerAsync(DecoderNode.builder("gone", URI.create("http://127.0.0.1:" + closedPort)).build()));
    await(pool.registerAsync(node("hung")));
    delayMillis.set(1000);
    await().atMost(Duration.ofSeconds(10)).until(() -> health("gone") == NodeHealth.UNHEALTHY
        && health("hung") == NodeHealth.UNHEALTHY);
  }

  @Test
  void theHealthUrlIsUsedWhenSet() {
    DecoderNode custom = DecoderNode.builder("custom", URI.create("http://127.0.0.1:1"))
        .healthUrl(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/health")).build();
    await(pool.registerAsync(custom));
    await().atMost(Duration.ofSeconds(5)).until(() -> health("custom") == NodeHealth.HEALTHY);
    assertThat(requests.get()).isPositive();
  }
}
