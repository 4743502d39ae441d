package io.github.switchboard.pool.internal.select;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeHealth;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.NodeView;
import io.github.switchboard.pool.RoutingRequest;
import io.github.switchboard.pool.Selection;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * Selection on the indexes, over fleet-shaped pools (few classes of nodes, many nodes) reached by the
 * changes a store applies (registrations, status changes, heartbeats with hot adapters, recorded
 * health, removals), with stale nodes: the indexes answer (the scan is not used), and the answer (node,
 * alternatives, reasons, A/B test and group, and the random numbers drawn) is the reference selector's.
 */
class IndexedSelectionTest {
  private static final String[] REGIONS = {"us", "eu"};
  private static final String[] TAGS = {"stable", "exp"};
  private static final String[] ADAPTERS = {"legal", "medical", "chat"};
  private static final long NOW = 10_000_000_000L;
  private static final long STALE = 30_000_000L;

  private static DecoderNode node(String id, Random r) {
    DecoderNode.Builder b = DecoderNode.builder(id, URI.create("http://" + id + ".test:8001"))
        .region(REGIONS[r.nextInt(REGIONS.length)])
        .tags(TAGS[r.nextInt(TAGS.length)])
        .priority(r.nextInt(4) == 0 ? 1 : 0)
        .capacity(r.nextBoolean() ? 100 : 50);
    if (r.nextInt(4) == 0) {
      b.languages("en", "de"); // does not serve en->es
    }
    return b.build();
  }

  private static NodeRuntime beat(Random r, boolean stale) {
    NodeLoad load = NodeLoad.of(r.nextInt(20), r.nextInt(5) == 0 ? r.nextInt(30) : 0);
    List<String> hot = new ArrayList<>();
    for (String a : ADAPTERS) {
      if (r.nextInt(3) == 0) {
        hot.add(a);
      }
    }
    NodeHealth health = r.nextInt(30) == 0 ? NodeHealth.UNHEALTHY : NodeHealth.UNKNOWN;
    long at = stale ? NOW - STALE - r.nextInt(1_000_000) : NOW - r.nextInt((int) STALE);
    return NodeRuntime.of(health, load.withHotAdapters(hot), at);
  }

  /** A pool reached by a random sequence of changes, with up to {@code stale} nodes gone stale. */
  private static PoolSnapshot fleet(Random r, int size, int stale) {
    PoolSnapshot s = PoolSnapshot.EMPTY;
    for (int step = 0; step < size * 3; step++) {
      String id = "n" + r.nextInt(size);
      long rev = s.revision() + 1;
      int op = r.nextInt(20);
      if (op < 6 || s.node(id) == null) {
        s = s.withNode(rev, node(id, r), r.nextInt(10) == 0);
      } else if (op < 8) {
        s = s.withStatus(rev, id, r.nextInt(3) == 0 ? NodeStatus.DRAINING : NodeStatus.ACTIVE);
      } else if (op < 9) {
        s = s.withoutNode(rev, id);
      } else if (op < 11) { // a pull: many heartbeats as one batch
        int n = r.nextInt(50);
        String[] ids = new String[n];
        NodeRuntime[] states = new NodeRuntime[n];
        for (int k = 0; k < n; k++) {
          ids[k] = "n" + r.nextInt(size);
          states[k] = beat(r, false);
        }
        s = s.withRuntimes(rev, ids, states, n);
      } else {
        s = s.withRuntime(rev, id, beat(r, false));
      }
    }
    List<DecoderNode> nodes = s.sortedNodes();
    for (int i = 0; i < stale && !nodes.isEmpty(); i++) {
      String id = nodes.get(r.nextInt(nodes.size())).nodeId();
      s = s.withRuntime(s.revision() + 1, id, beat(r, true));
    }
    return s;
  }

