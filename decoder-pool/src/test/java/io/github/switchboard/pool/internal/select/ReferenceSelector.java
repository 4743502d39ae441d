package io.github.switchboard.pool.internal.select;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeView;
import io.github.switchboard.pool.RoutingRequest;
import io.github.switchboard.pool.Selection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

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
/**
 * The selector as it was before issue 9 (a view per node, a list per step): the reference that {@link
 * Selector} must agree with (SelectorAgreementTest). Test only.
 */
final class ReferenceSelector {

  /** The most alternatives a selection lists. */
  public static final int MAX_ALTERNATIVES = 8;

  /** The cost base that keeps idle nodes ordered by priority. */
  static final double BASE = 0.1;

  private ReferenceSelector() {}

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
   * @param views the nodes of the pool that serve the request's pair, with their state
   * @param poolSize how many nodes the pool has (for the reasons)
   * @param abTests the A/B tests
   * @param request the request
   * @param random a uniform source in [0, 1)
   * @return the selection, empty if no selectable node serves the request
   */
  public static Optional<Selection> select(
      Collection<NodeView> views, int poolSize, Collection<AbTest> abTests, RoutingRequest request,
      DoubleSupplier random) {
    List<String> reasons = new ArrayList<>(6);
    List<NodeView> capable = capable(views, poolSize, request, reasons);
    if (capable.isEmpty()) {
      return Optional.empty();
    }
    AbStep ab = abTest(capable, abTests, request, random, reasons);
    List<NodeView> candidates = ab.candidates();
    if (request.preferredRegion().isPresent()) {
      String region = request.preferredRegion().get();
      candidates = prefer(candidates, v -> v.node().region().filter(region::equals).isPresent(), reasons,
          "preferring region " + region, "no candidate in region " + region + "; using other regions");
    }
    if (request.adapter().isPresent()) {
      String adapter = request.adapter().get();
      candidates = prefer(candidates, v -> v.runtime().load().hotAdapters().contains(adapter), reasons,
          "preferring nodes with adapter " + adapter + " loaded", "no candidate has adapter " + adapter + " loaded");
    }
    NodeView chosen = powerOfTwoChoices(candidates, random, reasons);
    List<DecoderNode> alternatives = alternatives(chosen, candidates, capable);
    return Optional.of(new Selection(chosen.node(), alternatives, reasons, ab.name(), ab.group()));
  }

  /** Steps 1 and 2: the nodes that serve the pair, are selectable and carry every required tag. */
  private static List<NodeView> capable(Collection<NodeView> views, int poolSize, RoutingRequest request,
      List<String> reasons) {
    String src = request.sourceLanguage();
    String tgt = request.targetLanguage();
    List<NodeView> capable = new ArrayList<>();
    int selectable = 0;
    for (NodeView v : views) {
      if (!v.selectable() || !v.node().servesPair(src, tgt)) {
        continue;
      }
      selectable++;
      if (v.node().hasAllTags(request.requiredTags())) {
        capable.add(v);
      }
    }
    reasons.add(views.size() + " of " + poolSize + " nodes serve " + src + "->" + tgt + "; " + selectable
        + " of them selectable (active, healthy, fresh)"
        + (request.requiredTags().isEmpty() ? "" : "; " + capable.size() + " carry tags "
            + request.requiredTags()));
    return capable;
  }

  /** What the A/B step decided: the candidates, and the test and group if a test decided. */
  private record AbStep(List<NodeView> candidates, @Nullable String name, Selection.@Nullable AbGroup group) {}

  /** Step 3: the first active test (by name) for the pair picks a group; an empty group changes nothing. */
  private static AbStep abTest(List<NodeView> capable, Collection<AbTest> abTests, RoutingRequest request,
      DoubleSupplier random, List<String> reasons) {
    AbTest test = null;
    for (AbTest t : abTests) {
      if (t.appliesTo(request.sourceLanguage(), request.targetLanguage())
          && (test == null || t.name().compareTo(test.name()) < 0)) {
        test = t;
      }
    }
    if (test == null) {
      return new AbStep(capable, null, null);
    }
    String abName = test.name();
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
      return new AbStep(capable, abName, null);
    }
    reasons.add("A/B test '" + abName + "' chose the " + groupName + " group ("
        + group.size() + " nodes, " + test.trafficPercentage() + "% to experiment)");
    return new AbStep(group, abName, experiment ? Selection.AbGroup.EXPERIMENT : Selection.AbGroup.CONTROL);
  }

  /** Steps 4 and 5: the candidates that match, if any do; else all of them. */
  private static List<NodeView> prefer(List<NodeView> candidates, Predicate<NodeView> wanted, List<String> reasons,
      String preferring, String none) {
    List<NodeView> matching = new ArrayList<>();
    for (NodeView v : candidates) {
      if (wanted.test(v)) {
        matching.add(v);
      }
    }
    if (matching.isEmpty()) {
      reasons.add(none);
      return candidates;
    }
    reasons.add(preferring + " (" + matching.size() + " nodes)");
    return matching;
  }

  /** Step 6: two distinct candidates drawn uniformly, the lower cost wins. */
  private static NodeView powerOfTwoChoices(List<NodeView> candidates, DoubleSupplier random, List<String> reasons) {
    if (candidates.size() == 1) {
      NodeView only = candidates.get(0);
      reasons.add("only candidate: " + only.nodeId());
      return only;
    }
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
    reasons.add(String.format(java.util.Locale.ROOT,
        "power of two choices among %d candidates: %s (cost %.3f) vs %s (cost %.3f)",
        n, a.nodeId(), ca, b.nodeId(), cb));
    return cb < ca ? b : a;
  }

  /** The other candidates by cost, then the capable nodes the steps set aside by cost, at most MAX_ALTERNATIVES. */
  private static List<DecoderNode> alternatives(NodeView chosen, List<NodeView> candidates, List<NodeView> capable) {
    List<DecoderNode> alternatives = new ArrayList<>(Math.min(MAX_ALTERNATIVES, capable.size()));
    addByCost(candidates, v -> v != chosen, alternatives);
    if (candidates != capable) {
      addByCost(capable, v -> v != chosen && !candidates.contains(v), alternatives);
    }
    return alternatives;
  }

  /** Adds the cheapest nodes that {@code keep} accepts, by (cost, id), until {@code out} is full: no sort. */
  private static void addByCost(List<NodeView> from, Predicate<NodeView> keep, List<DecoderNode> out) {
    int room = MAX_ALTERNATIVES - out.size();
    if (room <= 0) {
      return;
    }
    NodeView[] best = new NodeView[room];
    double[] costs = new double[room];
    int n = 0;
    for (NodeView v : from) {
      if (!keep.test(v)) {
        continue;
      }
      double c = cost(v);
      if (n == room && !cheaper(c, v, costs[n - 1], best[n - 1])) {
        continue;
      }
      int at = n < room ? n++ : room - 1;
      while (at > 0 && cheaper(c, v, costs[at - 1], best[at - 1])) {
        best[at] = best[at - 1];
        costs[at] = costs[at - 1];
        at--;
      }
      best[at] = v;
      costs[at] = c;
    }
    for (int k = 0; k < n; k++) {
      out.add(best[k].node());
    }
  }

  private static boolean cheaper(double cost, NodeView v, double otherCost, NodeView other) {
    return cost < otherCost || (cost == otherCost && v.nodeId().compareTo(other.nodeId()) < 0);
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
