package io.github.switchboard.examples.coordinator;

import static io.github.switchboard.examples.coordinator.Api.nodeJson;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.HealthCheckConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 24's siege, on loopback with a real Redis: one client address (127.0.0.1) opens 10,000
 * connections, each sending half a request line and headers and then one byte a second. Meanwhile a
 * health checker on 127.0.0.3 asks GET /health on a new connection five times a second, each answered
 * within 1 s, and a client on 127.0.0.2 keeps routing. The coordinator closes what is past the bound of
 * one address at once, and the rest when their headers are overdue.
 */
class CoordinatorSiegeTest {
  static final String TOKEN = CoordinatorHttpTest.TOKEN;
  static final int CONNECTIONS = 10_000;
  static final Duration HEADER_TIMEOUT = Duration.ofSeconds(3);
  /** The probes run at least this long: three header timeouts, while connections are opened and held. */
  static final Duration MIN_SIEGE = Duration.ofSeconds(9);
  static final byte[] HALF_REQUEST = ("GET /api/v1/decoders HTTP/1.1\r\nHost: coordinator\r\nX-Slow: ")
      .getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;
  RedisServer redis;
  Coordinator coordinator;
  LogCapture log;
  final List<SocketChannel> channels = new ArrayList<>();

  @BeforeEach
  void setUp() {
    redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    coordinator = Coordinator.start(CoordinatorConfig.builder(TOKEN)
        .host("127.0.0.1")
        .port(0)
        .poolFile(dir.resolve("decoder_pool.json"))
        .redis(redis.target())
        .healthChecks(HealthCheckConfig.DISABLED)
        .perMinute(1_000_000)
        .perHour(1_000_000)
        .http(HttpLimits.builder().headerTimeout(HEADER_TIMEOUT).build())
        .build());
    log = new LogCapture();
  }

  @AfterEach
  void tearDown() {
    for (SocketChannel c : channels) {
      try {
        c.close();
      } catch (IOException e) {
        // closed
      }
    }
    coordinator.close();
    log.close();
  }

  /** A probe repeated on its own thread, every period, its latency and answers kept. */
  static final class Prober implements Runnable {
    final String from;
    final int port;
    final String request;
    final Map<String, Integer> answers = new ConcurrentHashMap<>();
    volatile long maxNanos;
    volatile int count;

    Prober(String from, int port, String request) {
      this.from = from;
      this.port = port;
      this.request = request;
    }

    @Override
    public void run() {
      long start = System.nanoTime();
      String status;
      try (RawHttp c = new RawHttp(from, port, Duration.ofSeconds(5))) {
        String answer = c.send(request).response();
        status = answer.substring(0, answer.indexOf("\r\n"));
      } catch (IOException | RuntimeException e) {
        status = e.toString();
      }
      maxNanos = Math.max(maxNanos, System.nanoTime() - start);
      answers.merge(status, 1, Integer::sum);
      count++;
    }
  }

