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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.DoubleSupplier;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The two-pass selector gives the same node, alternatives, reasons, A/B test and group, and draws the same
 * random numbers, as the reference selector (the one before issue 9, over a view per node), over random
 * pools, runtime states, health verdicts, A/B tests and requests.
 */
class SelectorAgreementTest {
  private static final String[] LANGUAGES = {"en", "es", "de"};
  private static final String[] REGIONS = {"us", "eu", "ap"};
  private static final String[] TAGS = {"gpu", "stable", "exp", "prod"};
  private static final String[] ADAPTERS = {"a1", "a2"};
  private static final long NOW = 10_000_000_000L;
  private static final long STALE = 30_000_000L;

  /** Counts the draws, so that both selectors are seen to consume the same numbers. */
  private static final class Draws implements DoubleSupplier {
    private final Random random;
    int count;

    Draws(long seed) {
      this.random = new Random(seed);
    }

    @Override
    public double getAsDouble() {
      count++;
      return random.nextDouble();
    }
  }

  /** Health verdicts and health-reported loads, as DefaultDecoderPool overlays them. */
  private record Health(Map<String, NodeHealth> verdicts, Map<String, NodeLoad> loads, Map<String, Long> at)
      implements Selector.Overlay {
    @Override
    public boolean healthy(String nodeId) {
      return verdict(nodeId) != NodeHealth.UNHEALTHY;
    }

    NodeHealth verdict(String nodeId) {
      return verdicts.getOrDefault(nodeId, NodeHealth.UNKNOWN);
    }

    @Override
    public NodeLoad load(String nodeId, NodeRuntime recorded) {
      NodeLoad l = loads.get(nodeId);
      return l != null && at.get(nodeId) > recorded.lastHeartbeatMicros() ? l : recorded.load();
    }
  }

  private static List<String> some(String[] from, Random r) {
    List<String> out = new ArrayList<>();
    for (String s : from) {
      if (r.nextInt(3) == 0) {
        out.add(s);
      }
    }
    return out;
  }

  private static NodeLoad load(Random r) {
    NodeLoad l = NodeLoad.of(r.nextInt(4) == 0 ? 0 : r.nextInt(120) / (r.nextBoolean() ? 1.0 : 3.0),
        r.nextInt(3) == 0 ? r.nextInt(50) : 0);
    return r.nextBoolean() ? l.withHotAdapters(some(ADAPTERS, r)) : l;
  }

