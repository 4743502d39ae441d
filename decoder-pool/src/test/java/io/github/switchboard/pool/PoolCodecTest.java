package io.github.switchboard.pool;

import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.pool.internal.codec.PoolCodec;
import io.github.switchboard.pool.internal.codec.PoolDocument;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PoolCodecTest {

  static String resource(String name) throws IOException {
    try (InputStream in = PoolCodecTest.class.getResourceAsStream("/original/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void theOriginalsFileLoadsUnchanged() throws IOException {
    PoolDocument doc = PoolCodec.readDocument(resource("decoder_pool.json"), "decoder_pool.json");
    assertThat(doc.legacyList()).isFalse();
    DecoderNode expected = DecoderNode.builder("decoder-1", URI.create("http://decoder:8001"))
        .healthUrl(URI.create("http://decoder:8001/health"))
        .status(NodeStatus.ACTIVE)
        .languages("en", "es")
        .priority(1)
        .region("us-east-1")
        .gpuType("T4")
        .capacity(100)
        .tags("production")
        .build();
    assertThat(doc.nodes()).containsExactly(expected);
    assertThat(doc.configured()).containsExactly("decoder-1");
    assertThat(doc.abTests()).containsExactly(
        new AbTest("es-v2", true, "en-es", 10, List.of("stable"), List.of("es_v2_adapter")));
  }

  @Test
  void theLegacyListLoadsAndItsRuntimeFieldsAreReadButNeverWritten() throws IOException {
    PoolDocument doc = PoolCodec.readDocument(resource("legacy_list.json"), "legacy.json");
    assertThat(doc.legacyList()).isTrue();
    assertThat(doc.nodes()).hasSize(2);
    DecoderNode a = doc.nodes().get(0);
    assertThat(a.region()).contains("eu-west-1");
    assertThat(a.tags()).containsExactly("production", "es_v2_adapter");
    assertThat(doc.nodes().get(1).region()).isEmpty(); // "" is no region
    NodeLoad load = doc.legacyRuntime().get(a.nodeId());
    assertThat(load.load()).isEqualTo(37.5);
    assertThat(load.hotAdapters()).containsExactly("es_v2");
    assertThat(load.uptime()).contains(Duration.ofMillis(8_123_400));

    String written = new String(PoolCodec.writeDocument(doc), StandardCharsets.UTF_8);
    assertThat(written).doesNotContain("healthy", "\"load\"", "uptime", "hot_adapters", "last_seen")
        .startsWith("{").contains("\"ab_tests\"");
    PoolDocument again = PoolCodec.readDocument(written, "again");
    assertThat(again.nodes()).containsExactlyElementsOf(doc.nodes());
    assertThat(again.configured()).isEqualTo(doc.configured());
  }

  @Test
  void unknownFieldsAreIgnored() {
    String json = "{\"version\": 3, \"nodes\": [{\"node_id\": \"n\", \"endpoint\": \"http://n:1\","
        + " \"weird\": {\"a\": [1]}, \"tags\": null}], \"ab_tests\": null, \"extra\": true}";
    PoolDocument doc = PoolCodec.readDocument(json, "f");
    assertThat(doc.nodes()).extracting(DecoderNode::nodeId).containsExactly("n");
    assertThat(doc.abTests()).isEmpty();
  }

  @Test
  void aDocumentRoundTripsWithPinsAndTests() {
    DecoderNode a = node("a").languages("en").tags("t").region("r").gpuType("g").priority(0).build();
    DecoderNode b = node("b").status(NodeStatus.DRAINING).healthUrl(URI.create("http://b/h")).build();
    AbTest t = new AbTest("t", false, "en-fr", 12.5, List.of("c"), List.of("e"));
    PoolDocument doc = new PoolDocument(List.of(a, b), Set.of("a"), List.of(t), Map.of(), false);
    String text = new String(PoolCodec.writeDocument(doc), StandardCharsets.UTF_8);
    assertThat(text).contains("\"dynamic\" : true").contains("\"status\" : \"draining\"");
    PoolDocument back = PoolCodec.readDocument(text, "x");
    assertThat(back.nodes()).containsExactly(a, b);
    assertThat(back.configured()).containsExactly("a");
    assertThat(back.abTests()).containsExactly(t);
    assertThat(PoolSnapshot.of(1, back).isConfigured("b")).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "'' | f: the file is empty",
      "'{}' | f: 'nodes' must be an array of nodes and is missing",
      "'{\"nodes\": {}}' | f: 'nodes' must be an array of nodes, was an object",
      "'{\"nodes\": [' | f: not valid JSON at line 1",
      "'\"text\"' | expected an object {\"nodes\": [...]} or a list of nodes",
      "'[{\"node_id\": \"a\", \"endpoint\": \"http://a\"}, {\"endpoint\": \"http://b\"}]' | f: nodes[1]: node_id is required",
      "'[{\"node_id\": \"a\", \"endpoint\": \"http://a\", \"capacity\": 0}]' | f: nodes[0] (node_id 'a'): capacity must be > 0, was 0",
      "'[{\"node_id\": \"a\", \"endpoint\": \"http://a\", \"capacity\": \"lots\"}]' | f: nodes[0] (node_id 'a'): capacity must be a whole number, was the string \"lots\"",
      "'[{\"node_id\": \"a\", \"endpoint\": \"http://a\", \"priority\": 1.5}]' | priority must be a whole number, was 1.5",
      "'[{\"node_id\": \"a\", \"endpoint\": \"decoder:8001\"}]' | f: nodes[0] (node_id 'a'): endpoint must be an absolute http or https URI",
      "'[{\"node_id\": \"a\", \"endpoint\": \"http://a\", \"languages\": \"en\"}]' | languages must be an array of strings",
      "'[{\"node_id\": \"a\", \"endpoint\": \"http://a\", \"status\": \"up\"}]' | status must be one of active",
      "'[{\"node_id\": \"a\", \"endpoint\": \"http://a\"}, {\"node_id\": \"a\", \"endpoint\": \"http://b\"}]' | f: nodes[1]: node_id 'a' appears twice (also nodes[0])",
      "'{\"nodes\": [], \"ab_tests\": [{\"name\": \"t\", \"language_pair\": \"en\", \"traffic_percentage\": 5}]}' | f: ab_tests[0] (name 't'): language_pair must be",
      "'{\"nodes\": [], \"ab_tests\": [{\"name\": \"t\", \"language_pair\": \"en-es\", \"traffic_percentage\": 500}]}' | traffic_percentage must be between 0 and 100, was 500.0",
  })
  void malformedInputNamesWhereAndWhichRule(String json, String message) {
    assertThatThrownBy(() -> PoolCodec.readDocument(json, "f"))
        .isInstanceOf(PoolFormatException.class)
        .hasMessageContaining(message);
  }

  @Test
  void singleNodeRuntimeLoadAndAbTestForms() {
    DecoderNode n = node("n").tags("x").build();
    assertThat(PoolCodec.readNode(PoolCodec.writeNode(n))).isEqualTo(n);
    assertThat(PoolCodec.readStoredNode(PoolCodec.writeStoredNode(n, false)))
        .isEqualTo(new PoolCodec.StoredNode(n, false));
    assertThat(PoolCodec.readStoredNode(PoolCodec.writeNode(n)).configured()).isTrue();

    NodeRuntime r = NodeRuntime.INITIAL.withHeartbeat(
        NodeLoad.of(2.5, 4).withHotAdapters(List.of("a")).withUptime(Duration.ofSeconds(9)), 123_456_789L);
    assertThat(PoolCodec.readRuntime(PoolCodec.writeRuntime(r))).isEqualTo(r);

    assertThat(PoolCodec.readLoad("{\"load\": 12}")).isEqualTo(NodeLoad.of(12));
    assertThat(PoolCodec.readHealthLoad("{\"status\":\"ok\",\"inflight\":3}")).contains(NodeLoad.of(0, 3));
    assertThat(PoolCodec.readHealthLoad("OK")).isEmpty();
    assertThat(PoolCodec.readHealthLoad("{\"status\":\"ok\"}")).isEmpty();
    assertThatThrownBy(() -> PoolCodec.readLoad("{\"load\": -1}"))
        .isInstanceOf(PoolFormatException.class).hasMessageContaining("load must be a finite number >= 0");

    AbTest t = new AbTest("t", true, "en-es", 10, List.of(), List.of("e"));
    assertThat(PoolCodec.readAbTest(PoolCodec.writeAbTest(t))).isEqualTo(t);
    assertThat(PoolCodec.writeAbTest(t)).contains("\"traffic_percentage\":10,");
  }

  @Test
  void aViewCarriesRuntimeStateForListings() {
    NodeView v = new NodeView(node("n").build(),
        NodeRuntime.of(NodeHealth.UNHEALTHY, NodeLoad.of(5), 1_000_000L), true, true);
    String json = PoolCodec.writeViews(List.of(v));
    assertThat(json).contains("\"nodes\":[{\"node_id\":\"n\"").contains("\"healthy\":false")
        .contains("\"load\":5.0").contains("\"last_heartbeat\":\"1970-01-01T00:00:01Z\"")
        .contains("\"selectable\":false");
  }

  @Test
  void thePublicFacadeSpeaksTheSameFormat() {
    DecoderNode n = node("n").languages("en").build();
    assertThat(PoolJson.readNode(PoolJson.writeNode(n))).isEqualTo(n);
    assertThat(PoolJson.readNode("{\"node_id\":\"n\",\"endpoint\":\"http://n.test:8001\",\"languages\":[\"en\"],"
        + "\"healthy\":true,\"load\":3,\"tags\":[]}")).isEqualTo(n);
    assertThat(PoolJson.readLoad(PoolJson.writeLoad(NodeLoad.of(4, 2)))).isEqualTo(NodeLoad.of(4, 2));
    assertThatThrownBy(() -> PoolJson.readNode("{\"node_id\": \"n\"}"))
        .isInstanceOf(PoolFormatException.class).hasMessage("node (node_id 'n'): endpoint is required");
  }
}
