package io.github.switchboard.pool.internal;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeView;
import io.github.switchboard.pool.RoutingRequest;
import io.github.switchboard.pool.Selection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/*
 * Selection, in this order (every step that narrows the set or decides something adds a reason):
 *
 * 1. selectable: ACTIVE, not marked unhealthy by a health check, fresh (never heartbeated, or within
 *    staleAfter);
 * 2. capable: serves the pair (no languages = all) and carries every required tag;
 * 3. A/B: the first active test (by name) for the pair draws a number u in [0, 100) (from the affinity key
 *    if any, else the random source) and sends u < traffic_percentage to the experiment group (nodes with
 *    every experiment tag), the rest to control (nodes with every control tag; with no control tags, the
 *    capable nodes outside the experiment group). An empty group falls back to every capable node;
 * 4. region: prefer nodes in the requested region, else use the others;
 * 5. adapter: prefer nodes that report the adapter as hot, if any do;
 * 6. power of two choices: draw two distinct candidates uniformly and keep the one with the lower cost,
 *      cost = (effectiveLoad / capacity + 0.1) * (1 + priority)
 *    so a busier node (relative to its capacity) and a larger priority number both cost more; the 0.1
 *    base keeps idle nodes ordered by priority.
 *
 * Alternatives: the other candidates of the final set by cost, then the capable nodes dropped by the
 * region, adapter and A/B steps by cost, at most MAX_ALTERNATIVES.
 */
/** Chooses a node for a request among node views. Stateless; thread-safe. */
public final class Selector {

  /** The most alternatives a selection lists. */
  public static final int MAX_ALTERNATIVES = 8;

  /** The cost base that keeps idle nodes ordered by priority. */
  static final double BASE = 0.1;

  private Selector() {}

  /**
   * Returns the cost of a node: lower is better.
   *
   * @param view the node
   * @return the cost
   */
  public static double cost(NodeView view) {
    DecoderNode n = view.node();
    double utilisation = view.runtime().load().effectiveLoad() / n.capacity();
    return (utilisation + BASE) * (1 + n.priority());
  }

