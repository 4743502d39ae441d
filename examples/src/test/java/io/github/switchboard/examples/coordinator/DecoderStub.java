package io.github.switchboard.examples.coordinator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A decoder node for the tests: a JDK {@link HttpServer} on loopback whose {@code POST /decode} answers
 * {@code decoded(<src>-><tgt>): <body>} as {@code text/plain; charset=utf-8} (or a fixed answer, a status,
 * a delay), and that counts and records the requests it gets.
 */
final class DecoderStub implements AutoCloseable {
  /** One request the node received. */
  record Received(Map<String, List<String>> headers, byte[] body) {
    String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0)).findFirst().orElse(null);
    }
  }

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final AtomicInteger requests = new AtomicInteger();
  private final CountDownLatch released = new CountDownLatch(1);
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private volatile int status = 200;
  private volatile String contentType;
  private volatile byte[] answer;
  private volatile boolean held;
  private volatile Duration delay = Duration.ZERO;

  DecoderStub() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(threads);
    server.createContext("/decode", this::decode);
    server.start();
  }

  /** The node's endpoint, {@code http://127.0.0.1:<port>}. */
  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Answers every decode with this status and a short problem body. */
  DecoderStub status(int value) {
    this.status = value;
    return this;
  }

  /** Answers every decode with these bytes and Content-Type (null: none). */
  DecoderStub answer(String type, byte[] body) {
    this.contentType = type;
    this.answer = body;
    return this;
  }

  /** Holds every answer until {@link #release()} (or close). */
  DecoderStub hold() {
    this.held = true;
    return this;
  }

  /** Answers only after this long (a slow node). */
  DecoderStub delay(Duration value) {
    this.delay = value;
    return this;
  }

  /** Lets the held answers go. */
  void release() {
    released.countDown();
  }

  /** How many decodes reached the node. */
  int requests() {
    return requests.get();
  }

  /** The decodes received, in order. */
  List<Received> received() {
    return received;
  }

  private void decode(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      requests.incrementAndGet();
      received.add(new Received(Map.copyOf(ex.getRequestHeaders()), body));
      try {
        if (held) {
          released.await(60, TimeUnit.SECONDS);
        } else if (!delay.isZero()) {
          // the node's latency: an answer that comes late, not a wait of the test
          released.await(delay.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      int s = status;
      byte[] out;
      String type;
      if (s != 200) {
        out = ("{\"error\": \"status " + s + "\"}").getBytes(StandardCharsets.UTF_8);
        type = "application/json";
      } else if (answer != null) {
        out = answer;
        type = contentType;
      } else {
        String pair = ex.getRequestHeaders().getFirst("X-Source-Language") + "->"
            + ex.getRequestHeaders().getFirst("X-Target-Language");
        out = ("decoded(" + pair + "): " + new String(body, StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.UTF_8);
        type = "text/plain; charset=utf-8";
      }
      if (type != null) {
        ex.getResponseHeaders().set("Content-Type", type);
      }
      ex.sendResponseHeaders(s, out.length == 0 ? -1 : out.length);
      ex.getResponseBody().write(out);
    }
  }

  @Override
  public void close() {
    released.countDown();
    server.stop(0);
    threads.shutdownNow();
  }
}
