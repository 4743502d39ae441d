package io.github.switchboard.examples.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.pool.HealthCheckConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Reading the coordinator's settings from environment variables, and failing on bad ones. */
class CoordinatorConfigTest {
  static final String TOKEN = "test-token-0123456789abcdef";

  @TempDir Path dir;

  @Test
  void anEmptyEnvironmentGivesTheDefaultsAndAGeneratedToken() {
    CoordinatorConfig c = CoordinatorConfig.fromEnvironment(Map.of());
    assertThat(c.host()).isEqualTo("0.0.0.0");
    assertThat(c.port()).isEqualTo(8002);
    assertThat(c.redis()).isNull();
    assertThat(c.poolName()).isEqualTo("default");
    assertThat(c.poolFile()).isEqualTo(Path.of("config/decoder_pool.json"));
    assertThat(c.perMinute()).isEqualTo(60);
    assertThat(c.perHour()).isEqualTo(1000);
    assertThat(c.apiKeyDigests()).isNull();
    assertThat(c.healthChecks().enabled()).isTrue();
    assertThat(c.apiTokenGenerated()).isTrue();
    assertThat(c.apiToken()).hasSize(43).matches("[A-Za-z0-9_-]+");
    assertThat(CoordinatorConfig.fromEnvironment(Map.of()).apiToken()).isNotEqualTo(c.apiToken());
    assertThat(c.toString()).doesNotContain(c.apiToken());
  }

  @Test
  void everyVariableIsRead() throws IOException {
    Path keys = dir.resolve("keys");
    Files.writeString(keys, Http.sha256Hex("k") + "\n");
    Map<String, String> env = new HashMap<>();
    env.put("HOST", "127.0.0.1");
    env.put("PORT", "9100");
    env.put("REDIS_URL", "redis://user:s3cret-pw@redis.example:6380/2");
    env.put("POOL_NAME", "eu.pool");
    env.put("POOL_CONFIG_PATH", dir.resolve("p.json").toString());
    env.put("COORDINATOR_API_TOKEN", TOKEN);
    env.put("RATE_LIMIT_PER_MINUTE", "7");
    env.put("RATE_LIMIT_PER_HOUR", "70");
    env.put("API_KEYS_FILE", keys.toString());
    CoordinatorConfig c = CoordinatorConfig.fromEnvironment(env);
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(9100);
    assertThat(c.redis().redactedUrl()).isEqualTo("redis://user:***@redis.example:6380/2");
    assertThat(c.poolName()).isEqualTo("eu.pool");
    assertThat(c.poolFile()).isEqualTo(dir.resolve("p.json"));
    assertThat(c.apiToken()).isEqualTo(TOKEN);
    assertThat(c.apiTokenGenerated()).isFalse();
    assertThat(c.perMinute()).isEqualTo(7);
    assertThat(c.perHour()).isEqualTo(70);
    assertThat(c.apiKeyDigests()).containsExactly(Http.sha256Hex("k"));
    assertThat(c.toString()).doesNotContain(TOKEN, "s3cret-pw");
  }

  @Test
  void theServerAndLimiterVariablesAreRead() {
    CoordinatorConfig defaults = CoordinatorConfig.fromEnvironment(Map.of());
    assertThat(defaults.threads()).isEqualTo(CoordinatorConfig.DEFAULT_THREADS);
    assertThat(defaults.idleTimeout()).hasSeconds(CoordinatorConfig.DEFAULT_IDLE_TIMEOUT_SECONDS);
    assertThat(defaults.expectedInstances()).isEqualTo(1);
    assertThat(defaults.maxApiKeys()).isEqualTo(CoordinatorConfig.DEFAULT_MAX_API_KEYS);
    CoordinatorConfig c = CoordinatorConfig.fromEnvironment(Map.of("HTTP_THREADS", "32",
        "HTTP_IDLE_TIMEOUT_SECONDS", "5", "EXPECTED_INSTANCES", "3", "MAX_API_KEYS", "500"));
    assertThat(c.threads()).isEqualTo(32);
    assertThat(c.idleTimeout()).hasSeconds(5);
    assertThat(c.expectedInstances()).isEqualTo(3);
    assertThat(c.maxApiKeys()).isEqualTo(500);
  }

