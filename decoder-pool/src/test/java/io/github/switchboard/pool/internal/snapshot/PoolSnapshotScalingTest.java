package io.github.switchboard.pool.internal.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeHealth;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.NodeStatus;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * A change of a snapshot costs O(log n), not O(n): the bytes one change allocates (measured per thread,
 * which is exact and does not depend on the machine's speed) barely grow from a pool of 1,000 nodes to
 * one of 10,000; copying the node map, as snapshots did before issue 23, allocated ten times as much at
 * 10,000 nodes as at 1,000. And a snapshot reached by changes is equal to one built at once, while every
 * older snapshot stays as it was.
 */
class PoolSnapshotScalingTest {
  private static final int NODES = 10_000;
  private static final String[] REGIONS = {"us-east-1", "eu-west-1", "ap-south-1"};

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private static long allocated() {
    return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  private static DecoderNode node(int i, Random r) {
    return DecoderNode.builder("node-" + Integer.toHexString(i * 0x9E3779B1), URI.create("http://n" + i + ".test:8001"))
        .region(REGIONS[r.nextInt(REGIONS.length)]).tags(r.nextBoolean() ? "stable" : "exp")
        .languages("en", "es", "de").build();
  }

  /** The bytes allocated by the changes {@code from} (inclusive) to {@code to}, one change per index. */
  private static long bytes(int from, int to, IntFunction<Object> change) {
    long before = allocated();
    for (int i = from; i < to; i++) {
      change.apply(i);
    }
    return allocated() - before;
  }

  @Test
  void aChangeAllocatesAboutTheSameAt1000And10000Nodes() {
    assertThat(THREADS.isThreadAllocatedMemorySupported()).isTrue();
    THREADS.setThreadAllocatedMemoryEnabled(true);
    Random r = new Random(5);
    DecoderNode[] nodes = new DecoderNode[NODES];
    NodeRuntime[] beats = new NodeRuntime[NODES];
    for (int i = 0; i < NODES; i++) {
      nodes[i] = node(i, r);
      beats[i] = NodeRuntime.of(NodeHealth.UNKNOWN, NodeLoad.of(r.nextInt(100))
          .withHotAdapters(r.nextBoolean() ? List.of("legal") : List.of()), 1_000_000 + i);
    }
    PoolSnapshot[] s = {PoolSnapshot.EMPTY};
    IntFunction<Object> register = i -> s[0] = s[0].withNode(s[0].revision() + 1, nodes[i], false);
    IntFunction<Object> beat = i -> s[0] = s[0].withRuntime(s[0].revision() + 1, nodes[i % 1_000].nodeId(), beats[i]);
    IntFunction<Object> drain = i -> s[0] = s[0].withStatus(s[0].revision() + 1, nodes[i % 1_000].nodeId(),
        i % 2 == 0 ? NodeStatus.DRAINING : NodeStatus.ACTIVE);

    bytes(0, 1_000, register); // warm up, and a pool of 1,000
    long beatsSmall = bytes(0, 1_000, beat);
    long drainsSmall = bytes(0, 1_000, drain);
    long registrationsSmall = bytes(1_000, 2_000, register);
    bytes(2_000, 9_000, register);
    long beatsLarge = bytes(9_000, 10_000, beat); // a pool of 9,000
    long drainsLarge = bytes(0, 1_000, drain);
    long registrationsLarge = bytes(9_000, 10_000, register);

    assertThat(s[0].nodes()).hasSize(NODES);
    // log2(10,000) / log2(1,500) is 1.26: allow for the trees' uneven depths, far below a copy's 6x
    assertThat((double) registrationsLarge / registrationsSmall).as("registrations: %d B then %d B per 1,000",
        registrationsSmall, registrationsLarge).isLessThan(1.6);
    assertThat((double) beatsLarge / beatsSmall).as("heartbeats: %d B then %d B per 1,000", beatsSmall, beatsLarge)
        .isLessThan(1.6);
    assertThat((double) drainsLarge / drainsSmall).as("drains: %d B then %d B per 1,000", drainsSmall, drainsLarge)
        .isLessThan(1.6);
    // and absolutely small: a few kB a change, where copying the map of 10,000 nodes allocated over 300 kB
    assertThat(registrationsLarge / 1_000).isLessThan(8_000);
  }

  @Test
  void changesGiveTheSnapshotBuiltAtOnceAndLeaveOlderSnapshotsAsTheyWere() {
    Random r = new Random(11);
    PoolSnapshot s = PoolSnapshot.EMPTY;
    Map<String, DecoderNode> nodes = new HashMap<>();
    Map<String, NodeRuntime> runtime = new HashMap<>();
    Set<String> configured = new HashSet<>();
    Map<String, AbTest> tests = new HashMap<>();
    List<PoolSnapshot> versions = new ArrayList<>();
    List<PoolSnapshot> built = new ArrayList<>();
    for (int step = 0; step < 3_000; step++) {
      int i = r.nextInt(1_500);
      DecoderNode n = node(i, r);
      String id = n.nodeId();
      long rev = s.revision() + 1;
      switch (r.nextInt(8)) {
        case 0, 1, 2 -> {
          boolean mark = r.nextInt(5) == 0;
          s = s.withNode(rev, n, mark);
          nodes.put(id, n);
          if (mark) {
            configured.add(id);
          }
        }
        case 3 -> {
          s = s.withoutNode(rev, id);
          nodes.remove(id);
          runtime.remove(id);
          configured.remove(id);
        }
        case 4 -> {
          s = s.withStatus(rev, id, NodeStatus.MAINTENANCE);
          nodes.computeIfPresent(id, (k, old) -> old.withStatus(NodeStatus.MAINTENANCE));
        }
        case 5 -> {
          AbTest t = new AbTest("t" + r.nextInt(3), true, "en-es", r.nextInt(100), List.of("stable"), List.of("exp"));
          s = s.withAbTest(rev, t);
          tests.put(t.name(), t);
        }
        default -> {
          NodeRuntime state = NodeRuntime.of(NodeHealth.UNKNOWN, NodeLoad.of(r.nextInt(100)), 1 + r.nextInt(9));
          s = s.withRuntime(rev, id, state);
          if (nodes.containsKey(id)) {
            runtime.put(id, state);
          }
        }
      }
      if (step % 300 == 0 || step == 2_999) {
        versions.add(s);
        built.add(PoolSnapshot.of(s.revision(), nodes, runtime, tests, configured));
      }
    }
    for (int v = 0; v < versions.size(); v++) { // checked at the end: the later changes left them alone
      PoolSnapshot changed = versions.get(v);
      PoolSnapshot once = built.get(v);
      assertThat(changed.nodes()).isEqualTo(once.nodes()).hasSameHashCodeAs(once.nodes());
      assertThat(once.nodes()).isEqualTo(changed.nodes());
      assertThat(changed.runtime()).isEqualTo(once.runtime()).hasSameHashCodeAs(once.runtime());
      assertThat(changed.configured()).isEqualTo(once.configured());
      assertThat(changed.abTests()).isEqualTo(once.abTests());
      assertThat(changed.sortedNodes()).isEqualTo(once.sortedNodes());
      assertThat(changed.sameConfiguration(once)).isTrue();
      assertThat(new ArrayList<>(changed.nodes().keySet())).isEqualTo(new ArrayList<>(new TreeMap<>(once.nodes()).keySet()));
      for (DecoderNode n : once.sortedNodes()) {
        assertThat(changed.isConfigured(n.nodeId())).isEqualTo(once.isConfigured(n.nodeId()));
        assertThat(changed.runtimeOf(n.nodeId())).isEqualTo(once.runtimeOf(n.nodeId()));
      }
    }
  }
}
