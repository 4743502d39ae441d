package io.github.switchboard.pool.internal.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeHealth;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.internal.index.ClassTree;
import io.github.switchboard.pool.internal.index.CostCursor;
import io.github.switchboard.pool.internal.index.NodeRecord;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** The snapshot's runtime states by slot agree with plain maps through any sequence of changes. */
class PoolSnapshotRuntimeTest {
  private static final String[] LANGUAGES = {"en", "es", "de"};

  private static DecoderNode node(String id, Random r) {
    DecoderNode.Builder b = DecoderNode.builder(id, URI.create("http://" + id + ".test:8001"));
    if (r.nextBoolean()) {
      b.languages(LANGUAGES[r.nextInt(3)], LANGUAGES[r.nextInt(3)]);
    }
    return b.build();
  }

  @Property(tries = 200)
  void runtimeStatesFollowAMapModel(@ForAll long seed) {
    Random r = new Random(seed);
    int ids = 1 + r.nextInt(r.nextBoolean() ? 40 : 1_500);
    PoolSnapshot s = PoolSnapshot.EMPTY;
    Map<String, DecoderNode> nodes = new HashMap<>();
    Map<String, NodeRuntime> runtime = new HashMap<>();
    Set<String> configured = new HashSet<>();
    if (r.nextBoolean()) { // start from a bulk snapshot, as a store's reload does
      for (int i = 0; i < ids / 2; i++) {
        String id = "n" + r.nextInt(ids);
        nodes.put(id, node(id, r));
        if (r.nextBoolean()) {
          runtime.put(id, NodeRuntime.of(NodeHealth.UNKNOWN, NodeLoad.of(r.nextInt(50)), 1 + r.nextInt(1000)));
        }
      }
      Map<String, NodeRuntime> withStranger = new HashMap<>(runtime);
      withStranger.put("stranger", NodeRuntime.INITIAL); // dropped: not a node
      s = PoolSnapshot.of(1, nodes, withStranger, Map.of(), Set.of());
    }
    for (int step = 0; step < 300; step++) {
      String id = "n" + r.nextInt(ids);
      long rev = s.revision() + 1;
      switch (r.nextInt(10)) {
        case 0, 1 -> {
          DecoderNode n = node(id, r);
          boolean mark = r.nextBoolean();
          s = s.withNode(rev, n, mark);
          nodes.put(id, n);
          if (mark) {
            configured.add(id);
          }
        }
        case 2 -> {
          s = s.withoutNode(rev, id);
          nodes.remove(id);
          runtime.remove(id);
          configured.remove(id);
        }
        case 3 -> {
          NodeStatus status = NodeStatus.values()[r.nextInt(NodeStatus.values().length)];
          s = s.withStatus(rev, id, status);
          nodes.computeIfPresent(id, (k, n) -> n.withStatus(status));
        }
        case 4 -> s = s.withAbTest(rev, new AbTest("t" + r.nextInt(3), true, "en-es", 10, List.of(), List.of("x")));
        case 5 -> { // a pull's batch of heartbeats, unknown and repeated ids included
          int n = r.nextInt(40);
          String[] batchIds = new String[n];
          NodeRuntime[] states = new NodeRuntime[n];
          for (int k = 0; k < n; k++) {
            batchIds[k] = "n" + r.nextInt(ids);
            states[k] = NodeRuntime.of(r.nextInt(8) == 0 ? NodeHealth.UNHEALTHY : NodeHealth.UNKNOWN,
                NodeLoad.of(r.nextInt(50)).withHotAdapters(r.nextBoolean() ? List.of("a") : List.of()),
                1 + r.nextInt(1000));
            if (nodes.containsKey(batchIds[k])) {
              runtime.put(batchIds[k], states[k]);
            }
          }
          s = s.withRuntimes(rev, batchIds, states, n);
        }
        default -> {
          NodeRuntime state = NodeRuntime.of(NodeHealth.UNKNOWN, NodeLoad.of(r.nextInt(50)), 1 + r.nextInt(1000));
          s = s.withRuntime(rev, id, state);
          if (nodes.containsKey(id)) {
            runtime.put(id, state);
          }
        }
      }
      if (step % 25 == 0 || step == 299) {
        check(s, nodes, runtime, configured, ids);
      }
    }
  }

