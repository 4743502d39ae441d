package io.github.switchboard.registration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs target/register-decoder-node.jar with {@code java -jar}. Bound to the package phase (after the shade
 * plugin builds the jar) by the module's pom; the default test run excludes it.
 */
class RegisterDecoderNodeJarSmokeTest {
  private static final String TOKEN = "tok-smoke-40aa19";
  private static final Path JAR = Path.of("target", "register-decoder-node.jar");

  @TempDir Path dir;

  record Result(int code, String out, String err) {}

  private Result java(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(JAR.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectOutput(dir.resolve("out.txt").toFile())
        .redirectError(dir.resolve("err.txt").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    pb.environment().remove("REDIS_URL");
    pb.environment().remove("COORDINATOR_API_KEY");
    pb.environment().put("POOL_CONFIG_PATH", dir.resolve("decoder_pool.json").toString());
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("register-decoder-node did not exit within 60 s");
    }
    return new Result(p.exitValue(), Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8),
        Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8));
  }

  @Test
  void theJarRegistersThroughTheCoordinatorAndExitsWithItsCodes() throws Exception {
    assumeTrue(Files.isRegularFile(JAR), "build the jar first: mvn -pl registration-client package");
    try (CoordinatorStub coordinator = CoordinatorStub.start(TOKEN)) {
      Result ok = java("--endpoint", coordinator.uri().toString(), "--coordinator-url",
          coordinator.uri().toString(), "--api-key", TOKEN, "--json");
      assertThat(ok.code()).as(ok.err()).isZero();
      JsonNode j = new ObjectMapper().readTree(ok.out());
      assertThat(j.get("channel").asText()).isEqualTo("coordinator");
      assertThat(j.get("created").asBoolean()).isTrue();
      assertThat(coordinator.nodes).containsKey("decoder-127.0.0.1-" + coordinator.port());
      assertThat(ok.err()).doesNotContain("SLF4J").doesNotContain(TOKEN);

      Result usage = java("--capacity", "x");
      assertThat(usage.code()).isEqualTo(2);
      assertThat(usage.err()).contains("Usage: register-decoder-node");

      Result unhealthy = java("--endpoint", TestSupport.nothingListening().toString());
      assertThat(unhealthy.code()).isEqualTo(1);
    }
  }
}
