package io.github.switchboard.pool;

import static io.github.switchboard.pool.PoolTesting.await;
import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.ManualTimeSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SelectionTest {
  private final ManualTimeSource clock = new ManualTimeSource();
  private DecoderPool pool;

  @BeforeEach
  void open() {
    pool = DecoderPools.builder("selection").timeSource(clock).random(7).sweepInterval(PoolTesting.NEVER).build();
  }

  @AfterEach
  void close() {
    pool.close();
  }

  private void add(DecoderNode.Builder b) {
    await(pool.registerAsync(b.build()));
  }

  private Map<String, Integer> draw(RoutingRequest r, int times) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < times; i++) {
      counts.merge(pool.select(r).orElseThrow().node().nodeId(), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void abTestSplitsTrafficWithinStatisticalBounds() {
    add(node("stable-1").tags("stable"));
    add(node("stable-2").tags("stable"));
    add(node("exp-1").tags("es_v2_adapter"));
    await(pool.putAbTestAsync(new AbTest("es-v2", true, "en-es", 10, List.of("stable"), List.of("es_v2_adapter"))));
    int experiment = 0;
    for (int i = 0; i < 10_000; i++) {
      Selection s = pool.select(RoutingRequest.of("en", "es")).orElseThrow();
      assertThat(s.abTest()).contains("es-v2");
      if (s.abGroup().orElseThrow() == Selection.AbGroup.EXPERIMENT) {
        experiment++;
        assertThat(s.node().nodeId()).isEqualTo("exp-1");
      } else {
        assertThat(s.node().nodeId()).startsWith("stable-");
      }
    }
    // binomial(10000, 0.1): mean 1000, sd 30; 5 sd either side
    assertThat(experiment).isBetween(850, 1150);
    // another pair is not affected by the test
    assertThat(pool.select(RoutingRequest.of("en", "fr")).orElseThrow().abTest()).isEmpty();
    // an inactive test decides nothing
    await(pool.putAbTestAsync(new AbTest("es-v2", false, "en-es", 10, List.of("stable"), List.of("es_v2_adapter"))));
    assertThat(pool.select(RoutingRequest.of("en", "es")).orElseThrow().abTest()).isEmpty();
  }

  @Test
  void anAffinityKeyAlwaysLandsInTheSameGroup() {
    add(node("stable-1").tags("stable"));
    add(node("exp-1").tags("exp"));
    await(pool.putAbTestAsync(new AbTest("t", true, "en-es", 50, List.of("stable"), List.of("exp"))));
    int experiment = 0;
    for (int user = 0; user < 2000; user++) {
      RoutingRequest r = RoutingRequest.of("en", "es").affinityKey("user-" + user);
      Selection.AbGroup first = pool.select(r).orElseThrow().abGroup().orElseThrow();
      for (int again = 0; again < 3; again++) {
        assertThat(pool.select(r).orElseThrow().abGroup()).contains(first);
      }
      if (first == Selection.AbGroup.EXPERIMENT) {
        experiment++;
      }
    }
    assertThat(experiment).isBetween(850, 1150); // sd 22
  }

  @Test
  void anEmptyControlGroupFallsBackToEveryCapableNode() {
    add(node("plain-1"));
    add(node("plain-2"));
    await(pool.putAbTestAsync(new AbTest("t", true, "en-es", 0, List.of("stable"), List.of("exp"))));
    Selection s = pool.select(RoutingRequest.of("en", "es")).orElseThrow();
    assertThat(s.node().nodeId()).startsWith("plain-");
    assertThat(s.abGroup()).isEmpty();
    assertThat(s.reasons()).anyMatch(r -> r.contains("control group, which has no capable node; falling back"));
    // an empty experiment group falls back as well
    await(pool.putAbTestAsync(new AbTest("t", true, "en-es", 100, List.of("stable"), List.of("exp"))));
    assertThat(pool.select(RoutingRequest.of("en", "es"))).isPresent();
  }

  @Test
  void withoutControlTagsControlIsEveryNodeOutsideTheExperiment() {
    add(node("plain"));
    add(node("exp").tags("exp"));
    await(pool.putAbTestAsync(new AbTest("t", true, "en-es", 0, List.of(), List.of("exp"))));
    assertThat(draw(RoutingRequest.of("en", "es"), 200)).containsOnlyKeys("plain");
  }

  @Test
  void languageFilter() {
    add(node("en-es").languages("en", "es"));
    add(node("en-fr").languages("en", "fr"));
    add(node("any"));
    assertThat(draw(RoutingRequest.of("en", "es"), 300)).containsOnlyKeys("en-es", "any");
    assertThat(draw(RoutingRequest.of("fr", "en"), 300)).containsOnlyKeys("en-fr", "any");
    await(pool.deregisterAsync("any"));
    assertThat(pool.select(RoutingRequest.of("de", "en"))).isEmpty();
  }

  @Test
  void regionIsPreferredAndOthersAreTheFallback() {
    add(node("us-1").region("us-east-1"));
    add(node("us-2").region("us-east-1"));
    add(node("eu-1").region("eu-west-1"));
    Map<String, Integer> counts = draw(RoutingRequest.of("en", "es").preferRegion("eu-west-1"), 200);
    assertThat(counts).containsOnlyKeys("eu-1");
    Selection s = pool.select(RoutingRequest.of("en", "es").preferRegion("eu-west-1")).orElseThrow();
    assertThat(s.alternatives()).extracting(DecoderNode::nodeId).containsExactlyInAnyOrder("us-1", "us-2");
    assertThat(s.reasons()).anyMatch(r -> r.startsWith("preferring region eu-west-1"));

    await(pool.setStatusAsync("eu-1", NodeStatus.MAINTENANCE));
    Selection fallback = pool.select(RoutingRequest.of("en", "es").preferRegion("eu-west-1")).orElseThrow();
    assertThat(fallback.node().nodeId()).startsWith("us-");
    assertThat(fallback.reasons()).anyMatch(r -> r.contains("no candidate in region eu-west-1"));
  }

  @Test
  void requiredTagsFilter() {
    add(node("prod").tags("production", "gpu"));
    add(node("dev").tags("gpu"));
    assertThat(draw(RoutingRequest.of("en", "es").requireTags("production"), 100)).containsOnlyKeys("prod");
    assertThat(pool.select(RoutingRequest.of("en", "es").requireTags("production", "missing"))).isEmpty();
  }

  @Test
  void loadAwareChoicePutsLessWorkOnABusierNode() {
    add(node("busy"));
    add(node("idle-1"));
    add(node("idle-2"));
    add(node("half"));
    await(pool.heartbeatAsync("busy", NodeLoad.of(90)));
    await(pool.heartbeatAsync("idle-1", NodeLoad.of(5)));
    await(pool.heartbeatAsync("idle-2", NodeLoad.of(5, 10)));
    await(pool.heartbeatAsync("half", NodeLoad.of(50)));
    Map<String, Integer> counts = draw(RoutingRequest.of("en", "es"), 10_000);
    assertThat(counts.getOrDefault("busy", 0)).isLessThan(counts.get("half"));
    assertThat(counts.get("half")).isLessThan(counts.get("idle-1"));
    assertThat(counts.getOrDefault("busy", 0)).isLessThan(500);
    // load is relative to capacity: the same load on a larger node costs less
    await(pool.registerAsync(node("busy").capacity(1000).build()));
    Map<String, Integer> after = draw(RoutingRequest.of("en", "es"), 10_000);
    assertThat(after.get("busy")).isGreaterThan(2000);
  }

  @Test
  void aLowerPriorityNumberIsPreferredAtEqualLoad() {
    add(node("primary").priority(0));
    add(node("secondary").priority(3));
    Map<String, Integer> counts = draw(RoutingRequest.of("en", "es"), 500);
    assertThat(counts).containsOnlyKeys("primary");
    Selection s = pool.select(RoutingRequest.of("en", "es")).orElseThrow();
    assertThat(s.alternatives()).extracting(DecoderNode::nodeId).containsExactly("secondary");
    // but a loaded primary yields to the idle secondary
    await(pool.heartbeatAsync("primary", NodeLoad.of(100)));
    assertThat(pool.select(RoutingRequest.of("en", "es")).orElseThrow().node().nodeId()).isEqualTo("secondary");
  }

  @Test
  void aHotAdapterIsPreferred() {
    add(node("cold"));
    add(node("hot"));
    await(pool.heartbeatAsync("hot", NodeLoad.of(40).withHotAdapters(List.of("es_v2"))));
    assertThat(draw(RoutingRequest.of("en", "es").preferAdapter("es_v2"), 100)).containsOnlyKeys("hot");
  }

  @Test
  void alternativesAreRankedByCostAndCapped() {
    for (int i = 0; i < 12; i++) {
      add(node("n" + i));
      await(pool.heartbeatAsync("n" + i, NodeLoad.of(i * 5)));
    }
    Selection s = pool.select(RoutingRequest.of("en", "es")).orElseThrow();
    assertThat(s.alternatives()).hasSize(8).doesNotContain(s.node());
    List<Integer> loads = s.alternatives().stream()
        .map(n -> Integer.parseInt(n.nodeId().substring(1))).toList();
    assertThat(loads).isSorted();
    assertThat(s.reasons().get(0))
        .isEqualTo("12 of 12 nodes serve en->es; 12 of them selectable (active, healthy, fresh)");
  }

  @Test
  void theIndexOfNodesByPairFollowsEveryChangeOfTheNodes() {
    add(node("a").languages("en", "es"));
    add(node("b").languages("de", "fr"));
    assertThat(pool.select(RoutingRequest.of("en", "es")).orElseThrow().node().nodeId()).isEqualTo("a");
    add(node("c").languages("en", "es"));
    await(pool.heartbeatAsync("a", NodeLoad.of(90))); // a heartbeat keeps the index, and the new node is in it
    Selection s = pool.select(RoutingRequest.of("en", "es")).orElseThrow();
    assertThat(List.of(s.node().nodeId())).containsAnyOf("a", "c");
    assertThat(s.reasons().get(0)).startsWith("2 of 3 nodes serve en->es");
    add(node("a").languages("de")); // a no longer serves the pair
    assertThat(pool.select(RoutingRequest.of("en", "es")).orElseThrow().node().nodeId()).isEqualTo("c");
    await(pool.deregisterAsync("c"));
    assertThat(pool.select(RoutingRequest.of("en", "es"))).isEmpty();
    assertThat(pool.select(RoutingRequest.of("de", "fr")).orElseThrow().node().nodeId()).isEqualTo("b");
  }

  @Test
  void theSameSeedGivesTheSameChoices() {
    for (int i = 0; i < 6; i++) {
      add(node("n" + i));
    }
    List<String> first = pool.nodes().stream().map(v -> pool.select(RoutingRequest.of("en", "es"))
        .orElseThrow().node().nodeId()).toList();
    try (DecoderPool other = DecoderPools.builder("selection").timeSource(clock).random(7).build()) {
      for (int i = 0; i < 6; i++) {
        await(other.registerAsync(node("n" + i).build()));
      }
      List<String> second = other.nodes().stream().map(v -> other.select(RoutingRequest.of("en", "es"))
          .orElseThrow().node().nodeId()).toList();
      assertThat(second).isEqualTo(first);
    }
  }
}
