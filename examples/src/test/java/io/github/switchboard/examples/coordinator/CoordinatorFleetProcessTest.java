package io.github.switchboard.examples.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pool of 10,000 nodes, 9,999 of them dead, on a coordinator started as a process of its own (so its
 * resident memory is its own, read from /proc/PID/status): half the dead nodes on a closed loopback port
 * (refused at once), half on a port that accepts and never answers (each check waits out its timeout).
 * The live node keeps routing, the log stays short, and the memory stays bounded and is given back once
 * the nodes are deleted.
 *
 * <p>The coordinator runs with the JVM options docs/operating.md gives for a bounded heap that is given
 * back ({@link #JVM}), but for a periodic collection every 5 s instead of 60 s, to keep the test short.
 */
class CoordinatorFleetProcessTest {
  static final int NODES = 10_000;
  static final List<String> JVM = List.of("-Xmx256m", "-XX:+UseG1GC", "-XX:G1PeriodicGCInterval=5000",
      "-XX:MinHeapFreeRatio=20", "-XX:MaxHeapFreeRatio=40");
  private static final Pattern LISTENING = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+)");
  private static final String TOKEN = CoordinatorHttpTest.TOKEN;

  @TempDir Path dir;
  Process process;
  RedisServer redis;
  HttpServer live;
  ServerSocket blackHole;
  final ArrayBlockingQueue<Socket> held = new ArrayBlockingQueue<>(2_000);
  final ExecutorService threads = Executors.newCachedThreadPool();
  final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() throws Exception {
    sampler.shutdownNow();
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    threads.shutdownNow();
    if (live != null) {
      live.stop(0);
    }
    if (blackHole != null) {
      blackHole.close();
    }
    for (Socket s : held) {
      s.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void tenThousandNodesOfWhichOneLivesKeepRoutingQuietAndBounded() throws Exception {
    redis = RedisHarness.standalone();
    live = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    live.createContext("/health", ex -> {
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    live.start();
    blackHole = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress());
    threads.execute(() -> {
      while (!blackHole.isClosed()) {
        try {
          Socket s = blackHole.accept(); // held, never answered; the oldest closed past 2,000
          while (!held.offer(s)) {
            Socket old = held.poll();
            if (old != null) {
              old.close();
            }
          }
        } catch (IOException e) {
          return;
        }
      }
    });
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }

    AtomicInteger warnings = new AtomicInteger();
    AtomicReference<String> base = new AtomicReference<>();
    launch(warnings, base);
    await().atMost(Duration.ofSeconds(60)).until(() -> base.get() != null);
    Api api = new Api(URI.create(base.get()), TOKEN);
    long pid = process.pid();
    long idleRss = rssKb(pid);
    AtomicLong peakRss = new AtomicLong();
    sampler.scheduleAtFixedRate(() -> peakRss.accumulateAndGet(rssKb(pid), Math::max), 0, 250,
        TimeUnit.MILLISECONDS);

    String liveEndpoint = "http://127.0.0.1:" + live.getAddress().getPort();
    assertThat(api.register(Api.nodeJson("live", liveEndpoint, "\"en\", \"es\"", "")).statusCode())
        .isEqualTo(201);
    forEachNode(1, NODES, i -> api.register(Api.nodeJson("dead-" + i,
        "http://127.0.0.1:" + (i % 2 == 0 ? blackHole.getLocalPort() : closedPort), "\"en\", \"es\"", "")),
        201);
    assertThat(Api.json(api.get("/api/v1/decoders")).path("nodes").size()).isEqualTo(NODES);

    // 200 routes over about 20 s, two health rounds and more, while the dead nodes' checks fail
    List<Integer> statuses = new ArrayList<>();
    List<Future<Integer>> routes = new ArrayList<>();
    ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
    try {
      for (int i = 0; i < 200; i++) {
        String key = "key-" + (i % 10);
        routes.add(pace.schedule(() -> api.route(key, "en", "es", null).statusCode(), i * 100L,
            TimeUnit.MILLISECONDS));
      }
      for (Future<Integer> f : routes) {
        statuses.add(f.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pace.shutdownNow();
    }
    assertThat(statuses).hasSize(200).doesNotContain(503).containsOnly(200);
    // checked among 9,999 never-checked nodes, half of which wait out their 2 s timeout, it is healthy
    await().atMost(Duration.ofSeconds(60))
        .until(() -> Api.json(api.get("/api/v1/decoders/live")).path("health").asText().equals("healthy"));
    long loadedPeak = peakRss.get();

    forEachNode(0, NODES, i -> api.delete(i == 0 ? "live" : "dead-" + i), 204);
    assertThat(Api.json(api.get("/api/v1/decoders")).path("nodes").size()).isZero();
    AtomicLong after = new AtomicLong();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
      after.set(rssKb(pid));
      return after.get() < 400 * 1024;
    });
    System.out.printf("fleet RSS: idle %d MB, peak with %d nodes %d MB, after deleting them %d MB;"
        + " %d WARN lines%n", idleRss / 1024, NODES, loadedPeak / 1024, after.get() / 1024, warnings.get());
    assertThat(loadedPeak).as("peak RSS in kB").isLessThan(600 * 1024);
    assertThat(warnings.get()).isLessThan(100);
  }

  interface Call {
    HttpResponse<String> send(int i);
  }

  /** Sends the call for each i of [from, to) on 4 threads; each must answer the status. */
  private void forEachNode(int from, int to, Call call, int status) throws Exception {
    AtomicInteger next = new AtomicInteger(from);
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      workers.add(threads.submit(() -> {
        for (int i = next.getAndIncrement(); i < to; i = next.getAndIncrement()) {
          HttpResponse<String> r = call.send(i);
          assertThat(r.statusCode()).as("%d: %s", i, r.body()).isEqualTo(status);
        }
        return null;
      }));
    }
    for (Future<?> w : workers) {
      w.get(120, TimeUnit.SECONDS);
    }
  }

  private void launch(AtomicInteger warnings, AtomicReference<String> base) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(JVM);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "-Dlogback.configurationFile=logback.xml",
        CoordinatorMain.class.getName()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().clear();
    pb.environment().put("HOST", "127.0.0.1");
    pb.environment().put("PORT", "0");
    pb.environment().put("COORDINATOR_API_TOKEN", TOKEN);
    pb.environment().put("REDIS_URL", "redis://127.0.0.1:" + redis.port());
    pb.environment().put("POOL_CONFIG_PATH", dir.resolve("pool.json").toString());
    pb.environment().put("RATE_LIMIT_PER_MINUTE", "100000");
    pb.environment().put("RATE_LIMIT_PER_HOUR", "1000000");
    process = pb.start();
    pump(process.getInputStream(), line -> {
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        base.set(m.group(1));
      }
    });
    pump(process.getErrorStream(), line -> {
      if (line.contains(" WARN ")) {
        warnings.incrementAndGet();
      }
    });
  }

  private void pump(InputStream in, java.util.function.Consumer<String> each) {
    threads.execute(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          each.accept(line);
        }
      } catch (IOException e) {
        // the process ended
      }
    });
  }

  /** VmRSS of a process in kB. */
  static long rssKb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.substring(6).replace("kB", "").strip());
        }
      }
      return 0;
    } catch (IOException e) {
      return 0;
    }
  }
}