  @Test
  void theDecodeAndCacheVariablesAreRead() {
    DecodeConfig defaults = CoordinatorConfig.fromEnvironment(Map.of()).decode();
    assertThat(defaults).isEqualTo(DecodeConfig.defaults());
    assertThat(defaults.maxBytes()).isEqualTo(1024 * 1024);
    assertThat(defaults.timeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(defaults.cacheEnabled()).isTrue();
    assertThat(defaults.cacheTtl()).isEqualTo(Duration.ofDays(7));
    assertThat(defaults.cacheNearSize()).isEqualTo(10_000);

    DecodeConfig d = CoordinatorConfig.fromEnvironment(Map.of("DECODE_MAX_BYTES", "2048",
        "DECODE_TIMEOUT_MS", "1500", "CACHE_ENABLED", "FALSE", "CACHE_TTL_SECONDS", "60",
        "CACHE_NEAR_SIZE", "0")).decode();
    assertThat(d).isEqualTo(new DecodeConfig(2048, Duration.ofMillis(1500), false, Duration.ofMinutes(1), 0));
    assertThat(CoordinatorConfig.fromEnvironment(Map.of("CACHE_ENABLED", " true ")).decode().cacheEnabled())
        .isTrue();
    // the largest values each variable takes
    DecodeConfig max = CoordinatorConfig.fromEnvironment(Map.of("DECODE_MAX_BYTES", "16777216",
        "DECODE_TIMEOUT_MS", "600000", "CACHE_TTL_SECONDS", "31536000", "CACHE_NEAR_SIZE", "100000000")).decode();
    assertThat(max.maxBytes()).isEqualTo(16 * 1024 * 1024);
    assertThat(max.cacheTtl()).isEqualTo(Duration.ofDays(365));
  }

  @Test
  void emptyVariablesTakeTheirDefaults() {
    Map<String, String> env = new HashMap<>();
    for (String v : new String[] {"HOST", "PORT", "REDIS_URL", "POOL_NAME", "POOL_CONFIG_PATH",
        "COORDINATOR_API_TOKEN", "RATE_LIMIT_PER_MINUTE", "RATE_LIMIT_PER_HOUR", "API_KEYS_FILE",
        "DECODE_MAX_BYTES", "DECODE_TIMEOUT_MS", "CACHE_ENABLED", "CACHE_TTL_SECONDS", "CACHE_NEAR_SIZE"}) {
      env.put(v, "");
    }
    CoordinatorConfig c = CoordinatorConfig.fromEnvironment(env);
    assertThat(c.port()).isEqualTo(8002);
    assertThat(c.redis()).isNull();
    assertThat(c.apiTokenGenerated()).isTrue();
    assertThat(c.decode()).isEqualTo(DecodeConfig.defaults());
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of("PORT", "abc"),
        Arguments.of("PORT", "70000"),
        Arguments.of("PORT", "-1"),
        Arguments.of("RATE_LIMIT_PER_MINUTE", "0"),
        Arguments.of("RATE_LIMIT_PER_MINUTE", "sixty"),
        Arguments.of("RATE_LIMIT_PER_HOUR", "-5"),
        Arguments.of("RATE_LIMIT_PER_HOUR", "1.5"),
        Arguments.of("REDIS_URL", "http://user:s3cret-pw@localhost:6379"),
        Arguments.of("REDIS_URL", "redis://:s3cret-pw@localhost:notaport"),
        Arguments.of("COORDINATOR_API_TOKEN", "s3cret-pw"),
        Arguments.of("COORDINATOR_API_TOKEN", "s3cret-pw s3cret-pw s3cret-pw"),
        Arguments.of("POOL_NAME", "no spaces allowed"),
        Arguments.of("HOST", "local host"),
        Arguments.of("POOL_CONFIG_PATH", "bad\0path"),
        Arguments.of("API_KEYS_FILE", "/nonexistent/api_keys.txt"),
        Arguments.of("HTTP_THREADS", "0"),
        Arguments.of("HTTP_THREADS", "1001"),
        Arguments.of("HTTP_IDLE_TIMEOUT_SECONDS", "0"),
        Arguments.of("HTTP_IDLE_TIMEOUT_SECONDS", "soon"),
        Arguments.of("EXPECTED_INSTANCES", "0"),
        Arguments.of("EXPECTED_INSTANCES", "two"),
        Arguments.of("MAX_API_KEYS", "0"),
        Arguments.of("DECODE_MAX_BYTES", "0"),
        Arguments.of("DECODE_MAX_BYTES", "16777217"),
        Arguments.of("DECODE_MAX_BYTES", "1MiB"),
        Arguments.of("DECODE_TIMEOUT_MS", "9"),
        Arguments.of("DECODE_TIMEOUT_MS", "600001"),
        Arguments.of("DECODE_TIMEOUT_MS", "30s"),
        Arguments.of("CACHE_ENABLED", "yes"),
        Arguments.of("CACHE_ENABLED", "1"),
        Arguments.of("CACHE_TTL_SECONDS", "0"),
        Arguments.of("CACHE_TTL_SECONDS", "31536001"),
        Arguments.of("CACHE_TTL_SECONDS", "7d"),
        Arguments.of("CACHE_NEAR_SIZE", "-1"),
        Arguments.of("CACHE_NEAR_SIZE", "100000001"),
        Arguments.of("CACHE_NEAR_SIZE", "many"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("badValues")
  void aBadValueIsAnErrorNamingTheVariableWithoutItsSecret(String variable, String value) {
    assertThatThrownBy(() -> CoordinatorConfig.fromEnvironment(Map.of(variable, value)))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.variable()).isEqualTo(variable))
        .hasMessageStartingWith(variable)
        .message().doesNotContain("s3cret-pw");
  }

  @Test
  void anApiKeysFileMustHoldDigestsOnly() throws IOException {
    Path keys = dir.resolve("keys");
    Files.writeString(keys, "# comment\n" + Http.sha256Hex("k") + "\nraw-key-s3cret-pw\n");
    assertThatThrownBy(() -> CoordinatorConfig.fromEnvironment(Map.of("API_KEYS_FILE", keys.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("API_KEYS_FILE")
        .hasMessageContaining("line 3")
        .message().doesNotContain("s3cret-pw");

    Files.writeString(keys, "# nothing but a comment\n\n");
    assertThatThrownBy(() -> CoordinatorConfig.fromEnvironment(Map.of("API_KEYS_FILE", keys.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("no digest");
  }

  @Test
  void startFailsNamingPoolConfigPathOnAMalformedPoolFile() throws IOException {
    Path file = dir.resolve("decoder_pool.json");
    Files.writeString(file, "{\"nodes\": [{\"node_id\": \"d1\", \"endpoint\": \"http://h:1\", \"capacity\": 0}]}");
    CoordinatorConfig config = CoordinatorConfig.builder(TOKEN).host("127.0.0.1").port(0).poolFile(file)
        .healthChecks(HealthCheckConfig.DISABLED).build();
    assertThatThrownBy(() -> Coordinator.start(config))
        .isInstanceOfSatisfying(ConfigException.class,
            e -> assertThat(e.variable()).isEqualTo("POOL_CONFIG_PATH"))
        .hasMessageStartingWith("POOL_CONFIG_PATH")
        .hasMessageContaining("capacity");
    // the bad file is left as it was, never replaced by an empty pool
    assertThat(Files.readString(file)).contains("\"d1\"");
  }

  @Test
  void startFailsNamingPortWhenThePortIsTaken() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      CoordinatorConfig config = CoordinatorConfig.builder(TOKEN).host("127.0.0.1")
          .port(taken.getLocalPort()).poolFile(dir.resolve("p.json"))
          .healthChecks(HealthCheckConfig.DISABLED).build();
      assertThatThrownBy(() -> Coordinator.start(config))
          .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.variable()).isEqualTo("PORT"))
          .hasMessageStartingWith("PORT");
    }
  }

  @Test
  void theBuilderChecksItsSettings() {
    assertThatThrownBy(() -> CoordinatorConfig.builder("short").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("apiToken");
    assertThatThrownBy(() -> CoordinatorConfig.builder(TOKEN).port(65536).build())
        .hasMessageStartingWith("port");
    assertThatThrownBy(() -> CoordinatorConfig.builder(TOKEN).perMinute(0).build())
        .hasMessageStartingWith("perMinute");
    assertThatThrownBy(() -> CoordinatorConfig.builder(TOKEN).apiKeyDigests(java.util.Set.of("abc")).build())
        .hasMessageStartingWith("apiKeyDigests");
    assertThatThrownBy(() -> DecodeConfig.builder().maxBytes(0).build()).hasMessageStartingWith("maxBytes");
    assertThatThrownBy(() -> DecodeConfig.builder().maxBytes(16 * 1024 * 1024 + 1).build())
        .hasMessageStartingWith("maxBytes");
    assertThatThrownBy(() -> DecodeConfig.builder().timeout(Duration.ofMillis(9)).build())
        .hasMessageStartingWith("timeout");
    assertThatThrownBy(() -> DecodeConfig.builder().timeout(Duration.ofMinutes(11)).build())
        .hasMessageStartingWith("timeout");
    assertThatThrownBy(() -> DecodeConfig.builder().cacheTtl(Duration.ofMillis(999)).build())
        .hasMessageStartingWith("cacheTtl");
    assertThatThrownBy(() -> DecodeConfig.builder().cacheTtl(Duration.ofDays(366)).build())
        .hasMessageStartingWith("cacheTtl");
    assertThatThrownBy(() -> DecodeConfig.builder().cacheNearSize(-1).build())
        .hasMessageStartingWith("cacheNearSize");
  }
}
