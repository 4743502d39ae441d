package io.github.switchboard.pool.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.Topology;
import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeHealth;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.internal.codec.PoolCodec;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import io.github.switchboard.pool.internal.store.PoolChange;
import io.lettuce.core.ScriptOutputType;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rules of a change live in Java ({@link PoolChange}) and in {@code pool_apply.lua}: every kind of
 * change, from one starting pool, must give the same result, the same "changed or not" and the same pool.
 */
class PoolChangeLuaAgreementTest {
  @RegisterExtension static RedisExtension<RedisDeployment> redis = RedisExtension.shared(Topology.STANDALONE);

  private static final String PREFIX = RedisPoolStore.keyPrefix("agree");
  private static final String[] KEYS = {
    PREFIX + "nodes", PREFIX + "state", PREFIX + "abtests", PREFIX + "rev", PREFIX + "updated",
    PREFIX + "heartbeats"
  };
  private static final String[] SEED_KEYS = {KEYS[0], KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], PREFIX + "epoch"};
  private static final String[] SNAPSHOT_KEYS = {KEYS[0], KEYS[1], KEYS[2], KEYS[3], PREFIX + "epoch"};
  private static RedisConnection connection;

  private static DecoderNode node(String id) {
    return DecoderNode.builder(id, URI.create("http://" + id + ".test:8001")).languages("en", "es").build();
  }

  private static final AbTest TEST = new AbTest("t", true, "en-es", 10, List.of(), List.of("x"));

  /**
   * Dynamic "a" and configured "p" with heartbeats at 1000, dynamic "q" that never sent one, dynamic "r"
   * drained by an operator, A/B test "t".
   */
  private static PoolSnapshot start() {
    Map<String, DecoderNode> nodes = Map.of("a", node("a"), "p", node("p"), "q", node("q"),
        "r", node("r").toBuilder().status(NodeStatus.DRAINING).build());
    Map<String, NodeRuntime> runtime = Map.of(
        "a", NodeRuntime.of(NodeHealth.UNKNOWN, NodeLoad.of(3), 1000),
        "p", NodeRuntime.of(NodeHealth.UNKNOWN, NodeLoad.of(4), 1000));
    return PoolSnapshot.of(1, nodes, runtime, Map.of("t", TEST), Set.of("p"));
  }

  static List<PoolChange> changes() {
    return List.of(
        new PoolChange.Upsert(node("n"), false),
        new PoolChange.Upsert(node("n"), true),
        new PoolChange.Upsert(node("a"), false),
        new PoolChange.Upsert(node("a").toBuilder().capacity(7).build(), false),
        new PoolChange.Upsert(node("a"), true),
        new PoolChange.Upsert(node("p"), false),
        new PoolChange.Upsert(node("p").toBuilder().region("eu-west-1").build(), false),
        new PoolChange.Upsert(node("r"), false), // the operator's drain survives re-registration
        new PoolChange.Upsert(node("r").toBuilder().capacity(5).build(), false),
        new PoolChange.Upsert(node("r").toBuilder().status(NodeStatus.MAINTENANCE).build(), false),
        new PoolChange.Upsert(node("a").toBuilder().status(NodeStatus.INACTIVE).build(), false),
        new PoolChange.Remove("a"),
        new PoolChange.Remove("p"),
        new PoolChange.Remove("ghost"),
        new PoolChange.Evict("a", 2000),
        new PoolChange.Evict("a", 1000),
        new PoolChange.Evict("p", 2000),
        new PoolChange.Evict("q", 2000),
        new PoolChange.Evict("ghost", 2000),
        new PoolChange.Heartbeat("a", NodeLoad.of(9, 2), 3000),
        new PoolChange.Heartbeat("q", NodeLoad.of(1), 3000),
        new PoolChange.Heartbeat("ghost", NodeLoad.of(1), 3000),
        new PoolChange.SetStatus("a", NodeStatus.DRAINING),
        new PoolChange.SetStatus("a", NodeStatus.ACTIVE),
        new PoolChange.SetStatus("p", NodeStatus.MAINTENANCE),
        new PoolChange.SetStatus("ghost", NodeStatus.DRAINING),
        new PoolChange.PutAbTest(new AbTest("u", true, "en-fr", 50, List.of("stable"), List.of("y"))),
        new PoolChange.PutAbTest(TEST),
        new PoolChange.PutAbTest(TEST.withActive(false)),
        new PoolChange.RemoveAbTest("t"),
        new PoolChange.RemoveAbTest("ghost"));
  }

  @BeforeAll
  static void open() {
    connection = RedisConnection.open(redis.deployment().target(), redis.deployment().options(), "agreement");
  }

  @AfterAll
  static void close() {
    connection.close();
  }

  private static <T> T sync(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static void seed(PoolSnapshot s) throws Exception {
    List<String> args = new ArrayList<>(List.of(PREFIX + "events", Integer.toString(s.nodes().size())));
    for (DecoderNode n : s.sortedNodes()) {
      args.add(n.nodeId());
      args.add(PoolCodec.writeStoredNode(n, s.isConfigured(n.nodeId())));
    }
    args.add(Integer.toString(s.runtime().size()));
    for (Map.Entry<String, NodeRuntime> e : s.runtime().entrySet()) {
      args.add(e.getKey());
      args.add(PoolCodec.writeRuntime(e.getValue()));
      args.add(Long.toString(e.getValue().lastHeartbeatMicros()));
    }
    args.add(Integer.toString(s.abTests().size()));
    for (AbTest t : s.sortedAbTests()) {
      args.add(t.name());
      args.add(PoolCodec.writeAbTest(t));
    }
    Long rev = sync(connection.<Long>eval(RedisPoolStore.SEED, ScriptOutputType.INTEGER, SEED_KEYS,
        args.toArray(new String[0])));
    assertThat(rev).isPositive();
  }

  /** What Redis holds, in the form the Java side compares: nodes with marks configured, heartbeats, A/B tests. */
  private static Map<String, Object> state(Map<String, DecoderNode> nodes, Set<String> configured,
      Map<String, NodeRuntime> runtime, Map<String, AbTest> tests) {
    Map<String, Object> out = new TreeMap<>();
    nodes.forEach((id, n) -> out.put("node " + id, n + (configured.contains(id) ? " configured" : " dynamic")));
    runtime.forEach((id, r) -> {
      if (nodes.containsKey(id) && r.hasHeartbeat()) {
        out.put("heartbeat " + id, r.lastHeartbeatMicros() + " " + r.load());
      }
    });
    tests.forEach((name, t) -> out.put("test " + name, t));
    return out;
  }

  private static Map<String, String> hash(Object flat) {
    Map<String, String> m = new HashMap<>();
    List<?> l = (List<?>) flat;
    for (int i = 0; i + 1 < l.size(); i += 2) {
      m.put(String.valueOf(l.get(i)), String.valueOf(l.get(i + 1)));
    }
    return m;
  }

  private static Map<String, Object> redisState() throws Exception {
    List<Object> out = sync(RedisPoolPages.read(connection, SNAPSHOT_KEYS)); // the stores' full read
    Map<String, DecoderNode> nodes = new HashMap<>();
    Set<String> configured = new HashSet<>();
    hash(out.get(1)).forEach((id, json) -> {
      PoolCodec.StoredNode sn = PoolCodec.readStoredNode(json);
      nodes.put(id, sn.node());
      if (sn.configured()) {
        configured.add(id);
      }
    });
    Map<String, NodeRuntime> runtime = new HashMap<>();
    hash(out.get(2)).forEach((id, json) -> runtime.put(id, PoolCodec.readRuntime(json)));
    Map<String, AbTest> tests = new HashMap<>();
    hash(out.get(3)).forEach((name, json) -> tests.put(name, PoolCodec.readAbTest(json)));
    return state(nodes, configured, runtime, tests);
  }

  @ParameterizedTest
  @MethodSource("changes")
  void javaAndLuaAgree(PoolChange change) throws Exception {
    redis.deployment().flushAll();
    PoolSnapshot before = start();
    seed(before);

    List<Object> lua = sync(connection.<List<Object>>eval(RedisPoolStore.APPLY, ScriptOutputType.MULTI, KEYS,
        PREFIX + "events", "live", change.op(), change.id(), change.a(), change.b(), "5000"));
    if (change instanceof PoolChange.Heartbeat h && ((Number) lua.get(1)).intValue() == 1) {
      // a live heartbeat's time is Redis's TIME (issue 9), not the caller's: Java applies the same time
      long beat = sync(connection.commands().zscore(KEYS[5], h.id())).longValue();
      assertThat(beat).as("Redis TIME of %s", change)
          .isCloseTo(System.currentTimeMillis() * 1000, org.assertj.core.data.Offset.offset(60_000_000L));
      change = new PoolChange.Heartbeat(h.id(), h.load(), beat);
    }
    PoolChange.Outcome java = change.applyTo(before, before.revision() + 1);
    boolean luaResult = ((Number) lua.get(1)).intValue() == 1;
    boolean luaChanged = !String.valueOf(lua.get(2)).isEmpty();

    assertThat(luaResult).as("result of %s", change).isEqualTo(java.result());
    assertThat(luaChanged).as("whether %s changes the pool", change).isEqualTo(java.event() != null);
    PoolSnapshot after = java.snapshot();
    assertThat(redisState()).as("the pool after %s", change)
        .isEqualTo(state(after.nodes(), after.configured(), after.runtime(), after.abTests()));
    if (luaChanged) {
      // what Redis published reads back as the same change, with the same effect
      PoolChange published = PoolChange.fromMessage(change.op(), change.id(),
          messageData(String.valueOf(lua.get(2))));
      PoolChange.Outcome again = published.applyTo(before, before.revision() + 1);
      assertThat(again.event()).isEqualTo(java.event());
      assertThat(state(again.snapshot().nodes(), again.snapshot().configured(), again.snapshot().runtime(),
          again.snapshot().abTests())).isEqualTo(state(after.nodes(), after.configured(), after.runtime(),
          after.abTests()));
    }
  }

  private static String messageData(String message) throws Exception {
    com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(message);
    com.fasterxml.jackson.databind.JsonNode data = n.get("data");
    return data == null || data.isNull() ? "" : data.asText();
  }
}