  @Property(tries = 400)
  void theFastSelectorAgreesWithTheReference(@ForAll long seed) {
    Random r = new Random(seed);
    int size = 1 + r.nextInt(switch (r.nextInt(3)) {
      case 0 -> 5;
      case 1 -> 30;
      default -> 300;
    });
    Map<String, DecoderNode> nodes = new HashMap<>();
    Map<String, NodeRuntime> runtime = new HashMap<>();
    Set<String> configured = new HashSet<>();
    for (int i = 0; i < size; i++) {
      String id = "n" + r.nextInt(size * 2);
      DecoderNode.Builder b = DecoderNode.builder(id, URI.create("http://" + id + ".test:8001"))
          .priority(r.nextInt(3) == 0 ? r.nextInt(4) : 0)
          .capacity(r.nextBoolean() ? 100 : 1 + r.nextInt(200))
          .tags(some(TAGS, r));
      if (r.nextInt(4) != 0) {
        b.languages(LANGUAGES[r.nextInt(3)], LANGUAGES[r.nextInt(3)]);
      }
      if (r.nextInt(3) != 0) {
        b.region(REGIONS[r.nextInt(3)]);
      }
      if (r.nextInt(6) == 0) {
        b.status(NodeStatus.values()[r.nextInt(NodeStatus.values().length)]);
      }
      nodes.put(id, b.build());
      if (r.nextInt(5) != 0) {
        long at = r.nextInt(8) == 0 ? NOW - STALE - r.nextInt(1000) : NOW - r.nextInt((int) STALE);
        runtime.put(id, NodeRuntime.of(NodeHealth.UNKNOWN, load(r), at));
      }
      if (r.nextInt(4) == 0) {
        configured.add(id);
      }
    }
    Map<String, AbTest> tests = new HashMap<>();
    for (int t = r.nextInt(4); t > 0; t--) {
      String name = "t" + r.nextInt(5);
      double pct = switch (r.nextInt(4)) {
        case 0 -> 0;
        case 1 -> 100;
        case 2 -> 50;
        default -> r.nextDouble() * 100;
      };
      tests.put(name, new AbTest(name, r.nextInt(4) != 0, LANGUAGES[r.nextInt(3)] + "-" + LANGUAGES[r.nextInt(3)],
          pct, some(TAGS, r), some(TAGS, r)));
    }
    PoolSnapshot s = PoolSnapshot.of(1, nodes, runtime, tests, configured);
    if (r.nextBoolean()) { // the same state reached by heartbeats on a snapshot: the incremental path
      PoolSnapshot h = PoolSnapshot.of(1, nodes, Map.of(), tests, configured);
      for (Map.Entry<String, NodeRuntime> e : runtime.entrySet()) {
        h = h.withRuntime(h.revision() + 1, e.getKey(), e.getValue());
      }
      s = h;
    }
    Health health = null;
    if (r.nextInt(3) == 0) {
      Map<String, NodeHealth> verdicts = new HashMap<>();
      Map<String, NodeLoad> loads = new HashMap<>();
      Map<String, Long> at = new HashMap<>();
      for (String id : nodes.keySet()) {
        verdicts.put(id, NodeHealth.values()[r.nextInt(NodeHealth.values().length)]);
        if (r.nextBoolean()) {
          loads.put(id, load(r));
          at.put(id, NOW - r.nextInt((int) STALE));
        }
      }
      health = new Health(verdicts, loads, at);
    }
    compare(s, health, r, 30);
  }

  /** A pair served by more nodes than a thread's scratch keeps: the same answers. */
  @Test
  void aPairServedByThousandsOfNodesAgreesToo() {
    Random r = new Random(9);
    Map<String, DecoderNode> nodes = new HashMap<>();
    Map<String, NodeRuntime> runtime = new HashMap<>();
    for (int i = 0; i < 5_000; i++) {
      String id = "n" + i;
      nodes.put(id, DecoderNode.builder(id, URI.create("http://" + id + ".test:8001"))
          .region(REGIONS[r.nextInt(3)]).tags(some(TAGS, r)).build());
      runtime.put(id, NodeRuntime.of(NodeHealth.UNKNOWN, load(r), NOW - r.nextInt((int) STALE)));
    }
    PoolSnapshot s = PoolSnapshot.of(1, nodes, runtime,
        Map.of("t", new AbTest("t", true, "en-es", 30, List.of("stable"), List.of("exp"))), Set.of());
    compare(s, null, r, 40);
  }

  private static void compare(PoolSnapshot s, @Nullable Health health, Random r, int requests) {
    for (int q = 0; q < requests; q++) {
      RoutingRequest req = RoutingRequest.of(LANGUAGES[r.nextInt(3)], LANGUAGES[r.nextInt(3)]);
      if (r.nextBoolean()) {
        req = req.preferRegion(REGIONS[r.nextInt(3)]);
      }
      if (r.nextInt(3) == 0) {
        req = req.requireTags(some(TAGS, r).toArray(new String[0]));
      }
      if (r.nextBoolean()) {
        req = req.preferAdapter(ADAPTERS[r.nextInt(2)]);
      }
      if (r.nextInt(4) == 0) {
        req = req.affinityKey("user-" + r.nextInt(100));
      }
      long drawSeed = r.nextLong();
      Draws fastDraws = new Draws(drawSeed);
      Draws refDraws = new Draws(drawSeed);
      Optional<Selection> fast = Selector.select(s, req, NOW, STALE, health, fastDraws);
      Optional<Selection> ref = ReferenceSelector.select(views(s, req, health), s.nodes().size(),
          s.abTests().values(), req, refDraws);
      assertThat(fast.isPresent()).as("present for %s", req).isEqualTo(ref.isPresent());
      assertThat(fastDraws.count).as("draws for %s", req).isEqualTo(refDraws.count);
      if (ref.isPresent()) {
        Selection f = fast.orElseThrow();
        Selection e = ref.orElseThrow();
        assertThat(f.node()).as("node for %s", req).isEqualTo(e.node());
        assertThat(f.alternatives()).as("alternatives for %s", req).containsExactlyElementsOf(e.alternatives());
        assertThat(f.reasons()).as("reasons for %s", req).containsExactlyElementsOf(e.reasons());
        assertThat(f.abTest()).isEqualTo(e.abTest());
        assertThat(f.abGroup()).isEqualTo(e.abGroup());
        assertThat(f.toString()).isEqualTo(e.toString());
        assertThat(f.reasons()).isEqualTo(e.reasons()).hasSameHashCodeAs(e.reasons());
      }
    }
  }

