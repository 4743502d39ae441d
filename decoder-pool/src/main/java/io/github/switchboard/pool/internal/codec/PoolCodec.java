package io.github.switchboard.pool.internal.codec;

import static io.github.switchboard.pool.internal.codec.PoolJsonReading.abbreviate;
import static io.github.switchboard.pool.internal.codec.PoolJsonReading.kind;
import static io.github.switchboard.pool.internal.codec.PoolJsonReading.optionalInt;
import static io.github.switchboard.pool.internal.codec.PoolJsonReading.optionalText;
import static io.github.switchboard.pool.internal.codec.PoolJsonReading.requiredText;
import static io.github.switchboard.pool.internal.codec.PoolJsonReading.stringList;
import static io.github.switchboard.pool.internal.codec.PoolJsonReading.uri;
import static io.github.switchboard.pool.internal.codec.PoolJsonReading.wholeNumber;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.NodeView;
import io.github.switchboard.pool.PoolFormatException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/*
 * Hand-mapped over Jackson's tree model instead of data binding, so that every error names the node index,
 * the field and the rule, unknown fields are ignored, and the runtime fields of the original's nodes
 * (healthy, load, uptime, hot_adapters) are read but never written into configuration.
 *
 * Formats (snake_case, the original's):
 *   pool file:   {"nodes": [NODE...], "ab_tests": [AB...]}   or the legacy bare list [NODE...]
 *   NODE:        {"node_id", "endpoint", "health_url"?, "status", "languages", "priority", "region"?,
 *                 "gpu_type"?, "capacity", "tags", "dynamic"? (true only for nodes registered at run time)}
 *   AB:          {"name", "is_active", "language_pair", "traffic_percentage", "control_group_tags",
 *                 "experiment_group_tags"}
 *   RUNTIME:     {"load", "inflight", "uptime"? (seconds), "hot_adapters", "last_heartbeat" (micros, 0=never)}
 *   LOAD:        {"load", "inflight"|"in_flight", "uptime"?, "hot_adapters"?}  (heartbeat/health body)
 */
/** Reads and writes pool JSON: the pool file, single nodes, runtime states, loads and A/B tests. */
public final class PoolCodec {
  /** The deepest nesting read (the pool file's deepest value, a node's tag, is at depth 4). */
  public static final int MAX_DEPTH = 32;
  /** The longest number read, in characters (a double needs 24). */
  public static final int MAX_NUMBER_LENGTH = 64;
  /** The longest field name read, in characters (the format's longest is 21). */
  public static final int MAX_NAME_LENGTH = 256;
  /** The longest string value read, in characters. */
  public static final int MAX_STRING_LENGTH = 64 * 1024;
  /** The largest single value read (a node, a load, a runtime state, an A/B test), in characters. */
  public static final int MAX_VALUE_LENGTH = 1024 * 1024;
  /** The largest pool file read, in characters. */
  public static final int MAX_DOCUMENT_LENGTH = 16 * 1024 * 1024;