  @Property(tries = 150)
  void theIndexesAnswerAsTheReferenceDoes(@ForAll long seed) {
    Random r = new Random(seed);
    int size = 1 + r.nextInt(r.nextBoolean() ? 40 : 2_000);
    PoolSnapshot s = fleet(r, size, r.nextInt(3) == 0 ? 0 : r.nextInt(SelectionScratch.MAX_STALE / 2));
    if (r.nextBoolean()) {
      s = s.withAbTest(s.revision() + 1, new AbTest("t", true, "en-es", r.nextInt(101),
          List.of(TAGS[r.nextInt(2)]), r.nextBoolean() ? List.of() : List.of(TAGS[r.nextInt(2)])));
    }
    for (int q = 0; q < 30; q++) {
      RoutingRequest req = RoutingRequest.of("en", r.nextInt(5) == 0 ? "de" : "es");
      if (r.nextBoolean()) {
        req = req.preferRegion(REGIONS[r.nextInt(2)]);
      }
      if (r.nextInt(4) == 0) {
        req = req.requireTags(TAGS[r.nextInt(2)]);
      }
      if (r.nextBoolean()) {
        req = req.preferAdapter(ADAPTERS[r.nextInt(3)]);
      }
      if (r.nextInt(4) == 0) {
        req = req.affinityKey("user-" + r.nextInt(100));
      }
      assertThat(IndexedSelection.count(s, req, null, NOW, STALE, new SelectionScratch()))
          .as("the indexes answer for %s", s).isTrue();
      compare(s, req, r.nextLong());
    }
  }

  /** More stale nodes than the indexes skip one by one: the scan answers, the same way. */
  @Test
  void manyStaleNodesLeaveItToTheScan() {
    Random r = new Random(3);
    PoolSnapshot s = fleet(r, 500, 0);
    for (DecoderNode n : s.sortedNodes()) {
      s = s.withRuntime(s.revision() + 1, n.nodeId(), beat(r, r.nextInt(4) == 0));
    }
    RoutingRequest req = RoutingRequest.of("en", "es").preferRegion("us");
    assertThat(IndexedSelection.count(s, req, null, NOW, STALE, new SelectionScratch())).isFalse();
    for (int q = 0; q < 20; q++) {
      compare(s, req, q);
    }
  }

  /** Nodes all different (more classes than masks hold): the scan answers, the same way. */
  @Test
  void aPoolOfManyClassesIsLeftToTheScan() {
    PoolSnapshot s = PoolSnapshot.EMPTY;
    for (int i = 0; i < 200; i++) {
      s = s.withNode(i + 1, DecoderNode.builder("n" + i, URI.create("http://n" + i + ".test:8001"))
          .tags("t" + (i % 100)).build(), false);
    }
    RoutingRequest req = RoutingRequest.of("en", "es");
    assertThat(IndexedSelection.count(s, req, null, NOW, STALE, new SelectionScratch())).isFalse();
    compare(s, req, 1);
    for (int i = 0; i < 200; i++) { // the classes emptied: their ids are reused, the indexes answer again
      s = s.withNode(s.revision() + 1, s.node("n" + i).toBuilder().tags("t" + (i % 3)).build(), false);
    }
    assertThat(IndexedSelection.count(s, req, null, NOW, STALE, new SelectionScratch())).isTrue();
    compare(s, req, 2);
  }

  private static void compare(PoolSnapshot s, RoutingRequest req, long drawSeed) {
    Random fastDraws = new Random(drawSeed);
    Random refDraws = new Random(drawSeed);
    int[] drawn = new int[2];
    Optional<Selection> fast = Selector.select(s, req, NOW, STALE, null, () -> {
      drawn[0]++;
      return fastDraws.nextDouble();
    });
    Optional<Selection> ref = ReferenceSelector.select(views(s, req), s.nodes().size(), s.abTests().values(), req,
        () -> {
          drawn[1]++;
          return refDraws.nextDouble();
        });
    // the node, the alternatives and the reasons (Selection's string), the A/B test and group, the draws
    assertThat(fast.map(f -> List.of(f.toString(), f.node(), f.alternatives(), f.abTest(), f.abGroup())))
        .as("selection for %s", req)
        .isEqualTo(ref.map(e -> List.of(e.toString(), e.node(), e.alternatives(), e.abTest(), e.abGroup())));
    assertThat(drawn[0]).as("draws for %s", req).isEqualTo(drawn[1]);
  }

  /** The nodes that serve the request's pair, in id order, with their recorded state (no health checks). */
  private static List<NodeView> views(PoolSnapshot s, RoutingRequest req) {
    List<NodeView> out = new ArrayList<>();
    for (DecoderNode n : s.sortedNodes()) {
      if (n.servesPair(req.sourceLanguage(), req.targetLanguage())) {
        NodeRuntime rt = s.runtimeOf(n.nodeId());
        boolean fresh = !rt.hasHeartbeat() || NOW - rt.lastHeartbeatMicros() < STALE;
        out.add(new NodeView(n, rt, s.isConfigured(n.nodeId()), fresh));
      }
    }
    return out;
  }
}