  /** The A/B test's pair check without substrings is {@link AbTest#appliesTo}, regional codes included. */
  @Test
  void aTestAppliesToTheSamePairsAsAbTestSays() {
    String[] codes = {"en", "es", "pt", "pt-BR", "en-US", "es-419", "ptx", "e", "en-", "-en", ""};
    for (String pair : new String[] {"en-es", "pt-en", "es-pt", "en-pt", "ptx-en", "en-ptx"}) {
      for (boolean active : new boolean[] {true, false}) {
        AbTest t = new AbTest("t", active, pair, 10, List.of(), List.of("x"));
        for (String source : codes) {
          for (String target : codes) {
            assertThat(Selector.applies(t, source, target)).as("%s on %s->%s", t, source, target)
                .isEqualTo(t.appliesTo(source, target));
          }
        }
      }
    }
  }

  /** The A/B bucket, hashed without building the UTF-8 bytes, is the bucket hashed from them. */
  @Property(tries = 1000)
  void theBucketIsTheHashOfTheUtf8Bytes(@ForAll String name, @ForAll String key, @ForAll long seed) {
    assertThat(Selector.bucket(name, key)).isEqualTo(ReferenceSelector.bucket(name, key));
    // and strings mixing every width of UTF-8 with paired and unpaired surrogates
    Random r = new Random(seed);
    StringBuilder a = new StringBuilder();
    StringBuilder b = new StringBuilder();
    for (int i = r.nextInt(12); i > 0; i--) {
      for (StringBuilder sb : new StringBuilder[] {a, b}) {
        switch (r.nextInt(6)) {
          case 0 -> sb.append((char) r.nextInt(0x80));
          case 1 -> sb.append((char) (0x80 + r.nextInt(0x780)));
          case 2 -> sb.append((char) (0x800 + r.nextInt(0xd000)));
          case 3 -> sb.appendCodePoint(0x10000 + r.nextInt(0x100000));
          case 4 -> sb.append((char) (0xd800 + r.nextInt(0x800))); // a lone surrogate, high or low
          default -> sb.append((char) (0xe000 + r.nextInt(0x2000)));
        }
      }
    }
    assertThat(Selector.bucket(a.toString(), b.toString()))
        .isEqualTo(ReferenceSelector.bucket(a.toString(), b.toString()));
  }

  /** The views DefaultDecoderPool built before issue 9: the nodes that serve the pair, in id order. */
  private static List<NodeView> views(PoolSnapshot s, RoutingRequest req, @Nullable Health health) {
    List<NodeView> out = new ArrayList<>();
    for (DecoderNode n : s.sortedNodes()) {
      if (!n.servesPair(req.sourceLanguage(), req.targetLanguage())) {
        continue;
      }
      NodeRuntime rt = s.runtimeOf(n.nodeId());
      if (health != null) {
        rt = rt.withHealth(health.verdict(n.nodeId()));
        rt = rt.withLoad(health.load(n.nodeId(), rt));
      }
      boolean fresh = !rt.hasHeartbeat() || NOW - rt.lastHeartbeatMicros() < STALE;
      out.add(new NodeView(n, rt, s.isConfigured(n.nodeId()), fresh));
    }
    return out;
  }
}