  private static final ObjectMapper MAPPER = newMapper(MAX_VALUE_LENGTH);
  private static final ObjectMapper DOCUMENT_MAPPER = newMapper(MAX_DOCUMENT_LENGTH);
  private static final ObjectWriter PRETTY;
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  static {
    DefaultPrettyPrinter pp = new DefaultPrettyPrinter();
    pp.indentArraysWith(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
    PRETTY = MAPPER.writer(pp);
  }

  private PoolCodec() {}

  /**
   * Returns a new mapper that reads with this codec's limits ({@link #MAX_DEPTH}, {@link
   * #MAX_NUMBER_LENGTH}, {@link #MAX_NAME_LENGTH}, {@link #MAX_STRING_LENGTH} and the given total length),
   * for the other JSON the pool reads (change messages, journal lines, the runtime file).
   *
   * @param maxLength the largest document read, in characters (or bytes)
   * @return a mapper; reading past a limit throws {@link StreamConstraintsException}
   */
  public static ObjectMapper newMapper(long maxLength) {
    return newMapper(maxLength, MAX_STRING_LENGTH);
  }

  /**
   * Returns a new mapper like {@link #newMapper(long)} with another bound on string values, for JSON that
   * carries a value as a string (a change message's {@code data}, read by this codec afterwards).
   *
   * @param maxLength the largest document read, in characters (or bytes)
   * @param maxStringLength the longest string value read, in characters
   * @return a mapper; reading past a limit throws {@link StreamConstraintsException}
   */
  public static ObjectMapper newMapper(long maxLength, int maxStringLength) {
    StreamReadConstraints limits = StreamReadConstraints.builder()
        .maxNestingDepth(MAX_DEPTH)
        .maxNumberLength(MAX_NUMBER_LENGTH)
        .maxNameLength(MAX_NAME_LENGTH)
        .maxStringLength(maxStringLength)
        .maxDocumentLength(maxLength)
        .build();
    return JsonMapper.builder(JsonFactory.builder().streamReadConstraints(limits).build()).build();
  }

  /**
   * A node as stored by a backend, with whether it is configured.
   *
   * @param node the node
   * @param configured true for a configured node (no {@code "dynamic": true})
   */
  public record StoredNode(DecoderNode node, boolean configured) {}

  // ---------------------------------------------------------------------------------------------- document

  /**
   * Reads a pool file.
   *
   * @param json the file's bytes (UTF-8)
   * @param source a name for messages, such as the file name
   * @return the document
   * @throws PoolFormatException if the content is not JSON or a field breaks its rule
   */
  public static PoolDocument readDocument(byte[] json, String source) {
    if (json.length > MAX_DOCUMENT_LENGTH) {
      throw new PoolFormatException(
          source + ": too large: " + json.length + " bytes, the limit is " + MAX_DOCUMENT_LENGTH, null);
    }
    return readDocument(new String(json, StandardCharsets.UTF_8), source);
  }

  /**
   * Reads a pool file.
   *
   * @param json the file's text
   * @param source a name for messages, such as the file name
   * @return the document
   * @throws PoolFormatException if the content is not JSON or a field breaks its rule
   */
  public static PoolDocument readDocument(String json, String source) {
    if (json.isBlank()) {
      throw new PoolFormatException(
          source + ": the file is empty; expected {\"nodes\": [...], \"ab_tests\": [...]}", null);
    }
    JsonNode root = PoolJsonReading.parse(DOCUMENT_MAPPER, MAX_DOCUMENT_LENGTH, json, source);
    JsonNode nodesNode;
    JsonNode testsNode = null;
    boolean legacy;
    if (root.isArray()) {
      nodesNode = root;
      legacy = true;
    } else if (root.isObject()) {
      nodesNode = root.get("nodes");
      if (nodesNode == null || !nodesNode.isArray()) {
        throw new PoolFormatException(
            source + ": 'nodes' must be an array of nodes"
                + (nodesNode == null ? " and is missing" : ", was " + kind(nodesNode)), null);
      }
      testsNode = root.get("ab_tests");
      if (testsNode != null && !testsNode.isNull() && !testsNode.isArray()) {
        throw new PoolFormatException(
            source + ": 'ab_tests' must be an array of A/B tests, was " + kind(testsNode), null);
      }
      legacy = false;
    } else {
      throw new PoolFormatException(
          source + ": expected an object {\"nodes\": [...]} or a list of nodes, was " + kind(root), null);
    }
    List<DecoderNode> nodes = new ArrayList<>();
    Set<String> configured = new HashSet<>();
    Map<String, NodeLoad> runtime = new HashMap<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < nodesNode.size(); i++) {
      JsonNode n = nodesNode.get(i);
      String where = source + ": nodes[" + i + "]";
      StoredNode sn = storedNode(n, where);
      String id = sn.node().nodeId();
      Integer earlier = seen.putIfAbsent(id, i);
      if (earlier != null) {
        throw new PoolFormatException(
            where + ": node_id '" + id + "' appears twice (also nodes[" + earlier + "])", null);
      }
      nodes.add(sn.node());
      if (sn.configured()) {
        configured.add(id);
      }
      NodeLoad legacyLoad = legacyLoad(n);
      if (legacyLoad != null) {
        runtime.put(id, legacyLoad);
      }
    }
    List<AbTest> tests = new ArrayList<>();
    if (testsNode != null && !testsNode.isNull()) {
      Map<String, Integer> names = new HashMap<>();
      for (int i = 0; i < testsNode.size(); i++) {
        String where = source + ": ab_tests[" + i + "]";
        AbTest t = abTest(testsNode.get(i), where);
        Integer earlier = names.putIfAbsent(t.name(), i);
        if (earlier != null) {
          throw new PoolFormatException(
              where + ": name '" + t.name() + "' appears twice (also ab_tests[" + earlier + "])", null);
        }
        tests.add(t);
      }
    }
    return new PoolDocument(nodes, configured, tests, runtime, legacy);
  }

