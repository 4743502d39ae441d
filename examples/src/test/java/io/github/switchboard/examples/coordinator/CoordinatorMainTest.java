package io.github.switchboard.examples.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link CoordinatorMain} as a separate process: environment, output, exit codes and SIGTERM. */
class CoordinatorMainTest {
  private static final Pattern LISTENING = Pattern.compile("listening on (http://127\\.0\\.0\\.1:(\\d+))");
  private static final Pattern TOKEN_LINE = Pattern.compile("the token of this run is: (\\S+)");

  @TempDir Path dir;
  Process process;
  final List<String> out = new CopyOnWriteArrayList<>();
  final List<String> err = new CopyOnWriteArrayList<>();
  final List<Thread> pumps = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  Process launch(Map<String, String> env) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // the test class path holds core's logback-test.xml (INFO on stdout), which would take precedence over
    // the coordinator's own logback.xml (stderr); run with the configuration the shipped jar uses
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "-Dlogback.configurationFile=logback.xml", CoordinatorMain.class.getName());
    pb.environment().clear(); // no REDIS_URL or token leaking in from the build's environment
    pb.environment().putAll(env);
    process = pb.start();
    pump(process.getInputStream(), out);
    pump(process.getErrorStream(), err);
    return process;
  }

  private void pump(InputStream in, List<String> lines) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the process ended
      }
    });
    t.setDaemon(true);
    t.start();
    pumps.add(t);
  }

  @Test
  void aBadVariableStopsItWithExitCode2AndAMessageNamingTheVariable() throws Exception {
    Process p = launch(Map.of("RATE_LIMIT_PER_MINUTE", "lots", "POOL_CONFIG_PATH",
        dir.resolve("p.json").toString()));
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    for (Thread t : pumps) {
      t.join(5000);
    }
    assertThat(String.join("\n", err)).contains("RATE_LIMIT_PER_MINUTE must be a whole number");
    assertThat(out).noneMatch(l -> l.startsWith("listening on"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"depth", "number", "name"})
  void aPoolFileWithAJsonBombStopsItWithExitCode2NamingPoolConfigPath(String kind) throws Exception {
    Path poolFile = dir.resolve("decoder_pool.json");
    String bomb = CoordinatorHostileInputTest.bomb(kind);
    String content = "{\"nodes\": [{\"node_id\": \"n\", \"endpoint\": \"http://n:1\", \"x\": " + bomb
        + "}], \"ab_tests\": []}";
    Files.writeString(poolFile, content);
    Process p = launch(Map.of("HOST", "127.0.0.1", "PORT", "0", "POOL_CONFIG_PATH", poolFile.toString(),
        "COORDINATOR_API_TOKEN", CoordinatorHttpTest.TOKEN));
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    for (Thread t : pumps) {
      t.join(5000);
    }
    String stderr = String.join("\n", err);
    assertThat(err).anyMatch(l -> l.startsWith("example-coordinator: POOL_CONFIG_PATH: ")
        && l.contains("over a limit"));
    assertThat(stderr).doesNotContain("Exception", "\tat ");
    assertThat(err).hasSizeLessThanOrEqualTo(2); // the pool's WARN and the reason it stops
    assertThat(Files.readString(poolFile)).isEqualTo(content); // left as it is
  }

  @Test
  void itPrintsTheGeneratedTokenOnceAndListeningOnThenStopsCleanlyOnSigterm() throws Exception {
    Path poolFile = dir.resolve("config/decoder_pool.json");
    Process p = launch(Map.of("HOST", "127.0.0.1", "PORT", "0", "POOL_CONFIG_PATH", poolFile.toString()));
    await().atMost(Duration.ofSeconds(20))
        .until(() -> out.stream().anyMatch(l -> LISTENING.matcher(l).matches()) || !p.isAlive());
    assertThat(p.isAlive()).as("stderr: %s", err).isTrue();

    String listening = out.stream().filter(l -> LISTENING.matcher(l).matches()).findFirst().orElseThrow();
    Matcher m = LISTENING.matcher(listening);
    assertThat(m.matches()).isTrue();
    Matcher t = TOKEN_LINE.matcher(out.get(0));
    assertThat(t.find()).as("first line: %s", out.get(0)).isTrue();
    String token = t.group(1);

    Api api = new Api(URI.create(m.group(1)), token);
    HttpResponse<String> health = api.get("/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(Api.json(health).path("redis").asText()).isEqualTo("NOT_CONFIGURED");
    HttpResponse<String> created = api.register(Api.nodeJson("decoder-1", "http://127.0.0.1:9001", "\"en\"", ""));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(poolFile).exists();

    // SIGTERM; Process.destroy() would also close our ends of its output pipes, losing its last lines
    assertThat(p.toHandle().destroy()).isTrue();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(143); // 128 + SIGTERM, after the shutdown hook ran
    for (Thread pump : pumps) {
      pump.join(5000); // the process has ended: its output ends too
    }
    assertThat(err).as("stderr").anyMatch(l -> l.contains("coordinator stopped"));

    // the token was printed once and never logged
    String all = String.join("\n", out) + "\n" + String.join("\n", err);
    assertThat(all.split(Pattern.quote(token), -1)).hasSize(2);
  }
}