  private static void check(PoolSnapshot s, Map<String, DecoderNode> nodes, Map<String, NodeRuntime> runtime,
      Set<String> configured, int ids) {
    assertThat(s.nodes()).isEqualTo(nodes);
    assertThat(s.runtime()).isEqualTo(runtime).hasSize(runtime.size());
    assertThat(runtime).isEqualTo(s.runtime());
    assertThat(s.runtime().hashCode()).isEqualTo(runtime.hashCode());
    assertThat(new ArrayList<>(s.runtime().keySet())).isSorted(); // in id order
    assertThat(s.configured()).isEqualTo(configured);
    for (int i = 0; i < ids; i++) {
      String id = "n" + i;
      assertThat(s.runtime().containsKey(id)).isEqualTo(runtime.containsKey(id));
      assertThat(s.runtime().get(id)).isEqualTo(runtime.get(id));
      assertThat(s.runtimeOf(id)).isEqualTo(runtime.getOrDefault(id, NodeRuntime.INITIAL));
    }
    assertThat(s.runtime().get("stranger")).isNull();
    List<DecoderNode> sorted = s.sortedNodes();
    assertThat(sorted).containsExactlyElementsOf(new TreeMap<>(nodes).values());
    assertThat(new ArrayList<>(s.nodes().keySet())).isSorted(); // in id order
    for (DecoderNode n : sorted) { // each node's record sits at its slot
      NodeRecord rec = s.record(n.nodeId());
      assertThat(rec).isNotNull();
      assertThat(s.recordAt(rec.slot())).isSameAs(rec);
      assertThat(rec.node()).isSameAs(n);
      assertThat(rec.runtime()).isEqualTo(runtime.get(n.nodeId()));
    }
    for (int i = 1; i < sorted.size(); i++) { // labels follow the id order
      assertThat(s.record(sorted.get(i).nodeId()).label()).isGreaterThan(s.record(sorted.get(i - 1).nodeId()).label());
    }
    // the index follows the changes: every node in id order, the eligible ones by (cost, id)
    assertThat(walk(s.index().byId(), -1L)).containsExactlyElementsOf(new TreeMap<>(nodes).keySet());
    List<String> byCost = sorted.stream().filter(n -> s.record(n.nodeId()).eligible())
        .sorted(java.util.Comparator.comparingDouble((DecoderNode n) -> s.record(n.nodeId()).cost())
            .thenComparing(DecoderNode::nodeId))
        .map(DecoderNode::nodeId).toList();
    CostCursor c = new CostCursor();
    c.start(s.index().byCost(), -1L);
    List<String> walked = new ArrayList<>();
    while (c.advance()) {
      walked.add(s.recordAt(c.slot()).id());
    }
    assertThat(walked).containsExactlyElementsOf(byCost);
    long serving = s.index().classes().servingPair("en", "es");
    List<String> servingIds = sorted.stream().filter(n -> n.servesPair("en", "es")).map(DecoderNode::nodeId).toList();
    assertThat(walk(s.index().byId(), serving)).containsExactlyElementsOf(servingIds);
    assertThat(s.index().byId().count(serving)).isEqualTo(servingIds.size());
  }

  private static List<String> walk(ClassTree t, long mask) {
    ClassTree.Cursor c = new ClassTree.Cursor();
    c.start(t, mask);
    List<String> out = new ArrayList<>();
    for (ClassTree.Entry e = c.next(); e != null; e = c.next()) {
      out.add(e.id());
    }
    return out;
  }

  /** Nodes inserted again and again between the same two neighbours close the gap: labels are spread again. */
  @Test
  void labelsStayInIdOrderWhenTheirGapCloses() {
    PoolSnapshot s = PoolSnapshot.EMPTY;
    Map<String, DecoderNode> nodes = new HashMap<>();
    Random r = new Random(4);
    String between = "b";
    for (String id : new String[] {"a", "c"}) {
      DecoderNode n = node(id, r);
      s = s.withNode(s.revision() + 1, n, false);
      nodes.put(id, n);
    }
    for (int i = 0; i < 100; i++) { // "b", "bb", "bbb"... all between "a" and "c", each after the last one
      DecoderNode n = node(between, r);
      s = s.withNode(s.revision() + 1, n, false);
      s = s.withRuntime(s.revision() + 1, between, NodeRuntime.of(NodeHealth.UNKNOWN, NodeLoad.of(1), 5));
      nodes.put(between, n);
      between = between + "b";
    }
    assertThat(s.nodes()).isEqualTo(nodes);
    List<DecoderNode> sorted = s.sortedNodes();
    for (int i = 1; i < sorted.size(); i++) {
      assertThat(s.record(sorted.get(i).nodeId()).label()).isGreaterThan(s.record(sorted.get(i - 1).nodeId()).label());
    }
    assertThat(s.runtimeOf("bbb").load()).isEqualTo(NodeLoad.of(1)); // kept through the new labels
  }

  @Test
  void theRuntimeMapIsReadOnly() {
    PoolSnapshot s = PoolSnapshot.EMPTY.withNode(1, DecoderNode.builder("a", URI.create("http://a:1")).build(), false)
        .withRuntime(2, "a", NodeRuntime.INITIAL.withLoad(NodeLoad.of(3)));
    Map<String, NodeRuntime> m = s.runtime();
    assertThatThrownBy(() -> m.put("a", NodeRuntime.INITIAL)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> m.remove("a")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(m::clear).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> m.keySet().iterator().remove()).isInstanceOf(UnsupportedOperationException.class);
    assertThat(m).containsOnlyKeys("a");
    assertThat(Map.copyOf(m)).isEqualTo(m);
  }

  @Test
  void aHeartbeatKeepsTheIndexAndTheSortedNodes() {
    DecoderNode a = DecoderNode.builder("a", URI.create("http://a:1")).build();
    PoolSnapshot s = PoolSnapshot.EMPTY.withNode(1, a, false);
    ClassTree before = s.index().byId();
    List<DecoderNode> sorted = s.sortedNodes();
    PoolSnapshot next = s.withRuntime(2, "a", NodeRuntime.INITIAL.withLoad(NodeLoad.of(3)));
    assertThat(next.index().byId()).isSameAs(before); // the nodes in id order did not move
    assertThat(next.sortedNodes()).isSameAs(sorted);
    assertThat(s.runtimeOf("a")).isSameAs(NodeRuntime.INITIAL); // the older snapshot is unchanged
    assertThat(next.runtimeOf("a").load()).isEqualTo(NodeLoad.of(3));
  }
}
