package io.github.switchboard.benchmarks;

import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.examples.coordinator.Coordinator;
import io.github.switchboard.examples.coordinator.CoordinatorConfig;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.HealthCheckConfig;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Registration through the example coordinator's HTTP API into a pool that already holds {@code pool}
 * nodes (issue 23: at least 1,000 nodes a second into 10,000). Not JMH: a probe with a {@code main} that
 * prints one Markdown table.
 *
 * <p>It starts a {@code redis-server} (or uses the one {@code REDIS_URL} names, FLUSHALLed), fills the
 * pool with {@code pool} nodes through a {@link DecoderPool} of its own (64 writes in flight, untimed),
 * then starts the example coordinator in this JVM ({@link Coordinator#start}: on that Redis, port 0, a pool
 * file in a temporary directory, health checks off since the nodes' addresses are made up, logging as this
 * jar's {@code logback.xml} says: WARN). Each of {@code rounds} rounds registers {@code count} new nodes
 * with {@code POST /api/v1/decoders} (the token, a JSON body of id, endpoint, region and four languages),
 * {@code in-flight} requests at a time, each thread on its own kept-alive HTTP/1.1 connection; the first
 * {@code warmup} rounds are not reported. A round fails the run if any answer is not 201. At the end the
 * harness's own pool must see every node.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar io.github.switchboard.benchmarks.PoolFleetApi \
 *     --pool=10000 --count=2000 --rounds=4 --warmup=1 --in-flight=32
 * }</pre>
 */
public final class PoolFleetApi {
  private static final String TOKEN = "fleet-api-benchmark-token";
  private static final String POOL = "fleet-api";

  private PoolFleetApi() {}

  /**
   * Runs the probe and prints its table.
   *
   * @param args {@code --NAME=VALUE}: pool, count, rounds, warmup, in-flight (the defaults above)
   * @throws Exception if the probe fails
   */
  public static void main(String[] args) throws Exception {
    int pool = 10_000;
    int count = 2_000;
    int rounds = 4;
    int warmup = 1;
    int inFlight = 32;
    for (String a : args) {
      String[] kv = a.startsWith("--") ? a.substring(2).split("=", 2) : new String[] {a};
      if (kv.length != 2) {
        throw new IllegalArgumentException("expected --NAME=VALUE, was '" + a + "'");
      }
      int v = Integer.parseInt(kv[1]);
      switch (kv[0]) {
        case "pool" -> pool = v;
        case "count" -> count = v;
        case "rounds" -> rounds = v;
        case "warmup" -> warmup = v;
        case "in-flight" -> inFlight = v;
        default -> throw new IllegalArgumentException("unknown argument '" + a
            + "': expected one of pool, count, rounds, warmup, in-flight");
      }
    }
    if (pool < 0 || count < 1 || rounds <= warmup || warmup < 0 || inFlight < 1) {
      throw new IllegalArgumentException("need pool >= 0, count >= 1, rounds > warmup >= 0, in-flight >= 1");
    }
    Path dir = Files.createTempDirectory("fleet-api");
    List<double[]> measured = new ArrayList<>();
    try (RedisFixture redis = RedisFixture.startOrConnect();
        DecoderPool own = DecoderPools.builder(POOL).redis(RedisTarget.parse(redis.url())).build()) {
      fill(own, pool);
      CoordinatorConfig config = CoordinatorConfig.builder(TOKEN).host("127.0.0.1").port(0)
          .redis(RedisTarget.parse(redis.url())).poolName(POOL).poolFile(dir.resolve("pool.json"))
          .healthChecks(HealthCheckConfig.DISABLED).build();
      try (Coordinator coordinator = Coordinator.start(config)) {
        for (int r = 0; r < rounds; r++) {
          int round = r;
          double[] figures = round(coordinator.port(), count, inFlight, i -> nodeJson(round, i));
          if (r >= warmup) {
            measured.add(figures);
          }
        }
        int expected = pool + rounds * count;
        double seen = PoolFleetPhases.awaitCount(() -> own.nodes().size(), expected, System.nanoTime(),
            Duration.ofSeconds(30));
        if (Double.isNaN(seen)) {
          throw new IllegalStateException("the pool holds " + own.nodes().size() + " nodes, not " + expected);
        }
      }
    }
    System.out.println(table(pool, count, inFlight, measured));
    System.exit(0); // a client library's stray non-daemon threads must not keep a finished run alive
  }

  /** Registers {@code n} nodes through the pool, 64 in flight. */
  private static void fill(DecoderPool pool, int n) {
    Semaphore room = new Semaphore(64);
    List<CompletableFuture<Boolean>> all = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      room.acquireUninterruptibly();
      DecoderNode node = DecoderNode.builder(String.format(Locale.ROOT, "node-%05d", i),
              URI.create("http://10.0." + (i / 250) + "." + (i % 250 + 1) + ":8001"))
          .region(i % 2 == 0 ? "us-east-1" : "eu-west-1").languages("en", "es", "fr", "de").build();
      all.add(pool.registerAsync(node).toCompletableFuture().whenComplete((ok, e) -> room.release()));
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).join();
  }

  private static String nodeJson(int round, int i) {
    return String.format(Locale.ROOT, "{\"node_id\": \"api-%d-%05d\", \"endpoint\": \"http://10.%d.%d.%d:8001\", "
        + "\"region\": \"%s\", \"languages\": [\"en\", \"es\", \"fr\", \"de\"]}",
        round, i, 100 + round, i / 250, i % 250 + 1, i % 2 == 0 ? "us-east-1" : "eu-west-1");
  }

  /**
   * One round: {@code inFlight} threads, each on its own kept-alive connection, send the registrations
   * one after the other; returns registrations/s, then the request latency's p50 and p99 in ms.
   */
  private static double[] round(int port, int count, int inFlight, IntFunction<String> body) throws InterruptedException {
    double[] latencies = new double[count];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int t = 0; t < inFlight; t++) {
      Thread thread = new Thread(() -> {
        try (Connection c = new Connection(port)) {
          for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
            long start = System.nanoTime();
            String answer = c.post("/api/v1/decoders", body.apply(i));
            latencies[i] = (System.nanoTime() - start) / 1e6;
            if (!answer.startsWith("HTTP/1.1 201") && refused.getAndIncrement() == 0) {
              System.err.println("PoolFleetApi: " + answer);
            }
          }
        } catch (IOException e) {
          refused.incrementAndGet();
          System.err.println("PoolFleetApi: " + e);
        }
      }, "fleet-api-" + t);
      thread.start();
      threads.add(thread);
    }
    for (Thread thread : threads) {
      thread.join();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (refused.get() > 0) {
      throw new IllegalStateException(refused.get() + " of " + count + " registrations were not 201");
    }
    Arrays.sort(latencies);
    return new double[] {count / seconds, PoolFleetBenchmark.percentile(latencies, 50),
        PoolFleetBenchmark.percentile(latencies, 99)};
  }

  /**
   * One HTTP/1.1 connection kept alive, a request at a time, on a blocking socket: a load generator that
   * does little beside the coordinator it measures, on the same cores.
   */
  private static final class Connection implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Connection(int port) throws IOException {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(10_000);
      in = new BufferedInputStream(socket.getInputStream());
      out = new BufferedOutputStream(socket.getOutputStream());
    }

    /** Sends a POST with the token and a JSON body; returns the status line (the rest is read and dropped). */
    String post(String path, String json) throws IOException {
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN
          + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      String status = line();
      int length = 0;
      boolean chunked = false;
      for (String h = line(); !h.isEmpty(); h = line()) {
        String lower = h.toLowerCase(Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Integer.parseInt(lower.substring("content-length:".length()).strip());
        } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
          chunked = true;
        }
      }
      if (chunked) {
        for (int n = Integer.parseInt(line().strip(), 16); n > 0; n = Integer.parseInt(line().strip(), 16)) {
          skip(n);
          line();
        }
        line();
      } else {
        skip(length);
      }
      return status;
    }

    private void skip(int n) throws IOException {
      if (in.readNBytes(n).length != n) {
        throw new IOException("the connection closed inside a response body");
      }
    }

    private String line() throws IOException {
      StringBuilder s = new StringBuilder();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw new IOException("the connection closed inside a response");
        }
        if (b != '\r') {
          s.append((char) b);
        }
      }
      return s.toString();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static String table(int pool, int count, int inFlight, List<double[]> rounds) {
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
        "Registration through the example coordinator's API: %,d nodes a round into a pool of %,d or more, "
            + "%d requests in flight%n%n| round | registrations/s | request p50 ms | request p99 ms |%n"
            + "|---:|---:|---:|---:|%n", count, pool, inFlight));
    for (int i = 0; i < rounds.size(); i++) {
      double[] r = rounds.get(i);
      s.append(String.format(Locale.ROOT, "| %d | %,.0f | %.2f | %.2f |%n", i + 1, r[0], r[1], r[2]));
    }
    return s.toString();
  }
}
