package io.github.switchboard.examples.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The HTTP bounds as environment variables and as a builder: defaults, values, and errors that name them. */
class HttpLimitsTest {
  static final Map<String, String> TOKEN = Map.of("COORDINATOR_API_TOKEN", CoordinatorHttpTest.TOKEN);

  static CoordinatorConfig fromEnv(Map<String, String> vars) {
    java.util.HashMap<String, String> env = new java.util.HashMap<>(TOKEN);
    env.putAll(vars);
    return CoordinatorConfig.fromEnvironment(env);
  }

  @Test
  void theDefaultsApplyWhenTheVariablesAreAbsentOrEmpty() {
    HttpLimits limits = fromEnv(Map.of("HTTP_MAX_CONNECTIONS", "")).http();
    assertThat(limits).isEqualTo(HttpLimits.defaults());
    assertThat(limits.headerTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(limits.minBodyRate()).isEqualTo(1024);
    assertThat(limits.maxConnections()).isEqualTo(10_000);
    assertThat(limits.maxConnectionsPerAddress()).isEqualTo(256);
  }

  @Test
  void theVariablesSetTheBounds() {
    HttpLimits limits = fromEnv(Map.of("HTTP_HEADER_TIMEOUT_SECONDS", "5", "HTTP_MIN_BODY_BYTES_PER_SECOND", "64",
        "HTTP_MAX_CONNECTIONS", "2000", "HTTP_MAX_CONNECTIONS_PER_ADDRESS", "20")).http();
    assertThat(limits).isEqualTo(new HttpLimits(Duration.ofSeconds(5), 64, 2000, 20));
    assertThat(fromEnv(Map.of()).toString()).contains("http=HttpLimits[headers within 10000 ms");
  }

  @Test
  void aSmallConnectionBoundAloneLowersThePerAddressDefault() {
    assertThat(fromEnv(Map.of("HTTP_MAX_CONNECTIONS", "100")).http().maxConnectionsPerAddress()).isEqualTo(100);
  }

  @ParameterizedTest
  @CsvSource({
      "HTTP_HEADER_TIMEOUT_SECONDS, 0, from 1 to 3600",
      "HTTP_HEADER_TIMEOUT_SECONDS, soon, from 1 to 3600",
      "HTTP_MIN_BODY_BYTES_PER_SECOND, 0, from 1 to 1073741824",
      "HTTP_MAX_CONNECTIONS, 1000001, from 1 to 1000000",
      "HTTP_MAX_CONNECTIONS_PER_ADDRESS, 10001, from 1 to 10000",
      "HTTP_MAX_CONNECTIONS_PER_ADDRESS, -1, from 1 to 10000"})
  void aBadValueIsAnErrorNamingTheVariableAndTheRule(String variable, String value, String rule) {
    assertThatThrownBy(() -> fromEnv(Map.of(variable, value)))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.variable()).isEqualTo(variable))
        .hasMessageContaining(variable).hasMessageContaining(rule).hasMessageContaining(value);
  }

  @Test
  void theBuilderChecksEachBoundNamingIt() {
    assertThatThrownBy(() -> HttpLimits.builder().headerTimeout(Duration.ofMillis(50)).build())
        .hasMessageContaining("headerTimeout must be from 100 ms");
    assertThatThrownBy(() -> HttpLimits.builder().minBodyRate(0).build()).hasMessageContaining("minBodyRate");
    assertThatThrownBy(() -> HttpLimits.builder().maxConnections(0).build()).hasMessageContaining("maxConnections");
    assertThatThrownBy(() -> HttpLimits.builder().maxConnections(10).maxConnectionsPerAddress(11).build())
        .hasMessageContaining("maxConnectionsPerAddress must be from 1 to maxConnections (10), was 11");
    assertThatThrownBy(() -> CoordinatorConfig.builder(CoordinatorHttpTest.TOKEN).http(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("http");
  }
}
