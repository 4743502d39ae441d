package io.github.switchboard.pool;

import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ModelValidationTest {

  @Test
  void defaultsAndAccessors() {
    DecoderNode n = DecoderNode.builder("decoder-1", URI.create("http://decoder:8001/")).build();
    assertThat(n.status()).isEqualTo(NodeStatus.ACTIVE);
    assertThat(n.priority()).isEqualTo(DecoderNode.DEFAULT_PRIORITY);
    assertThat(n.capacity()).isEqualTo(DecoderNode.DEFAULT_CAPACITY);
    assertThat(n.languages()).isEmpty();
    assertThat(n.effectiveHealthUrl()).isEqualTo(URI.create("http://decoder:8001/health"));
    assertThat(n.servesPair("xx", "yy")).isTrue();
    DecoderNode h = n.toBuilder().healthUrl(URI.create("https://decoder:9000/ready")).build();
    assertThat(h.effectiveHealthUrl()).isEqualTo(URI.create("https://decoder:9000/ready"));
    assertThat(h).isNotEqualTo(n).isEqualTo(h.toBuilder().build());
    assertThat(h.hashCode()).isEqualTo(h.toBuilder().build().hashCode());
  }

  @Test
  void languagesAndTagsAreDeduplicatedInOrder() {
    DecoderNode n = node("d").languages("es", "en", "es").tags("b", "a", "b").build();
    assertThat(n.languages()).containsExactly("es", "en");
    assertThat(n.tags()).containsExactly("b", "a");
  }

  @Test
  void aRegionalCodeIsServedByItsPrimaryLanguage() {
    DecoderNode n = node("d").languages("pt", "en").build();
    assertThat(n.servesPair("en", "pt-BR")).isTrue();
    assertThat(n.servesPair("en", "es")).isFalse();
    DecoderNode br = node("d").languages("pt-BR", "en").build();
    assertThat(br.servesPair("en", "pt")).isFalse();
    assertThat(br.servesPair("en", "pt-BR")).isTrue();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "'' | node_id must not be empty",
      "has space | node_id must be 1 to 128 letters, digits, '.', '_' or '-', and not '.' or '..'",
      "a/b | node_id must be 1 to 128 letters",
      ". | node_id must be 1 to 128 letters, digits, '.', '_' or '-', and not '.' or '..'",
      ".. | (it is a segment of the node's URL path), was '..'",
      "a%2Fb | node_id must be 1 to 128",
  })
  void badNodeIds(String id, String message) {
    assertThatThrownBy(() -> DecoderNode.builder(id, URI.create("http://x:1")).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
  }

  @Test
  void nodeIdLengthLimit() {
    String ok = "a".repeat(128);
    assertThat(DecoderNode.builder(ok, URI.create("http://x")).build().nodeId()).isEqualTo(ok);
    assertThatThrownBy(() -> DecoderNode.builder(ok + "a", URI.create("http://x")).build())
        .hasMessageContaining("node_id must be 1 to 128");
  }

  @Test
  void idsWithDotsAreValidButTheDotSegmentsAreNot() {
    for (String ok : List.of("...", ".a", "a.", "a..b", "_", "-", "a-b_c.d")) {
      assertThat(DecoderNode.isValidNodeId(ok)).as(ok).isTrue();
      assertThat(DecoderNode.builder(ok, URI.create("http://x")).build().nodeId()).isEqualTo(ok);
    }
    for (String bad : List.of(".", "..", "", "a b", "a/b", "a?b", "a#b", "a%2e", "\u00e9")) {
      assertThat(DecoderNode.isValidNodeId(bad)).as(bad).isFalse();
    }
    assertThat(DecoderNode.isValidNodeId(null)).isFalse();
  }

  @Test
  void credentialsInANodeUriAreRefusedAndNeverRepeated() {
    assertThatThrownBy(() -> DecoderNode.builder("d", URI.create("http://admin:s3cret@decoder:8001")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("endpoint must not hold credentials (user:password@), was 'http://***@decoder:8001'")
        .message().doesNotContain("s3cret").doesNotContain("admin");
    assertThatThrownBy(() -> node("d").healthUrl(URI.create("https://token@decoder/health")).build())
        .hasMessage("health_url must not hold credentials (user:password@), was 'https://***@decoder/health'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"decoder:8001", "/relative", "ftp://host/x", "http:///nohost", "mailto:a@b"})
  void badEndpoints(String endpoint) {
    assertThatThrownBy(() -> DecoderNode.builder("d", URI.create(endpoint)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("endpoint must");
  }

  @Test
  void otherFieldRules() {
    assertThatThrownBy(() -> node("d").capacity(0).build()).hasMessage("capacity must be > 0, was 0");
    assertThatThrownBy(() -> node("d").priority(-1).build()).hasMessage("priority must be >= 0, was -1");
    assertThatThrownBy(() -> node("d").languages("EN").build())
        .hasMessageStartingWith("languages[0] must be a language code");
    assertThatThrownBy(() -> node("d").languages("en", "english").build())
        .hasMessageStartingWith("languages[1] must be a language code");
    assertThatThrownBy(() -> node("d").tags("a b").build())
        .hasMessageStartingWith("tags[0] must not contain spaces");
    assertThatThrownBy(() -> node("d").region("").build()).hasMessage("region must not be empty");
    assertThatThrownBy(() -> node("d").healthUrl(URI.create("file:///etc/passwd")).build())
        .hasMessageStartingWith("health_url must be an absolute http or https URI");
    assertThat(node("d").languages("pt-BR", "zh-Hant", "es-419", "fil").build().languages()).hasSize(4);
  }

  @Test
  void abTestRules() {
    assertThatThrownBy(() -> new AbTest("t", true, "en_es", 10, List.of(), List.of()))
        .hasMessageStartingWith("language_pair must be two language codes");
    assertThatThrownBy(() -> new AbTest("t", true, "en-es", 100.5, List.of(), List.of()))
        .hasMessage("traffic_percentage must be between 0 and 100, was 100.5");
    assertThatThrownBy(() -> new AbTest("t", true, "en-es", Double.NaN, List.of(), List.of()))
        .hasMessageStartingWith("traffic_percentage must be between 0 and 100");
    assertThatThrownBy(() -> new AbTest("", true, "en-es", 1, List.of(), List.of()))
        .hasMessage("name must not be empty");
    AbTest t = new AbTest("t", true, "en-es", 0, List.of("a", "a"), List.of());
    assertThat(t.controlGroupTags()).containsExactly("a");
    assertThat(t.appliesTo("en", "es")).isTrue();
    assertThat(t.appliesTo("en-GB", "es")).isTrue();
    assertThat(t.appliesTo("es", "en")).isFalse();
    assertThat(t.withActive(false).appliesTo("en", "es")).isFalse();
  }

  @Test
  void loadRules() {
    assertThatThrownBy(() -> NodeLoad.of(-1)).hasMessage("load must be a finite number >= 0, was -1.0");
    assertThatThrownBy(() -> NodeLoad.of(1, -2)).hasMessage("inflight must be >= 0, was -2");
    assertThat(NodeLoad.of(3, 7).effectiveLoad()).isEqualTo(7.0);
    assertThat(NodeLoad.of(3).withUptime(Duration.ofSeconds(5)).uptime()).contains(Duration.ofSeconds(5));
  }

  @Test
  void routingRequestRules() {
    assertThatThrownBy(() -> RoutingRequest.of("english", "es"))
        .hasMessageStartingWith("source language must be a language code");
    RoutingRequest r = RoutingRequest.of("en", "es").preferRegion("eu").requireTags("a").requireTags("b", "a");
    assertThat(r.requiredTags()).containsExactly("a", "b");
    assertThat(r.preferredRegion()).contains("eu");
  }

  @Test
  void statusJson() {
    assertThat(NodeStatus.fromJson("Maintenance")).isEqualTo(NodeStatus.MAINTENANCE);
    assertThat(NodeStatus.DRAINING.jsonName()).isEqualTo("draining");
    assertThatThrownBy(() -> NodeStatus.fromJson("up"))
        .hasMessage("status must be one of active, draining, maintenance, inactive, was 'up'");
  }

  @Property(tries = 200)
  void everyValidIdIsAccepted(@ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 128) String id) {
    assertThat(DecoderNode.builder(id, URI.create("http://h")).build().nodeId()).isEqualTo(id);
  }
}
