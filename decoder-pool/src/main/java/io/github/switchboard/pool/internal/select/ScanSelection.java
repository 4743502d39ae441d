package io.github.switchboard.pool.internal.select;

import static io.github.switchboard.pool.internal.select.Selector.ADAPTER;
import static io.github.switchboard.pool.internal.select.Selector.ADAPTER_ONLY;
import static io.github.switchboard.pool.internal.select.Selector.ALL;
import static io.github.switchboard.pool.internal.select.Selector.CAPABLE;
import static io.github.switchboard.pool.internal.select.Selector.CONTROL;
import static io.github.switchboard.pool.internal.select.Selector.EXPERIMENT;
import static io.github.switchboard.pool.internal.select.Selector.IN_CONTROL;
import static io.github.switchboard.pool.internal.select.Selector.IN_EXPERIMENT;
import static io.github.switchboard.pool.internal.select.Selector.MAX_ALTERNATIVES;
import static io.github.switchboard.pool.internal.select.Selector.REGION;
import static io.github.switchboard.pool.internal.select.Selector.REGION_ONLY;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.RoutingRequest;
import io.github.switchboard.pool.internal.index.ClassTree;
import io.github.switchboard.pool.internal.index.NodeClass;
import io.github.switchboard.pool.internal.index.NodeClasses;
import io.github.switchboard.pool.internal.index.NodeIndex;
import io.github.switchboard.pool.internal.index.NodeRecord;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import java.util.List;
import org.jspecify.annotations.Nullable;

/*
 * Selection by scanning the nodes that serve the pair, O(candidates): what answers when the indexes
 * cannot (health checks on, whose verdicts and loads are this process's and not in the snapshot; more
 * classes of nodes than masks hold; more stale nodes than IndexedSelection skips one by one).
 *
 * Two passes over the candidates (the byId walk of the classes that serve the pair, in id order). Pass 1
 * reads each one's runtime state and records, per capable node, its cost and which groups it falls in
 * (experiment, control, region, adapter), counting each combination; the counts settle every fallback,
 * so the final set is a predicate on those bits and its size is known. Pass 2 finds the i-th and j-th
 * members of the final set and keeps the cheapest alternatives by insertion into bounded arrays, no sort.
 */
/** Selection over every node that serves the pair (health checks on, or where the indexes cannot answer). */
final class ScanSelection {
  private ScanSelection() {}

  /**
   * Pass 1: flags every candidate (0 unless capable; else CAPABLE and its groups), notes the cost of each
   * capable one, and counts the capable ones by group and by region and adapter match.
   */
  static void count(PoolSnapshot s, RoutingRequest request, @Nullable AbTest test, long nowMicros,
      long staleMicros, Selector.@Nullable Overlay overlay, SelectionScratch sc) {
    String source = request.sourceLanguage();
    String target = request.targetLanguage();
    NodeIndex index = s.index();
    NodeClasses classes = index.classes();
    long serving = classes.servingPair(source, target);
    sc.scan(index.byId().count(serving)); // at most that many (classes past the masks share a bit)
    String region = request.preferredRegion().orElse(null);
    String adapter = request.adapter().orElse(null);
    List<String> required = request.requiredTags();
    boolean needTags = !required.isEmpty();
    List<String> experimentTags = test == null ? List.of() : test.experimentGroupTags();
    List<String> controlTags = test == null ? List.of() : test.controlGroupTags();
    boolean noControlTags = controlTags.isEmpty();
    byte[] flags = sc.flags;
    double[] costs = sc.costs;
    int[] slots = sc.slots;
    int[] counts = sc.counts;
    int selectable = 0;
    int k = 0;
    ClassTree.Cursor walk = sc.cursor;
    walk.start(index.byId(), serving);
    for (ClassTree.Entry e = walk.next(); e != null; e = walk.next()) {
      NodeClass c = classes.get(e.cls());
      if (e.cls() >= NodeClasses.INDEXED && !c.servesPair(source, target)) {
        continue; // a class past the masks: its bit is shared
      }
      NodeRecord rec = s.recordAt(e.slot());
      DecoderNode node = rec.node();
      NodeRuntime r = rec.state();
      byte f = 0;
      if (node.status() == NodeStatus.ACTIVE
          && (!r.hasHeartbeat() || nowMicros - r.lastHeartbeatMicros() < staleMicros)
          && (overlay == null ? r.healthy() : overlay.healthy(node.nodeId()))) {
        selectable++;
        if (!needTags || c.hasAll(required)) {
          NodeLoad load = overlay == null ? r.load() : overlay.load(node.nodeId(), r);
          f = CAPABLE;
          int match = 0;
          if (region != null && region.equals(c.region())) {
            f |= REGION;
            match = REGION_ONLY;
          }
          if (adapter != null && load.hotAdapters().contains(adapter)) {
            f |= ADAPTER;
            match += ADAPTER_ONLY;
          }
          counts[ALL + match]++;
          if (test != null) {
            boolean inExperiment = c.hasAll(experimentTags);
            if (inExperiment) {
              f |= EXPERIMENT;
              counts[IN_EXPERIMENT + match]++;
            }
            if (noControlTags ? !inExperiment : c.hasAll(controlTags)) {
              f |= CONTROL;
              counts[IN_CONTROL + match]++;
            }
          }
          costs[k] = NodeRecord.cost(node, load);
        }
      }
      flags[k] = f;
      slots[k] = e.slot();
      k++;
    }
    sc.serving = k;
    sc.selectable = selectable;
  }