  /**
   * Chooses a node.
   *
   * @param views every node of the pool with its state
   * @param abTests the A/B tests
   * @param request the request
   * @param random a uniform source in [0, 1)
   * @return the selection, empty if no selectable node serves the request
   */
  public static Optional<Selection> select(
      Collection<NodeView> views, Collection<AbTest> abTests, RoutingRequest request, DoubleSupplier random) {
    List<String> reasons = new ArrayList<>(6);
    String src = request.sourceLanguage();
    String tgt = request.targetLanguage();
    List<NodeView> capable = new ArrayList<>();
    int selectable = 0;
    int servePair = 0;
    for (NodeView v : views) {
      if (!v.selectable()) {
        continue;
      }
      selectable++;
      if (!v.node().servesPair(src, tgt)) {
        continue;
      }
      servePair++;
      if (v.node().hasAllTags(request.requiredTags())) {
        capable.add(v);
      }
    }
    reasons.add(selectable + " of " + views.size() + " nodes selectable (active, healthy, fresh); "
        + servePair + " serve " + src + "->" + tgt
        + (request.requiredTags().isEmpty() ? "" : "; " + capable.size() + " carry tags "
            + request.requiredTags()));
    if (capable.isEmpty()) {
      return Optional.empty();
    }

    List<NodeView> candidates = capable;
    String abName = null;
    Selection.AbGroup abGroup = null;
    AbTest test = null;
    for (AbTest t : abTests) {
      if (t.appliesTo(src, tgt) && (test == null || t.name().compareTo(test.name()) < 0)) {
        test = t;
      }
    }
    if (test != null) {
      abName = test.name();
      String key = request.affinityKey().orElse(null);
      double u = key != null ? bucket(abName, key) : random.getAsDouble() * 100.0;
      boolean experiment = u < test.trafficPercentage();
      List<NodeView> group = new ArrayList<>();
      for (NodeView v : capable) {
        boolean inExperiment = v.node().hasAllTags(test.experimentGroupTags());
        boolean member = experiment
            ? inExperiment
            : (test.controlGroupTags().isEmpty() ? !inExperiment : v.node().hasAllTags(test.controlGroupTags()));
        if (member) {
          group.add(v);
        }
      }
      String groupName = experiment ? "experiment" : "control";
      if (group.isEmpty()) {
        reasons.add("A/B test '" + abName + "' chose the " + groupName
            + " group, which has no capable node; falling back to every capable node");
      } else {
        abGroup = experiment ? Selection.AbGroup.EXPERIMENT : Selection.AbGroup.CONTROL;
        reasons.add("A/B test '" + abName + "' chose the " + groupName + " group ("
            + group.size() + " nodes, " + test.trafficPercentage() + "% to experiment)");
        candidates = group;
      }
    }

    if (request.preferredRegion().isPresent()) {
      String region = request.preferredRegion().get();
      List<NodeView> inRegion = new ArrayList<>();
      for (NodeView v : candidates) {
        if (v.node().region().filter(region::equals).isPresent()) {
          inRegion.add(v);
        }
      }
      if (inRegion.isEmpty()) {
        reasons.add("no candidate in region " + region + "; using other regions");
      } else {
        reasons.add("preferring region " + region + " (" + inRegion.size() + " nodes)");
        candidates = inRegion;
      }
    }

    if (request.adapter().isPresent()) {
      String adapter = request.adapter().get();
      List<NodeView> hot = new ArrayList<>();
      for (NodeView v : candidates) {
        if (v.runtime().load().hotAdapters().contains(adapter)) {
          hot.add(v);
        }
      }
      if (hot.isEmpty()) {
        reasons.add("no candidate has adapter " + adapter + " loaded");
      } else {
        reasons.add("preferring nodes with adapter " + adapter + " loaded (" + hot.size() + ")");
        candidates = hot;
      }
    }

    NodeView chosen;
    if (candidates.size() == 1) {
      chosen = candidates.get(0);
      reasons.add("only candidate: " + chosen.nodeId());
    } else {
      int n = candidates.size();
      int i = Math.min(n - 1, (int) (random.getAsDouble() * n));
      int j = Math.min(n - 2, (int) (random.getAsDouble() * (n - 1)));
      if (j >= i) {
        j++;
      }
      NodeView a = candidates.get(i);
      NodeView b = candidates.get(j);
      double ca = cost(a);
      double cb = cost(b);
      chosen = cb < ca ? b : a;
      reasons.add(String.format(java.util.Locale.ROOT,
          "power of two choices among %d candidates: %s (cost %.3f) vs %s (cost %.3f)",
          n, a.nodeId(), ca, b.nodeId(), cb));
    }

    List<NodeView> rest = new ArrayList<>(candidates.size());
    for (NodeView v : candidates) {
      if (v != chosen) {
        rest.add(v);
      }
    }
    Comparator<NodeView> byCost = Comparator.comparingDouble(Selector::cost).thenComparing(NodeView::nodeId);
    rest.sort(byCost);
    List<DecoderNode> alternatives = new ArrayList<>(Math.min(MAX_ALTERNATIVES, capable.size()));
    for (NodeView v : rest) {
      if (alternatives.size() == MAX_ALTERNATIVES) {
        break;
      }
      alternatives.add(v.node());
    }
    if (alternatives.size() < MAX_ALTERNATIVES && candidates != capable) {
      List<NodeView> others = new ArrayList<>();
      for (NodeView v : capable) {
        if (v != chosen && !candidates.contains(v)) {
          others.add(v);
        }
      }
      others.sort(byCost);
      for (NodeView v : others) {
        if (alternatives.size() == MAX_ALTERNATIVES) {
          break;
        }
        alternatives.add(v.node());
      }
    }
    return Optional.of(new Selection(chosen.node(), alternatives, reasons, abName, abGroup));
  }

  /**
   * Returns the A/B bucket of an affinity key in [0, 100), stable across processes and versions.
   *
   * @param testName the test's name (so that different tests split independently)
   * @param key the affinity key
   * @return the bucket
   */
  static double bucket(String testName, String key) {
    long h = 0xcbf29ce484222325L; // FNV-1a 64
    for (byte b : (testName + '\u0000' + key).getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33; // finalise (murmur3 fmix64) so that similar keys spread
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return (double) Long.remainderUnsigned(h, 10_000) / 100.0;
  }
}
