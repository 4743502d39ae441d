package io.github.switchboard.registration;

import static io.github.switchboard.registration.TestSupport.closedPort;
import static io.github.switchboard.registration.TestSupport.fileNodes;
import static io.github.switchboard.registration.TestSupport.redisNodeIds;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeView;
import io.github.switchboard.registration.cli.RegisterDecoderNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class RegisterDecoderNodeTest {
  private static final String TOKEN = "tok-cli-71c0d2";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private RedisServer redis;
  private CoordinatorStub coordinator;
  private CoordinatorStub decoder; // stands for the decoder node: answers GET /health
  private Path poolFile;
  private String endpoint;
  private String derivedId;

  record Run(int code, String out, String err) {
    String all() {
      return out + err;
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    coordinator = CoordinatorStub.start(TOKEN);
    decoder = CoordinatorStub.start("unused");
    poolFile = dir.resolve("config/decoder_pool.json");
    endpoint = decoder.uri().toString();
    derivedId = "decoder-127.0.0.1-" + decoder.port();
  }

  @AfterEach
  void tearDown() {
    coordinator.close();
    decoder.close();
  }

  private Run run(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = RegisterDecoderNode.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), env);
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Run run(String... args) {
    return run(Map.of(), args);
  }

  private List<String> withFile(String... args) {
    List<String> l = new ArrayList<>(List.of(args));
    l.add("--pool-file");
    l.add(poolFile.toString());
    return l;
  }

  private Run runWithFile(String... args) {
    return run(withFile(args).toArray(String[]::new));
  }

  @Test
  void registersThroughTheCoordinatorThenUpdates() {
    Run first = runWithFile("--endpoint", endpoint, "--coordinator-url", coordinator.uri().toString(),
        "--api-key", TOKEN, "--region", "eu-west-1", "--gpu_type", "A10", "--capacity", "40",
        "--tags", "production,es_v2_adapter", "--languages", "en,es");
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out()).contains("registered decoder node '" + derivedId + "' via coordinator");
    assertThat(decoder.healthChecks.get()).isEqualTo(1);
    DecoderNode n = coordinator.nodes.get(derivedId);
    assertThat(n).isNotNull();
    assertThat(n.region()).contains("eu-west-1");
    assertThat(n.gpuType()).contains("A10");
    assertThat(n.capacity()).isEqualTo(40);
    assertThat(n.tags()).containsExactly("production", "es_v2_adapter");
    assertThat(n.languages()).containsExactly("en", "es");

    Run second = runWithFile("--endpoint", endpoint, "--coordinator-url", coordinator.uri().toString(),
        "--api-key", TOKEN, "--gpu-type", "T4");
    assertThat(second.code()).isZero();
    assertThat(second.out()).contains("updated decoder node '" + derivedId + "' via coordinator");
    assertThat(coordinator.nodes).hasSize(1);
    assertThat(coordinator.nodes.get(derivedId).gpuType()).contains("T4");
    assertThat(poolFile).doesNotExist();
  }

  @Test
  void theDerivedNodeIdIsStableSoAReRunUpdatesTheFile() {
    Map<String, String> env = Map.of("POOL_CONFIG_PATH", poolFile.toString());
    Run first = run(env, "--endpoint", endpoint);
    Run second = run(env, "--endpoint", endpoint + "/", "--capacity", "7");
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out()).contains("registered decoder node '" + derivedId + "' via file");
    assertThat(second.code()).as(second.err()).isZero();
    assertThat(second.out()).contains("updated decoder node '" + derivedId + "' via file");
    List<NodeView> nodes = fileNodes(poolFile);
    assertThat(nodes).singleElement().satisfies(v -> {
      assertThat(v.nodeId()).isEqualTo(derivedId);
      assertThat(v.node().capacity()).isEqualTo(7);
    });
  }

  @Test
  void nodeIdRule() {
    assertThat(RegisterDecoderNode.defaultNodeId(URI.create("http://Decoder-1:8001")))
        .isEqualTo("decoder-decoder-1-8001");
    assertThat(RegisterDecoderNode.defaultNodeId(URI.create("https://gpu.example.com")))
        .isEqualTo("decoder-gpu.example.com-443");
    assertThat(RegisterDecoderNode.defaultNodeId(URI.create("http://gpu.example.com")))
        .isEqualTo("decoder-gpu.example.com-80");
    assertThat(RegisterDecoderNode.defaultNodeId(URI.create("http://h:9000/v1/es/")))
        .isEqualTo("decoder-h-9000-v1-es");
    assertThat(RegisterDecoderNode.defaultNodeId(URI.create("http://[::1]:8001")))
        .isEqualTo("decoder---1-8001");
    URI longHost = URI.create("http://" + "a".repeat(60) + "." + "b".repeat(60) + ".example:8001/" + "c".repeat(40));
    String id = RegisterDecoderNode.defaultNodeId(longHost);
    assertThat(id).hasSizeLessThanOrEqualTo(128).isEqualTo(RegisterDecoderNode.defaultNodeId(longHost));
    // every derived id is a valid node id
    DecoderNode.builder(id, longHost).build();
    DecoderNode.builder(RegisterDecoderNode.defaultNodeId(URI.create("http://[::1]:8001")),
        URI.create("http://[::1]:8001")).build();
  }

  @Test
  void aFailedHealthCheckExitsOneUnlessSkipped() {
    decoder.healthStatus = 503;
    Run r = runWithFile("--endpoint", endpoint, "--coordinator-url", coordinator.uri().toString(), "--api-key", TOKEN);
    assertThat(r.code()).isEqualTo(RegisterDecoderNode.INVALID);
    assertThat(r.err()).contains("health check failed").contains("503").contains("--skip-health-check");
    assertThat(coordinator.posts.get()).isZero();
    assertThat(poolFile).doesNotExist();

    Run down = runWithFile("--endpoint", TestSupport.nothingListening().toString());
    assertThat(down.code()).isEqualTo(RegisterDecoderNode.INVALID);
    assertThat(down.err()).contains("health check failed").contains("connection refused");

    Run skipped = runWithFile("--endpoint", endpoint, "--coordinator-url", coordinator.uri().toString(),
        "--api-key", TOKEN, "--skip-health-check");
    assertThat(skipped.code()).as(skipped.err()).isZero();
    assertThat(coordinator.nodes).containsKey(derivedId);
  }

  @Test
  void aRefusedTokenExitsOneAndWritesNothingElsewhere() throws Exception {
    Run r = runWithFile("--endpoint", endpoint, "--coordinator-url", coordinator.uri().toString(),
        "--api-key", "not-the-token", "--redis-url", redis.target().redactedUrl());
    assertThat(r.code()).as(r.err()).isEqualTo(RegisterDecoderNode.INVALID);
    assertThat(r.out()).doesNotContain("registered decoder node");
    assertThat(r.err()).contains("was not registered").contains("401").contains("the Bearer token is not valid")
        .contains("no other channel was tried").doesNotContain("not-the-token");
    assertThat(poolFile).doesNotExist();
    assertThat(redisNodeIds(redis.target(), "default")).isEmpty();

    // the file alone behind the coordinator: still nothing written; --json says "refused"
    Run json = runWithFile("--endpoint", endpoint, "--coordinator-url", coordinator.uri().toString(),
        "--api-key", "not-the-token", "--json");
    assertThat(json.code()).isEqualTo(RegisterDecoderNode.INVALID);
    JsonNode j = JSON.readTree(json.out());
    assertThat(j.get("result").asText()).isEqualTo("refused");
    assertThat(j.get("channel").asText()).isEqualTo("coordinator");
    assertThat(poolFile).doesNotExist();

    // a coordinator that fails (5xx) is an outage: the file takes the node
    coordinator.answerAll = 502;
    Run outage = runWithFile("--endpoint", endpoint, "--coordinator-url", coordinator.uri().toString(),
        "--api-key", TOKEN);
    assertThat(outage.code()).as(outage.err()).isZero();
    assertThat(outage.err()).contains("warning: coordinator failed").contains("502");
    assertThat(fileNodes(poolFile)).extracting(NodeView::nodeId).containsExactly(derivedId);
  }

  @Test
  void redisFromTheEnvironmentAndAPoolName() {
    Run r = run(Map.of("REDIS_URL", redis.target().redactedUrl(), "POOL_CONFIG_PATH", poolFile.toString()),
        "--endpoint", endpoint, "--pool", "blue");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("via redis");
    assertThat(redisNodeIds(redis.target(), "blue")).containsExactly(derivedId);
    assertThat(redisNodeIds(redis.target(), "default")).isEmpty();
  }

  @Test
  void redisDownFallsToTheFile() {
    Run r = runWithFile("--endpoint", endpoint, "--coordinator-url", TestSupport.nothingListening().toString(),
        "--api-key", TOKEN, "--redis-url", "redis://127.0.0.1:" + closedPort());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("via file");
    assertThat(r.err()).contains("warning: coordinator failed").contains("warning: redis failed");
    assertThat(fileNodes(poolFile)).extracting(NodeView::nodeId).containsExactly(derivedId);
  }

  @Test
  void everyChannelDownExitsThreeAndPrintsEachFailure() throws Exception {
    Path blocker = dir.resolve("not-a-directory");
    Files.writeString(blocker, "x");
    Run r = run("--endpoint", endpoint, "--coordinator-url", TestSupport.nothingListening().toString(),
        "--api-key", TOKEN, "--redis-url", "redis://127.0.0.1:" + closedPort(),
        "--pool-file", blocker.resolve("decoder_pool.json").toString());
    assertThat(r.code()).isEqualTo(RegisterDecoderNode.ALL_FAILED);
    assertThat(r.err()).contains("every channel failed").contains("  coordinator: ").contains("  redis: ")
        .contains("  file: ");
  }

  @Test
  void anInvalidNodeExitsOneWithoutTryingOtherChannels() {
    coordinator.rejects = n -> true;
    Run refused = runWithFile("--endpoint", endpoint, "--coordinator-url", coordinator.uri().toString(),
        "--api-key", TOKEN, "--redis-url", redis.target().redactedUrl());
    assertThat(refused.code()).isEqualTo(RegisterDecoderNode.INVALID);
    assertThat(refused.err()).contains("refused the node as invalid (400)");
    assertThat(redisNodeIds(redis.target(), "default")).isEmpty();
    assertThat(poolFile).doesNotExist();

    Run capacity = runWithFile("--endpoint", endpoint, "--capacity", "0");
    assertThat(capacity.code()).isEqualTo(RegisterDecoderNode.INVALID);
    assertThat(capacity.err()).contains("invalid node").contains("capacity must be > 0");

    Run scheme = runWithFile("--endpoint", "ftp://decoder:21");
    assertThat(scheme.code()).isEqualTo(RegisterDecoderNode.INVALID);
    assertThat(scheme.err()).contains("invalid node").contains("endpoint");

    Run badId = runWithFile("--endpoint", endpoint, "--node-id", "has space");
    assertThat(badId.code()).isEqualTo(RegisterDecoderNode.INVALID);
    assertThat(poolFile).doesNotExist();
  }

  @Test
  void requireHttps() {
    Run plain = runWithFile("--endpoint", endpoint, "--require-https");
    assertThat(plain.code()).isEqualTo(RegisterDecoderNode.INVALID);
    assertThat(plain.err()).contains("--require-https");
    Run plainCoordinator = runWithFile("--endpoint", "https://decoder:8443", "--skip-health-check",
        "--require-https", "--coordinator-url", coordinator.uri().toString(), "--api-key", TOKEN);
    assertThat(plainCoordinator.code()).isEqualTo(RegisterDecoderNode.USAGE);
    assertThat(plainCoordinator.err()).contains("https");
    assertThat(poolFile).doesNotExist();
  }

  @Test
  void deregisters() {
    assertThat(runWithFile("--endpoint", endpoint).code()).isZero();
    decoder.healthStatus = 500; // a removal does not check health
    Run removed = runWithFile("--endpoint", endpoint, "--deregister");
    assertThat(removed.code()).as(removed.err()).isZero();
    assertThat(removed.out()).contains("deregistered decoder node '" + derivedId + "' via file");
    assertThat(fileNodes(poolFile)).isEmpty();
    Run again = runWithFile("--endpoint", endpoint, "--deregister");
    assertThat(again.code()).isZero();
    assertThat(again.out()).contains("was not registered");

    // no pool file: nothing removed and nothing created
    Path missing = dir.resolve("elsewhere/decoder_pool.json");
    Run none = run("--endpoint", endpoint, "--deregister", "--pool-file", missing.toString());
    assertThat(none.code()).isZero();
    assertThat(none.out()).contains("was not registered");
    assertThat(missing.getParent()).doesNotExist();
  }

  @Test
  void jsonOutputIsOneParseableObject() throws Exception {
    Run ok = runWithFile("--endpoint", endpoint, "--coordinator-url", TestSupport.nothingListening().toString(),
        "--api-key", TOKEN, "--json", "--tags", "a,b");
    assertThat(ok.code()).as(ok.err()).isZero();
    JsonNode j = JSON.readTree(ok.out());
    assertThat(j.get("result").asText()).isEqualTo("registered");
    assertThat(j.get("channel").asText()).isEqualTo("file");
    assertThat(j.get("created").asBoolean()).isTrue();
    assertThat(j.get("node_id").asText()).isEqualTo(derivedId);
    assertThat(j.at("/node/endpoint").asText()).isEqualTo(endpoint);
    assertThat(j.at("/node/tags/1").asText()).isEqualTo("b");
    assertThat(j.get("failures")).hasSize(1);
    assertThat(j.at("/failures/0/channel").asText()).isEqualTo("coordinator");

    Run removed = runWithFile("--endpoint", endpoint, "--deregister", "--json");
    JsonNode d = JSON.readTree(removed.out());
    assertThat(d.get("result").asText()).isEqualTo("deregistered");
    assertThat(d.get("removed").asBoolean()).isTrue();

    Path blocker = dir.resolve("not-a-directory");
    Files.writeString(blocker, "x");
    Run failed = run("--endpoint", endpoint, "--coordinator-url", TestSupport.nothingListening().toString(),
        "--api-key", TOKEN, "--redis-url", "redis://127.0.0.1:" + closedPort(),
        "--pool-file", blocker.resolve("decoder_pool.json").toString(), "--json");
    assertThat(failed.code()).isEqualTo(RegisterDecoderNode.ALL_FAILED);
    JsonNode f = JSON.readTree(failed.out());
    assertThat(f.get("result").asText()).isEqualTo("failed");
    assertThat(f.get("failures")).hasSize(3);
    assertThat(f.at("/failures/2/channel").asText()).isEqualTo("file");

    decoder.healthStatus = 503;
    Run unhealthy = runWithFile("--endpoint", endpoint, "--json");
    assertThat(unhealthy.code()).isEqualTo(1);
    assertThat(JSON.readTree(unhealthy.out()).get("result").asText()).isEqualTo("unhealthy");
  }

  @Test
  void usageErrorsExitTwo() {
    for (String[] args : List.of(
        new String[] {},
        new String[] {"--endpoint"},
        new String[] {"--endpoint", endpoint, "--bogus"},
        new String[] {"--endpoint", endpoint, "--capacity", "lots"},
        new String[] {"--endpoint", endpoint, "stray"},
        new String[] {"--endpoint", endpoint, "--redis-url", "mysql://db"},
        new String[] {"--endpoint", endpoint, "--coordinator-url", "http://c:8002"},
        new String[] {"--endpoint", endpoint, "--coordinator-url", "not a url", "--api-key", TOKEN},
        new String[] {"--endpoint", endpoint, "--redis-url", "redis://127.0.0.1:1", "--pool", "bad name"})) {
      Run r = run(Map.of("POOL_CONFIG_PATH", poolFile.toString()), args);
      assertThat(r.code()).as(String.join(" ", args) + "\n" + r.err()).isEqualTo(RegisterDecoderNode.USAGE);
      assertThat(r.err()).startsWith("error: ");
      assertThat(r.out()).isEmpty();
    }
    assertThat(run("--bogus").err()).contains("Usage: register-decoder-node");
    assertThat(poolFile).doesNotExist();
  }

  @Test
  void helpListsTheFlagsAndExitCodes() {
    Run r = run(Map.of("COORDINATOR_API_KEY", "env-secret-api-key"), "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("--endpoint=URL", "--node-id", "--gpu-type", "--gpu_type", "--capacity",
        "--tags", "--languages", "--coordinator-url", "--api-key", "--redis-url", "--pool", "--pool-file",
        "--skip-health-check", "--require-https", "--deregister", "--json", "--help", "Exit codes:");
    assertThat(r.all()).doesNotContain("env-secret-api-key");
  }

  @Test
  void secretsAreNeverPrintedNorLogged() throws Exception {
    String apiKey = "Sup3r-secret-API-key";
    String password = "Redis-pa55word-xyz";
    Path blocker = dir.resolve("not-a-directory");
    Files.writeString(blocker, "x");
    String redisUrl = "redis://default:" + password + "@127.0.0.1:" + closedPort();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    List<Run> runs = new ArrayList<>();
    try {
      // a refused key, an unreachable Redis with a password, an unwritable file: every message printed
      runs.add(run("--endpoint", endpoint, "--coordinator-url", coordinator.uri().toString(), "--api-key", apiKey,
          "--redis-url", redisUrl, "--pool-file", blocker.resolve("p.json").toString()));
      runs.add(run("--endpoint", endpoint, "--coordinator-url", coordinator.uri().toString(), "--api-key=" + apiKey,
          "--redis-url=" + redisUrl, "--pool-file", blocker.resolve("p.json").toString(), "--json"));
      Map<String, String> env = new HashMap<>();
      env.put("COORDINATOR_API_KEY", apiKey);
      env.put("REDIS_URL", redisUrl);
      env.put("POOL_CONFIG_PATH", blocker.resolve("p.json").toString());
      runs.add(run(env, "--endpoint", endpoint, "--coordinator-url", coordinator.uri().toString()));
      // a coordinator that cannot be reached: every channel is tried and fails
      runs.add(run("--endpoint", endpoint, "--coordinator-url", TestSupport.nothingListening().toString(),
          "--api-key", apiKey, "--redis-url", redisUrl, "--pool-file", blocker.resolve("p.json").toString()));
      // usage errors that quote the command line
      runs.add(run("--endpoint", endpoint, "--api-key", apiKey, "--redis-url", redisUrl, "--bogus", apiKey));
      runs.add(run("--endpoint", endpoint, "--redis-url", "redis://default:" + password + "@host:notaport"));
    } finally {
      root.detachAppender(logs);
    }
    // a refused key ends the chain (exit 1)
    assertThat(runs.get(0).code()).isEqualTo(RegisterDecoderNode.INVALID);
    assertThat(runs.get(1).code()).isEqualTo(RegisterDecoderNode.INVALID);
    assertThat(runs.get(2).code()).isEqualTo(RegisterDecoderNode.INVALID);
    assertThat(runs.get(3).code()).isEqualTo(RegisterDecoderNode.ALL_FAILED);
    assertThat(runs.get(4).code()).isEqualTo(RegisterDecoderNode.USAGE);
    assertThat(runs.get(5).code()).isEqualTo(RegisterDecoderNode.USAGE);
    assertThat(runs.get(0).err()).contains("401");
    assertThat(runs.get(3).err()).contains("redis://default:***@127.0.0.1");
    for (Run r : runs) {
      assertThat(r.all()).doesNotContain(apiKey).doesNotContain(password);
    }
    assertThat(logs.list).isNotEmpty();
    for (ILoggingEvent e : logs.list) {
      assertThat(e.getFormattedMessage()).doesNotContain(apiKey).doesNotContain(password);
    }
  }
}