  /**
   * Pass 2: finds the i-th and j-th members of the final set ({@code want} flags), and keeps the
   * cheapest members and the cheapest capable others by (cost, position).
   */
  static void locate(PoolSnapshot s, SelectionScratch sc, int want, int i, int j, boolean two) {
    byte[] flags = sc.flags;
    double[] costs = sc.costs;
    int best = 0;
    int other = 0;
    int position = 0;
    int ka = -1;
    int kb = -1;
    for (int k = 0, n = sc.serving; k < n; k++) {
      int f = flags[k];
      if (f == 0) {
        continue;
      }
      if ((f & want) == want) {
        if (position == i) {
          ka = k;
        }
        if (position == j) {
          kb = k;
        }
        position++;
        best = insert(sc.bestK, sc.bestCost, best, MAX_ALTERNATIVES + 1, k, costs[k]);
      } else {
        other = insert(sc.otherK, sc.otherCost, other, MAX_ALTERNATIVES, k, costs[k]);
      }
    }
    sc.best = best;
    sc.other = other;
    sc.ka = ka;
    sc.a = s.recordAt(sc.slots[ka]).node();
    sc.costA = costs[ka];
    if (two) {
      sc.kb = kb;
      sc.b = s.recordAt(sc.slots[kb]).node();
      sc.costB = costs[kb];
    }
  }

  /** The ranked members but the chosen one, then the ranked others, at most MAX_ALTERNATIVES. */
  static void alternatives(PoolSnapshot s, SelectionScratch sc, boolean chosenIsB) {
    int chosen = chosenIsB ? sc.kb : sc.ka;
    DecoderNode[] out = sc.alternatives;
    int count = 0;
    for (int b = 0; b < sc.best && count < MAX_ALTERNATIVES; b++) {
      if (sc.bestK[b] != chosen) {
        out[count++] = s.recordAt(sc.slots[sc.bestK[b]]).node();
      }
    }
    for (int o = 0; o < sc.other && count < MAX_ALTERNATIVES; o++) {
      out[count++] = s.recordAt(sc.slots[sc.otherK[o]]).node();
    }
    sc.alternativeCount = count;
  }

  /**
   * Inserts candidate {@code k} at its place by (cost, position) into the first {@code size} entries of a
   * bounded sorted array, dropping the last entry when full; candidates come in increasing position, so at
   * equal cost the earlier one stays first.
   *
   * @return the new size
   */
  private static int insert(int[] ks, double[] cs, int size, int capacity, int k, double cost) {
    if (size == capacity && cost >= cs[size - 1]) {
      return size;
    }
    int at = size < capacity ? size++ : capacity - 1;
    while (at > 0 && cost < cs[at - 1]) {
      ks[at] = ks[at - 1];
      cs[at] = cs[at - 1];
      at--;
    }
    ks[at] = k;
    cs[at] = cost;
    return size;
  }
}