  @Test
  void tenThousandTricklingConnectionsFromOneAddressLeaveHealthAndRoutingToOthers() throws Exception {
    Api api = new Api(coordinator.uri(), TOKEN);
    assertThat(api.register(nodeJson("n1", "http://127.0.0.1:9001", "\"en\", \"es\"", "")).statusCode())
        .isEqualTo(201);
    Prober health = new Prober("127.0.0.3", coordinator.port(),
        "GET /health HTTP/1.1\r\nHost: coordinator\r\nConnection: close\r\n\r\n");
    Prober routes = new Prober("127.0.0.2", coordinator.port(), "POST /api/v1/route HTTP/1.1\r\nHost: coordinator\r\n"
        + "X-API-Key: k2\r\nX-Source-Language: en\r\nX-Target-Language: es\r\nContent-Length: 0\r\n"
        + "Connection: close\r\n\r\n");
    ScheduledExecutorService probes = Executors.newScheduledThreadPool(2);
    probes.scheduleWithFixedDelay(health, 0, 200, TimeUnit.MILLISECONDS);
    probes.scheduleWithFixedDelay(routes, 0, 100, TimeUnit.MILLISECONDS);

    InetSocketAddress server = new InetSocketAddress("127.0.0.1", coordinator.port());
    int opened = 0;
    int connected = 0;
    int failed = 0;
    int closedByServer = 0;
    ByteBuffer scratch = ByteBuffer.allocate(1024);
    ByteBuffer trickle = ByteBuffer.wrap(new byte[] {'a'});
    long start = System.nanoTime();
    long end = start + Duration.ofSeconds(30).toNanos(); // the whole siege, bounded
    long nextTrickle = start + 1_000_000_000L;
    try (Selector selector = Selector.open()) {
      while (System.nanoTime() < end) {
        // open 100 connections every 20 ms: 10,000 in about 2 s
        for (int i = 0; i < 100 && opened < CONNECTIONS; i++, opened++) {
          SocketChannel ch = SocketChannel.open();
          channels.add(ch);
          ch.configureBlocking(false);
          ch.bind(new InetSocketAddress("127.0.0.1", 0));
          ch.connect(server);
          ch.register(selector, SelectionKey.OP_CONNECT);
        }
        selector.select(20);
        for (SelectionKey key : selector.selectedKeys()) {
          SocketChannel ch = (SocketChannel) key.channel();
          try {
            if (key.isConnectable()) {
              ch.finishConnect();
              connected++;
              ch.write(ByteBuffer.wrap(HALF_REQUEST));
              key.interestOps(SelectionKey.OP_READ);
            } else if (key.isReadable()) {
              scratch.clear();
              if (ch.read(scratch) < 0) {
                closedByServer++;
                key.cancel();
                ch.close();
              }
            }
          } catch (IOException e) {
            if (key.isValid() && (key.interestOps() & SelectionKey.OP_CONNECT) != 0) {
              failed++;
            } else {
              closedByServer++;
            }
            key.cancel();
            ch.close();
          }
        }
        selector.selectedKeys().clear();
        long now = System.nanoTime();
        if (now >= nextTrickle) {
          // one byte a second on every connection still open: the idle timeout never fires
          nextTrickle = now + 1_000_000_000L;
          for (SelectionKey key : selector.keys()) {
            if (key.isValid() && key.interestOps() == SelectionKey.OP_READ) {
              try {
                ((SocketChannel) key.channel()).write(trickle.clear());
              } catch (IOException e) {
                // closed by the server: its read sees it
              }
            }
          }
        }
        if (opened == CONNECTIONS && closedByServer + failed == CONNECTIONS && now - start > MIN_SIEGE.toNanos()) {
          break; // every connection ended by the server, and the probes have had their time
        }
      }
    } finally {
      probes.shutdown();
      assertThat(probes.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    }
    Duration siege = Duration.ofNanos(System.nanoTime() - start);
    coordinator.close();
    String summary = log.lines().stream().filter(l -> l.contains("HTTP clients refused")).findFirst().orElse("none");
    String report = String.format("siege %d ms: %d opened, %d connected, %d failed, %d closed by the server;"
            + " health %d probes %s max %d ms; routes %d %s max %d ms; %s", siege.toMillis(), opened, connected, failed,
        closedByServer, health.count, new TreeMap<>(health.answers), health.maxNanos / 1_000_000, routes.count,
        new TreeMap<>(routes.answers), routes.maxNanos / 1_000_000, summary);
    System.out.println(report);

    assertThat(connected).as(report).isEqualTo(CONNECTIONS);
    assertThat(closedByServer).as("every connection closed by the server: %s", report).isEqualTo(CONNECTIONS);
    assertThat(health.count).as(report).isGreaterThanOrEqualTo(30);
    assertThat(health.answers.keySet()).as(report).containsOnly("HTTP/1.1 200 OK");
    assertThat(Duration.ofNanos(health.maxNanos)).as(report).isLessThan(Duration.ofSeconds(1));
    assertThat(routes.count).as(report).isGreaterThanOrEqualTo(30);
    assertThat(routes.answers.keySet()).as(report).containsOnly("HTTP/1.1 200 OK");
    assertThat(summary).as(report).contains("connections closed over HTTP_MAX_CONNECTIONS_PER_ADDRESS=256")
        .contains("connections closed with a request's headers incomplete");
  }
}
