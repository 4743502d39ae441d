package io.github.switchboard.pool.internal.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.HealthCheckConfig;
import io.github.switchboard.pool.NodeHealth;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeNetworks;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The checker's scheduling with many dead nodes: real sockets on loopback, a live node, nodes on a closed
 * port (refused at once) and nodes on a port that accepts and never answers (each check waits out its
 * timeout).
 */
class HealthCheckerTest {
  private static final int DEAD = 4_000;

  private HttpServer live;
  private ServerSocket blackHole;
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  private Thread acceptor;
  private int closedPort;
  private final AtomicInteger liveChecks = new AtomicInteger();
  private ExecutorService http;
  private ScheduledExecutorService rounds;
  private HealthChecker checker;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger checkerLog = (Logger) LoggerFactory.getLogger(HealthChecker.class);

  @BeforeEach
  void start() throws IOException {
    live = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    live.createContext("/health", ex -> {
      liveChecks.incrementAndGet();
      byte[] body = "{\"load\": 3}".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    live.start();
    blackHole = new ServerSocket(0, 4096, java.net.InetAddress.getLoopbackAddress());
    acceptor = new Thread(() -> {
      while (!blackHole.isClosed()) {
        try {
          held.add(blackHole.accept()); // never read, never answered; the oldest closed past 3,000
          if (held.size() > 3_000) {
            held.remove(0).close();
          }
        } catch (IOException e) {
          return;
        }
      }
    }, "black-hole");
    acceptor.setDaemon(true);
    acceptor.start();
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    http = Executors.newFixedThreadPool(2);
    rounds = Executors.newSingleThreadScheduledExecutor();
    logs.start();
    checkerLog.addAppender(logs);
  }

  @AfterEach
  void stop() throws IOException {
    checkerLog.detachAppender(logs);
    if (checker != null) {
      checker.close();
    }
    rounds.shutdownNow();
    http.shutdownNow();
    live.stop(0);
    blackHole.close();
    for (Socket s : held) {
      s.close();
    }
  }

  private static DecoderNode node(String id, int port) {
    return DecoderNode.builder(id, URI.create("http://127.0.0.1:" + port)).build();
  }

  /** Records every verdict and each time the live node reported a load (one per successful check). */
  private static final class Recorder implements HealthChecker.Sink {
    final Map<String, NodeHealth> verdicts = new ConcurrentHashMap<>();
    final AtomicInteger unhealthy = new AtomicInteger();
    final List<Long> liveSuccesses = new CopyOnWriteArrayList<>();

    @Override
    public void healthChanged(String nodeId, NodeHealth health, String why) {
      verdicts.put(nodeId, health);
      if (health == NodeHealth.UNHEALTHY) {
        unhealthy.incrementAndGet();
      }
    }

    @Override
    public void loadReported(String nodeId, NodeLoad load) {
      if (nodeId.equals("live")) {
        liveSuccesses.add(System.nanoTime());
      }
    }
  }

  private List<String> warnings() {
    return List.copyOf(logs.list).stream().filter(e -> e.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage).toList();
  }

  private void runRounds(Collection<DecoderNode> nodes, Duration interval) {
    rounds.scheduleWithFixedDelay(() -> checker.round(() -> nodes), 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Test
  void deadNodesTimeoutsNeverDelayTheLiveNodesChecks() {
    Duration interval = Duration.ofMillis(500);
    HealthCheckConfig config = HealthCheckConfig.builder().interval(interval).timeout(Duration.ofSeconds(2))
        .fall(2).rise(1).build();
    Recorder sink = new Recorder();
    checker = new HealthChecker("fleet", config, http, sink);
    List<DecoderNode> nodes = new ArrayList<>();
    nodes.add(node("live", live.getAddress().getPort()));
    for (int i = 0; i < DEAD; i++) {
      nodes.add(node("dead-" + i, i % 2 == 0 ? blackHole.getLocalPort() : closedPort));
    }
    runRounds(nodes, interval);
    AtomicInteger mostInFlight = new AtomicInteger();
    AtomicLong widestGap = new AtomicLong();
    long start = System.nanoTime();
    // every refused node goes unhealthy, and the live one keeps being checked about every interval while
    // the black hole's checks hold every permit of the failing lane
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
      mostInFlight.accumulateAndGet(checker.inFlight(), Math::max);
      return sink.unhealthy.get() >= DEAD / 2 && System.nanoTime() - start > TimeUnit.SECONDS.toNanos(8);
    });
    List<Long> times = List.copyOf(sink.liveSuccesses);
    assertThat(times).hasSizeGreaterThan(5);
    for (int i = 1; i < times.size(); i++) {
      widestGap.accumulateAndGet(times.get(i) - times.get(i - 1), Math::max);
    }
    assertThat(sink.verdicts.get("live")).isEqualTo(NodeHealth.HEALTHY);
    // four intervals of slack for a loaded machine; the black hole's 2,000 checks take 2 s each, at most 768
    // at a time, so a shared queue would leave the live node unchecked for over 5 s per pass
    assertThat(Duration.ofNanos(widestGap.get())).isLessThan(Duration.ofSeconds(2));
    assertThat(mostInFlight.get()).isLessThanOrEqualTo(HealthChecker.MAX_IN_FLIGHT);
    // 1,000+ nodes went unhealthy: summarised, not a line each
    List<String> warnings = warnings();
    assertThat(warnings).hasSizeBetween(1, 3);
    assertThat(warnings.get(0)).contains("is unhealthy after 2 failed checks");
  }

  @Test
  void checksAreSpreadOverTheInterval() {
    Duration interval = Duration.ofSeconds(2);
    HealthCheckConfig config = HealthCheckConfig.builder().interval(interval).timeout(Duration.ofSeconds(1))
        .build();
    List<Long> arrivals = new CopyOnWriteArrayList<>();
    live.createContext("/spread", ex -> {
      arrivals.add(System.nanoTime());
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    checker = new HealthChecker("spread", config, http, new Recorder());
    List<DecoderNode> nodes = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      nodes.add(DecoderNode.builder("n" + i, URI.create("http://127.0.0.1:" + live.getAddress().getPort()))
          .healthUrl(URI.create("http://127.0.0.1:" + live.getAddress().getPort() + "/spread")).build());
    }
    checker.round(() -> nodes); // one round only
    await().atMost(Duration.ofSeconds(20)).until(() -> arrivals.size() == 200);
    List<Long> sorted = arrivals.stream().sorted().toList();
    Duration spread = Duration.ofNanos(sorted.get(199) - sorted.get(0));
    // 4 per 40 ms tick: the round's checks take most of the interval, not one burst
    assertThat(spread).isGreaterThan(Duration.ofMillis(1_200));
  }

  @Test
  void aNodeOutsideTheNetworksIsNeverContacted() {
    HealthCheckConfig config = HealthCheckConfig.builder().interval(Duration.ofMillis(100))
        .timeout(Duration.ofSeconds(1)).fall(1).networks(NodeNetworks.parse("10.0.0.0/8")).build();
    Recorder sink = new Recorder();
    checker = new HealthChecker("outside", config, http, sink);
    List<DecoderNode> nodes = List.of(node("loopback", live.getAddress().getPort()));
    runRounds(nodes, Duration.ofMillis(100));
    await().atMost(Duration.ofSeconds(20)).until(() -> sink.verdicts.get("loopback") == NodeHealth.UNHEALTHY);
    assertThat(liveChecks.get()).isZero();
    assertThat(warnings()).singleElement().asString().contains("outside the node networks 10.0.0.0/8");
  }

  @Test
  void forgottenNodesLeaveNothingBehind() {
    HealthCheckConfig config = HealthCheckConfig.builder().interval(Duration.ofMillis(200))
        .timeout(Duration.ofMillis(500)).build();
    checker = new HealthChecker("forget", config, http, new Recorder());
    List<DecoderNode> nodes = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 500; i++) {
      nodes.add(node("gone-" + i, closedPort));
    }
    runRounds(nodes, Duration.ofMillis(200));
    await().atMost(Duration.ofSeconds(20)).until(() -> checker.health("gone-499") == NodeHealth.UNHEALTHY);
    nodes.clear();
    await().atMost(Duration.ofSeconds(20)).until(() -> checker.queued() == 0 && checker.inFlight() == 0
        && checker.health("gone-0") == NodeHealth.UNKNOWN);
  }
}
