package io.github.switchboard.examples.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.github.switchboard.core.testing.RedisHarness;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml and the Dockerfile, tested without Docker: the redis service's exact command line and
 * the coordinator services' exact environment (compose's ${...} interpolation applied to the values of a
 * test .env; only ports and directories substituted) run as local processes. Checks persistence (an
 * append-only file that survives SIGKILL), the eviction policy, that the health check authenticates and a
 * wrong password is refused, the Dockerfile's HEALTHCHECK command against a running coordinator, that a
 * node registered on one coordinator routes on the other under one shared limit, and that a decode through
 * one is in the other's cache. Where a Docker engine
 * runs, {@link #onDocker()} runs {@code docker compose up} instead. About 10 s.
 */
class ComposeStackTest {
  private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern VARIABLE =
      Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?}");
  private static final String API_KEY = "compose-test-key";

  @TempDir Path dir;
  private final List<Process> processes = new CopyOnWriteArrayList<>();
  private HttpServer decoder;
  private final AtomicInteger decodes = new AtomicInteger();

  /** The test's .env: fresh secrets, and a small per-minute limit to see it shared. */
  private final Map<String, String> dotenv = Map.of(
      "REDIS_PASSWORD", UUID.randomUUID().toString().replace("-", ""),
      "COORDINATOR_API_TOKEN", UUID.randomUUID().toString().replace("-", ""),
      "RATE_LIMIT_PER_MINUTE", "3");

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : processes) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    if (decoder != null) {
      decoder.stop(0);
    }
  }

  // ------------------------------------------------------------------ the files

  static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("docker-compose.yml"))) {
      p = p.getParent();
    }
    assertThat(p).as("docker-compose.yml above " + Path.of("").toAbsolutePath()).isNotNull();
    return p;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> compose() throws IOException {
    return new Yaml().load(Files.readString(root().resolve("docker-compose.yml")));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> service(Map<String, Object> compose, String name) {
    return (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get(name);
  }

  /** Compose's interpolation: $$, ${X}, ${X:-default}, ${X-default}, ${X:?error}, ${X?error}. */
  static String interpolate(String value, Map<String, String> env) {
    Matcher m = VARIABLE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement;
      if (m.group().equals("$$")) {
        replacement = "$";
      } else {
        String v = env.get(m.group(1));
        String op = m.group(2);
        boolean missing = v == null || (op != null && op.startsWith(":") && v.isEmpty());
        if (!missing) {
          replacement = v;
        } else if (op != null && op.endsWith("-")) {
          replacement = m.group(3);
        } else if (op != null && op.endsWith("?")) {
          throw new IllegalArgumentException("compose refuses to start: " + m.group(3));
        } else {
          replacement = "";
        }
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  @SuppressWarnings("unchecked")
  static Map<String, String> environment(Map<String, Object> service, Map<String, String> dotenv) {
    Map<String, String> env = new LinkedHashMap<>();
    ((Map<String, Object>) service.get("environment"))
        .forEach((k, v) -> env.put(k, interpolate(String.valueOf(v), dotenv)));
    return env;
  }

  /** The Dockerfile's HEALTHCHECK command (exec form). */
  static List<String> dockerHealthcheck() throws IOException {
    String text = Files.readString(root().resolve("Dockerfile")).replace("\\\n", " ");
    Matcher m = Pattern.compile("(?m)^HEALTHCHECK .*?CMD (\\[.*])\\s*$").matcher(text);
    assertThat(m.find()).as("a HEALTHCHECK ... CMD [...] line in the Dockerfile").isTrue();
    List<String> cmd = new ArrayList<>();
    Api.JSON.readTree(m.group(1)).forEach(n -> cmd.add(n.asText()));
    return cmd;
  }

  // ------------------------------------------------------------------ the files say what they must

  @Test
  @SuppressWarnings("unchecked")
  void theFilesDeclareWhatTheIssueAsksFor() throws IOException {
    Map<String, Object> compose = compose();
    Map<String, Object> redis = service(compose, "redis");
    assertThat(String.valueOf(redis.get("image"))).startsWith("redis:7");
    List<String> command = (List<String>) redis.get("command");
    assertThat(String.join(" ", command))
        .contains("--appendonly yes", "--appendfsync everysec", "--maxmemory-policy noeviction",
            "--requirepass ${REDIS_PASSWORD:?");
    assertThat((List<String>) redis.get("volumes")).contains("redis-data:/data");
    assertThat(((Map<String, Object>) compose.get("volumes"))).containsKey("redis-data");
    for (String name : List.of("coordinator-1", "coordinator-2")) {
      Map<String, Object> c = service(compose, name);
      assertThat(((Map<String, Map<String, String>>) c.get("depends_on")).get("redis"))
          .containsEntry("condition", "service_healthy");
      assertThat(environment(c, dotenv)).containsEntry("POOL_NAME", "default")
          .containsEntry("CACHE_ENABLED", "true").containsEntry("DECODE_TIMEOUT_MS", "30000")
          .containsKeys("DECODE_MAX_BYTES", "CACHE_TTL_SECONDS", "CACHE_NEAR_SIZE");
    }
    // one pool and one limit: both coordinators are configured alike but for their own volume
    Map<String, String> one = environment(service(compose, "coordinator-1"), dotenv);
    assertThat(environment(service(compose, "coordinator-2"), dotenv)).isEqualTo(one);

    // no secret committed: every secret comes from .env and .env.example leaves them empty
    List<String> example = Files.readAllLines(root().resolve(".env.example"));
    assertThat(example).contains("REDIS_PASSWORD=", "COORDINATOR_API_TOKEN=");
    assertThatRefused(() -> environment(service(compose, "coordinator-1"), Map.of()));
    assertThat(Files.readAllLines(root().resolve(".gitignore"))).contains(".env");

    String dockerfile = Files.readString(root().resolve("Dockerfile"));
    assertThat(dockerfile).containsPattern("(?m)^FROM .* AS build$").containsPattern("(?m)^FROM .*-jre$")
        .containsPattern("(?m)^USER 10001").contains("HEALTHCHECK");
    assertThat(String.join(" ", dockerHealthcheck())).contains("GET /health");
  }

  private static void assertThatRefused(Runnable r) {
    try {
      r.run();
    } catch (IllegalArgumentException e) {
      assertThat(e).hasMessageContaining("see .env.example");
      return;
    }
    throw new AssertionError("compose must refuse to start without the secrets");
  }

  // ------------------------------------------------------------------ the stack, without Docker

  @Test
  @SuppressWarnings("unchecked")
  void theStackRunsAsLocalProcessesWithExactlyTheComposeSettings() throws Exception {
    Assumptions.assumeTrue(onPath("redis-server") && onPath("redis-cli"),
        "redis-server and redis-cli are needed (apt-get install redis-server)");
    Map<String, Object> compose = compose();
    Map<String, Object> redisService = service(compose, "redis");
    Map<String, String> redisEnv = environment(redisService, dotenv);
    String password = dotenv.get("REDIS_PASSWORD");
    assertThat(redisEnv).containsEntry("REDISCLI_AUTH", password);

    // redis: exactly the service's command line; only the port and the data directory substituted
    int port = freePort();
    Path data = Files.createDirectories(dir.resolve("redis-data"));
    List<String> command = new ArrayList<>();
    List<String> declared = (List<String>) redisService.get("command");
    for (int i = 0; i < declared.size(); i++) {
      String arg = interpolate(declared.get(i), dotenv);
      command.add(i > 0 && declared.get(i - 1).equals("--dir") ? data.toString() : arg);
    }
    assertThat(command).containsSequence("--dir", data.toString());
    command.addAll(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--proc-title-template", RedisHarness.PROC_TITLE_TEMPLATE));
    Process redis = startRedis(command, data);

    // the health check authenticates: PONG with the password, refused without or with a wrong one
    String healthcheck = ((List<String>) ((Map<String, Object>) redisService.get("healthcheck"))
        .get("test")).get(1).replace("redis-cli", "redis-cli -p " + port);
    assertThat(sh(healthcheck, redisEnv)).isZero();
    assertThat(sh(healthcheck, Map.of("REDISCLI_AUTH", "wrong-password"))).isNotZero();
    assertThat(sh(healthcheck, Map.of())).isNotZero();
    assertThat(cli(port, "wrong-password", "PING")).contains("WRONGPASS");
    assertThat(cli(port, null, "GET", "k")).contains("NOAUTH");

    // the settings the guide asks for
    assertThat(cli(port, password, "CONFIG", "GET", "maxmemory-policy")).endsWith("noeviction");
    assertThat(cli(port, password, "CONFIG", "GET", "appendonly")).endsWith("yes");
    assertThat(cli(port, password, "CONFIG", "GET", "appendfsync")).endsWith("everysec");

    // persistence: a write reaches the append-only file within appendfsync everysec, survives SIGKILL
    assertThat(cli(port, password, "SET", "compose-test:persisted", "yes")).isEqualTo("OK");
    await("the write in the append-only file").atMost(Duration.ofSeconds(10))
        .until(() -> aofContains(data, "compose-test:persisted"));
    redis.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    startRedis(command, data);
    assertThat(cli(port, password, "GET", "compose-test:persisted")).isEqualTo("yes");

    // two coordinators with exactly their service's environment (Redis's host:port and the pool file
    // substituted; HOST/PORT so that they listen on free local ports)
    startDecoderNode();
    List<URI> coordinators = new ArrayList<>();
    for (String name : List.of("coordinator-1", "coordinator-2")) {
      Map<String, String> env = environment(service(compose, name), dotenv);
      assertThat(env.get("REDIS_URL")).contains("@redis:6379/");
      env.put("REDIS_URL", env.get("REDIS_URL").replace("@redis:6379/", "@127.0.0.1:" + port + "/"));
      env.put("POOL_CONFIG_PATH", dir.resolve(name).resolve("decoder_pool.json").toString());
      env.put("HOST", "127.0.0.1");
      env.put("PORT", "0");
      coordinators.add(startCoordinator(env));
    }
    // the Dockerfile's HEALTHCHECK, as the image runs it
    for (URI c : coordinators) {
      assertThat(run(dockerHealthcheck(), Map.of("PORT", Integer.toString(c.getPort())))).isZero();
    }

    String token = dotenv.get("COORDINATOR_API_TOKEN");
    Api first = new Api(coordinators.get(0), token);
    Api second = new Api(coordinators.get(1), token);
    String endpoint = "http://127.0.0.1:" + decoder.getAddress().getPort();
    HttpResponse<String> registered =
        first.register(Api.nodeJson("compose-node-1", endpoint, "\"en\", \"de\"", ""));
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
    await("the node on the second coordinator").atMost(Duration.ofSeconds(10))
        .until(() -> second.get("/api/v1/decoders/compose-node-1").statusCode() == 200);
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = (i % 2 == 0 ? second : first).route(API_KEY, "en", "de", null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(Api.json(r).path("node_id").asText()).isEqualTo("compose-node-1");
    }
    // RATE_LIMIT_PER_MINUTE=3 from .env, counted once for both coordinators
    assertThat(first.route(API_KEY, "en", "de", null).statusCode()).isEqualTo(429);
    assertThat(second.route(API_KEY, "en", "de", null).statusCode()).isEqualTo(429);

    // a decode through one coordinator is in the other's cache: one request to the node
    HttpResponse<String> decoded = first.decode("compose-decode-key", "en", "de", "hallo welt");
    assertThat(decoded.statusCode()).as(decoded.body()).isEqualTo(200);
    assertThat(decoded.headers().firstValue("X-Cache")).hasValue("MISS");
    HttpResponse<String> cached = second.decode("compose-decode-key", "en", "de", "hallo welt");
    assertThat(cached.body()).isEqualTo(decoded.body()).isEqualTo("decoded: hallo welt");
    assertThat(cached.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(decodes).hasValue(1);
  }

  // ------------------------------------------------------------------ the stack, on Docker

  @Test
  void onDocker() throws Exception {
    Assumptions.assumeTrue(onPath("docker") && run(List.of("docker", "info"), Map.of()) == 0,
        "no Docker engine here (docker info fails): docker compose up is not run;"
            + " theStackRunsAsLocalProcessesWithExactlyTheComposeSettings tests the same settings");
    Path env = dir.resolve(".env");
    StringBuilder sb = new StringBuilder();
    dotenv.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    Files.writeString(env, sb.toString());
    List<String> compose = List.of("docker", "compose", "--project-directory", root().toString(),
        "--env-file", env.toString(), "-p", "switchboard-test");
    try {
      assertThat(run(concat(compose, "up", "-d", "--build", "--wait"), Map.of())).isZero();
      Api first = new Api(URI.create("http://127.0.0.1:8002"), dotenv.get("COORDINATOR_API_TOKEN"));
      Api second = new Api(URI.create("http://127.0.0.1:8003"), dotenv.get("COORDINATOR_API_TOKEN"));
      assertThat(first.get("/health").statusCode()).isEqualTo(200);
      assertThat(first.register(Api.nodeJson("compose-node-1", "http://decoder:9000", "\"en\", \"de\"",
          "")).statusCode()).isEqualTo(201);
      await().atMost(Duration.ofSeconds(10))
          .until(() -> second.get("/api/v1/decoders/compose-node-1").statusCode() == 200);
      assertThat(run(concat(compose, "exec", "-T", "redis", "sh", "-c",
          "redis-cli CONFIG GET maxmemory-policy | grep -qx noeviction"), Map.of())).isZero();
      assertThat(run(concat(compose, "exec", "-T", "-e", "REDISCLI_AUTH=wrong", "redis", "sh", "-c",
          "redis-cli ping | grep -qx PONG"), Map.of())).isNotZero();
    } finally {
      run(concat(compose, "down", "-v"), Map.of());
    }
  }

  private static List<String> concat(List<String> a, String... b) {
    return Stream.concat(a.stream(), Stream.of(b)).toList();
  }

  // ------------------------------------------------------------------ processes

  private Process startRedis(List<String> command, Path data) throws IOException {
    List<String> cmd = new ArrayList<>(command);
    cmd.set(0, "redis-server");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(data.getParent().resolve("redis.log").toFile());
    Process p = pb.start();
    processes.add(p);
    int port = Integer.parseInt(cmd.get(cmd.indexOf("--port") + 1));
    String password = dotenv.get("REDIS_PASSWORD");
    await("redis-server on " + port).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
        .until(() -> {
          if (!p.isAlive()) {
            throw new IllegalStateException("redis-server exited: "
                + Files.readString(data.getParent().resolve("redis.log")));
          }
          return cli(port, password, "PING").equals("PONG");
        });
    return p;
  }

  private URI startCoordinator(Map<String, String> env) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        CoordinatorMain.class.getName());
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    Process p = pb.start();
    processes.add(p);
    List<String> out = new CopyOnWriteArrayList<>();
    Thread pump = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          out.add(line);
        }
      } catch (IOException e) {
        // the process ended
      }
    });
    pump.setDaemon(true);
    pump.start();
    await("a coordinator listening").atMost(Duration.ofSeconds(30))
        .until(() -> out.stream().anyMatch(l -> LISTENING.matcher(l).find()) || !p.isAlive());
    assertThat(p.isAlive()).as("coordinator output: %s", out).isTrue();
    Matcher m = out.stream().map(LISTENING::matcher).filter(Matcher::find).findFirst().orElseThrow();
    return URI.create("http://127.0.0.1:" + m.group(1));
  }

  /** A decoder node that answers its health check (so that the coordinators' pass) and decodes. */
  private void startDecoderNode() throws IOException {
    decoder = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    decoder.createContext("/decode", ex -> {
      decodes.incrementAndGet();
      byte[] body = ("decoded: " + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8))
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    decoder.createContext("/health", ex -> {
      byte[] body = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    decoder.start();
  }

  private static boolean aofContains(Path data, String text) throws IOException {
    try (Stream<Path> files = Files.walk(data)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        if (new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(text)) {
          return true;
        }
      }
    }
    return false;
  }

  private static String cli(int port, String password, String... args) {
    List<String> cmd = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
    cmd.addAll(List.of(args));
    Map<String, String> env = new HashMap<>();
    if (password != null) {
      env.put("REDISCLI_AUTH", password);
    }
    return output(cmd, env).strip();
  }

  private static int sh(String script, Map<String, String> env) throws Exception {
    return run(List.of("sh", "-c", script), env);
  }

  private static int run(List<String> cmd, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().remove("REDISCLI_AUTH");
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(600, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("timed out: " + cmd);
    }
    return p.exitValue();
  }

  private static String output(List<String> cmd, Map<String, String> env) {
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().remove("REDISCLI_AUTH");
      pb.environment().putAll(env);
      Process p = pb.start();
      String out;
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      p.waitFor(10, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static boolean onPath(String program) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
        .anyMatch(d -> Files.isExecutable(Path.of(d, program)));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