  /**
   * Writes a pool file: {@code {"nodes": [...], "ab_tests": [...]}}, pretty-printed, configuration only
   * (dynamic nodes carry {@code "dynamic": true}).
   *
   * @param doc the document
   * @return the UTF-8 bytes, ending with a newline
   */
  public static byte[] writeDocument(PoolDocument doc) {
    ObjectNode root = F.objectNode();
    ArrayNode nodes = root.putArray("nodes");
    for (DecoderNode n : doc.nodes()) {
      nodes.add(nodeJson(n, doc.configured().contains(n.nodeId())));
    }
    ArrayNode tests = root.putArray("ab_tests");
    for (AbTest t : doc.abTests()) {
      tests.add(abTestJson(t));
    }
    try {
      return (PRETTY.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write pool JSON", e);
    }
  }

  // ------------------------------------------------------------------------------------------------- nodes

  /**
   * Reads one node (an HTTP body); {@code dynamic} and runtime fields are ignored.
   *
   * @param json the JSON object
   * @return the node
   * @throws PoolFormatException if the content is not a valid node
   */
  public static DecoderNode readNode(String json) {
    return storedNode(parse(json, "node"), "node").node();
  }

  /**
   * Reads one node with its configured mark, as written by {@link #writeStoredNode(DecoderNode, boolean)}.
   *
   * @param json the JSON object
   * @return the node and whether it is configured
   * @throws PoolFormatException if the content is not a valid node
   */
  public static StoredNode readStoredNode(String json) {
    return storedNode(parse(json, "node"), "node");
  }

  /**
   * Writes one node (configuration only).
   *
   * @param node the node
   * @return compact JSON
   */
  public static String writeNode(DecoderNode node) {
    return compact(nodeJson(node, true));
  }

  /**
   * Writes one node with its configured mark ({@code "dynamic": true} when not configured).
   *
   * @param node the node
   * @param configured whether it is configured
   * @return compact JSON
   */
  public static String writeStoredNode(DecoderNode node, boolean configured) {
    return compact(nodeJson(node, configured));
  }

  /**
   * Writes a node with its runtime state, for listings ({@code GET /api/v1/decoders}).
   *
   * @param view the view
   * @return compact JSON
   */
  public static String writeView(NodeView view) {
    return compact(viewJson(view));
  }

  /**
   * Writes nodes with their runtime state as {@code {"nodes": [...]}}.
   *
   * @param views the views
   * @return compact JSON
   */
  public static String writeViews(List<NodeView> views) {
    ObjectNode root = F.objectNode();
    ArrayNode arr = root.putArray("nodes");
    for (NodeView v : views) {
      arr.add(viewJson(v));
    }
    return compact(root);
  }

  private static ObjectNode viewJson(NodeView view) {
    ObjectNode o = nodeJson(view.node(), true);
    NodeRuntime r = view.runtime();
    o.put("healthy", r.healthy());
    o.put("health", r.health().name().toLowerCase(java.util.Locale.ROOT));
    putLoad(o, r.load());
    r.lastHeartbeat().ifPresentOrElse(t -> o.put("last_heartbeat", t.toString()), () -> o.putNull("last_heartbeat"));
    o.put("configured", view.configured());
    o.put("fresh", view.fresh());
    o.put("selectable", view.selectable());
    return o;
  }

  private static ObjectNode nodeJson(DecoderNode n, boolean configured) {
    ObjectNode o = F.objectNode();
    o.put("node_id", n.nodeId());
    o.put("endpoint", n.endpoint().toString());
    n.healthUrl().ifPresent(u -> o.put("health_url", u.toString()));
    o.put("status", n.status().jsonName());
    ArrayNode langs = o.putArray("languages");
    n.languages().forEach(langs::add);
    o.put("priority", n.priority());
    n.region().ifPresent(r -> o.put("region", r));
    n.gpuType().ifPresent(g -> o.put("gpu_type", g));
    o.put("capacity", n.capacity());
    ArrayNode tags = o.putArray("tags");
    n.tags().forEach(tags::add);
    if (!configured) {
      o.put("dynamic", true);
    }
    return o;
  }

  private static StoredNode storedNode(@Nullable JsonNode n, String where) {
    if (n == null || !n.isObject()) {
      throw new PoolFormatException(where + ": a node must be a JSON object, was " + kind(n), null);
    }
    String id = null;
    try {
      id = requiredText(n, "node_id");
      String endpoint = requiredText(n, "endpoint");
      DecoderNode.Builder b = DecoderNode.builder(id, uri(endpoint, "endpoint"));
      String health = optionalText(n, "health_url");
      if (health != null) {
        b.healthUrl(uri(health, "health_url"));
      }
      String status = optionalText(n, "status");
      if (status != null) {
        b.status(NodeStatus.fromJson(status));
      }
      b.languages(stringList(n, "languages"));
      Integer priority = optionalInt(n, "priority");
      if (priority != null) {
        b.priority(priority);
      }
      b.region(optionalText(n, "region"));
      b.gpuType(optionalText(n, "gpu_type"));
      Integer capacity = optionalInt(n, "capacity");
      if (capacity != null) {
        b.capacity(capacity);
      }
      b.tags(stringList(n, "tags"));
      JsonNode dyn = n.get("dynamic");
      boolean dynamic = false;
      if (dyn != null && !dyn.isNull()) {
        if (!dyn.isBoolean()) {
          throw new IllegalArgumentException("dynamic must be true or false, was " + kind(dyn));
        }
        dynamic = dyn.booleanValue();
      }
      return new StoredNode(b.build(), !dynamic);
    } catch (PoolFormatException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      String label = id == null ? where : where + " (node_id '" + abbreviate(id) + "')";
      throw new PoolFormatException(label + ": " + e.getMessage(), e);
    }
  }

  private static @Nullable NodeLoad legacyLoad(JsonNode n) {
    if (!n.has("load") && !n.has("inflight") && !n.has("in_flight") && !n.has("uptime")
        && !n.has("hot_adapters")) {
      return null;
    }
    try {
      return loadFrom(n);
    } catch (IllegalArgumentException e) {
      return null; // runtime fields are advisory: a bad one is dropped, never fatal
    }
  }

  // ------------------------------------------------------------------------------------- runtime and load

  /**
   * Reads a load: a heartbeat body ({@code {"load": 12}}) or a health response; missing fields are 0.
   *
   * @param json the JSON object
   * @return the load
   * @throws PoolFormatException if the content is not an object or a field is invalid
   */
  public static NodeLoad readLoad(String json) {
    JsonNode n = parse(json, "load");
    if (!n.isObject()) {
      throw new PoolFormatException("load: expected a JSON object such as {\"load\": 12}, was " + kind(n), null);
    }
    try {
      return loadFrom(n);
    } catch (IllegalArgumentException e) {
      throw new PoolFormatException("load: " + e.getMessage(), e);
    }
  }

  /**
   * Reads the load signal of a health response, if it has one ({@code load} or {@code inflight}).
   *
   * @param body the response body
   * @return the load, empty if the body is not a JSON object with either field or is invalid
   */
  public static Optional<NodeLoad> readHealthLoad(String body) {
    if (body.length() > MAX_VALUE_LENGTH) {
      return Optional.empty();
    }
    try {
      JsonNode n = MAPPER.readTree(body);
      if (n == null || !n.isObject()
          || !(n.has("load") || n.has("inflight") || n.has("in_flight"))) {
        return Optional.empty();
      }
      return Optional.of(loadFrom(n));
    } catch (JsonProcessingException | IllegalArgumentException e) {
      return Optional.empty(); // the body is advisory: any failure means "no load signal"
    }
  }

  /**
   * Writes a load.
   *
   * @param load the load
   * @return compact JSON
   */
  public static String writeLoad(NodeLoad load) {
    ObjectNode o = F.objectNode();
    putLoad(o, load);
    return compact(o);
  }

  /**
   * Reads a runtime state as written by {@link #writeRuntime(NodeRuntime)}; its health is UNKNOWN.
   *
   * @param json the JSON object
   * @return the runtime state
   * @throws PoolFormatException if the content is invalid
   */
  public static NodeRuntime readRuntime(String json) {
    JsonNode n = parse(json, "runtime");
    if (!n.isObject()) {
      throw new PoolFormatException("runtime: expected a JSON object, was " + kind(n), null);
    }
    try {
      NodeLoad load = loadFrom(n);
      JsonNode hb = n.get("last_heartbeat");
      long micros = 0;
      if (hb != null && !hb.isNull()) {
        if (!hb.isIntegralNumber() || hb.longValue() < 0) {
          throw new IllegalArgumentException(
              "last_heartbeat must be microseconds since the epoch (a whole number >= 0), was " + kind(hb));
        }
        micros = hb.longValue();
      }
      return NodeRuntime.of(io.github.switchboard.pool.NodeHealth.UNKNOWN, load, micros);
    } catch (IllegalArgumentException e) {
      throw new PoolFormatException("runtime: " + e.getMessage(), e);
    }
  }

  /**
   * Writes a runtime state (without health, which is per instance).
   *
   * @param runtime the state
   * @return compact JSON
   */
  public static String writeRuntime(NodeRuntime runtime) {
    ObjectNode o = F.objectNode();
    putLoad(o, runtime.load());
    o.put("last_heartbeat", runtime.lastHeartbeatMicros());
    return compact(o);
  }

  private static void putLoad(ObjectNode o, NodeLoad load) {
    o.put("load", load.load());
    o.put("inflight", load.inFlight());
    load.uptime().ifPresent(u -> o.put("uptime", u.toNanos() / 1e9));
    ArrayNode hot = o.putArray("hot_adapters");
    load.hotAdapters().forEach(hot::add);
  }

  private static NodeLoad loadFrom(JsonNode n) {
    double load = 0;
    JsonNode l = n.get("load");
    if (l != null && !l.isNull()) {
      if (!l.isNumber()) {
        throw new IllegalArgumentException("load must be a number >= 0, was " + kind(l));
      }
      load = l.doubleValue();
    }
    int inFlight = 0;
    JsonNode f = n.has("inflight") ? n.get("inflight") : n.get("in_flight");
    if (f != null && !f.isNull()) {
      inFlight = wholeNumber(f, "inflight");
    }
    NodeLoad result = NodeLoad.of(load, inFlight);
    JsonNode up = n.get("uptime");
    if (up != null && !up.isNull()) {
      if (!up.isNumber() || up.doubleValue() < 0 || !Double.isFinite(up.doubleValue())) {
        throw new IllegalArgumentException("uptime must be a number of seconds >= 0, was " + kind(up));
      }
      result = result.withUptime(Duration.ofNanos((long) (up.doubleValue() * 1e9)));
    }
    List<String> hot = stringList(n, "hot_adapters");
    if (!hot.isEmpty()) {
      result = result.withHotAdapters(hot);
    }
    return result;
  }

  // ------------------------------------------------------------------------------------------- A/B tests

  /**
   * Reads one A/B test.
   *
   * @param json the JSON object
   * @return the test
   * @throws PoolFormatException if the content is not a valid test
   */
  public static AbTest readAbTest(String json) {
    return abTest(parse(json, "ab_test"), "ab_test");
  }

  /**
   * Writes one A/B test.
   *
   * @param test the test
   * @return compact JSON
   */
  public static String writeAbTest(AbTest test) {
    return compact(abTestJson(test));
  }

  private static ObjectNode abTestJson(AbTest t) {
    ObjectNode o = F.objectNode();
    o.put("name", t.name());
    o.put("is_active", t.active());
    o.put("language_pair", t.languagePair());
    double pct = t.trafficPercentage();
    if (pct == Math.rint(pct)) {
      o.put("traffic_percentage", (int) pct);
    } else {
      o.put("traffic_percentage", pct);
    }
    ArrayNode c = o.putArray("control_group_tags");
    t.controlGroupTags().forEach(c::add);
    ArrayNode e = o.putArray("experiment_group_tags");
    t.experimentGroupTags().forEach(e::add);
    return o;
  }

  private static AbTest abTest(@Nullable JsonNode n, String where) {
    if (n == null || !n.isObject()) {
      throw new PoolFormatException(where + ": an A/B test must be a JSON object, was " + kind(n), null);
    }
    String name = null;
    try {
      name = requiredText(n, "name");
      JsonNode active = n.get("is_active");
      boolean isActive = true;
      if (active != null && !active.isNull()) {
        if (!active.isBoolean()) {
          throw new IllegalArgumentException("is_active must be true or false, was " + kind(active));
        }
        isActive = active.booleanValue();
      }
      String pair = requiredText(n, "language_pair");
      JsonNode pct = n.get("traffic_percentage");
      if (pct == null || pct.isNull()) {
        throw new IllegalArgumentException("traffic_percentage is required (a number from 0 to 100)");
      }
      if (!pct.isNumber()) {
        throw new IllegalArgumentException(
            "traffic_percentage must be a number from 0 to 100, was " + kind(pct));
      }
      return new AbTest(name, isActive, pair, pct.doubleValue(), stringList(n, "control_group_tags"),
          stringList(n, "experiment_group_tags"));
    } catch (PoolFormatException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      String label = name == null ? where : where + " (name '" + abbreviate(name) + "')";
      throw new PoolFormatException(label + ": " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------------------------------------ helpers

  private static JsonNode parse(String json, String source) {
    return PoolJsonReading.parse(MAPPER, MAX_VALUE_LENGTH, json, source);
  }

  private static String compact(JsonNode n) {
    try {
      return MAPPER.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write pool JSON", e);
    }
  }
}
