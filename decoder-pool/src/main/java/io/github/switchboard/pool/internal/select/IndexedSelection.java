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
import io.github.switchboard.pool.RoutingRequest;
import io.github.switchboard.pool.internal.index.ClassTree;
import io.github.switchboard.pool.internal.index.CostCursor;
import io.github.switchboard.pool.internal.index.NodeClass;
import io.github.switchboard.pool.internal.index.NodeClasses;
import io.github.switchboard.pool.internal.index.NodeIndex;
import io.github.switchboard.pool.internal.index.NodeRecord;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import java.util.List;
import org.jspecify.annotations.Nullable;

/*
 * Selection on the snapshot's indexes (NodeIndex), with the scan's rules and answers, at a cost that
 * follows the classes of nodes and log n, not the candidates:
 *
 * - Every filter but freshness, hot adapters and cost is a property of a node's class (NodeClass: its
 *   languages, tags, region, and whether it is eligible), so the counts of the steps (how many serve the
 *   pair, are selectable, capable, in the A/B group, in the region, report the adapter hot) are sums over
 *   classes of the counts the trees keep per class: byId for every node, the adapter's hot set for the
 *   hot ones.
 * - Freshness is the one filter that changes without a change: the eligible nodes gone stale by now are
 *   found in the slot table (SlotTable.stale, O(stale)) and taken off their classes' counts. Past
 *   SelectionScratch.MAX_STALE of them, the scan answers instead.
 * - The draws are positions in the final set in id order: the final set is a mask of classes in byId (or
 *   in the adapter's hot set), minus its stale members; select(k, mask) finds a position in one descent,
 *   shifted past the stale members ranked before it.
 * - The alternatives are the final set's first members in cost order (a walk of byCost, or the hot set's,
 *   over the final set's classes), then the other capable nodes' (a walk of byCost over the capable
 *   classes, skipping the final set's members), skipping stale nodes and the chosen one.
 *
 * Nothing is allocated: the counts and stale nodes live in the per-thread SelectionScratch.
 */
/** Selection on the snapshot's indexes: counts per class, draws by position, alternatives by cost order. */
final class IndexedSelection {
  private IndexedSelection() {}

  /**
   * Counts the capable candidates by group and match from the classes, or says that the indexes cannot
   * answer (then nothing was drawn and the scan answers).
   *
   * @return false if the scan must answer
   */
  static boolean count(PoolSnapshot s, RoutingRequest request, @Nullable AbTest test, long nowMicros,
      long staleMicros, SelectionScratch sc) {
    NodeIndex index = s.index();
    if (!index.indexed()) {
      return false;
    }
    int stale = s.records().stale(nowMicros - staleMicros, sc.staleSlots);
    if (stale < 0) {
      return false;
    }
    sc.staleCount = stale;
    NodeClasses classes = index.classes();
    ClassTree byId = index.byId();
    long serving = classes.servingPair(request.sourceLanguage(), request.targetLanguage()) & byId.mask();
    sc.serving = byId.count(serving);
    String adapter = request.adapter().orElse(null);
    NodeIndex.HotSet hot = adapter == null ? null : index.hot(adapter);
    if (stale > 0) {
      countStale(s, sc, serving, hot == null ? null : adapter);
    }
    String region = request.preferredRegion().orElse(null);
    List<String> required = request.requiredTags();
    List<String> experimentTags = test == null ? List.of() : test.experimentGroupTags();
    List<String> controlTags = test == null ? List.of() : test.controlGroupTags();
    int[] counts = sc.counts;
    int selectable = 0;
    long capable = 0;
    for (long m = serving; m != 0; m &= m - 1) {
      int c = Long.numberOfTrailingZeros(m);
      NodeClass k = classes.get(c);
      if (!k.eligible()) {
        continue;
      }
      int fresh = byId.count(c) - (stale > 0 ? sc.staleByClass[c] : 0);
      selectable += fresh;
      if (fresh == 0 || !k.hasAll(required)) {
        continue;
      }
      int hotFresh = hot == null ? 0 : hot.byId().count(c) - (stale > 0 ? sc.staleHotByClass[c] : 0);
      byte f = CAPABLE;
      int match = 0;
      if (region != null && region.equals(k.region())) {
        f |= REGION;
        match = REGION_ONLY;
      }
      add(counts, ALL + match, fresh, hotFresh);
      if (test != null) {
        boolean inExperiment = k.hasAll(experimentTags);
        if (inExperiment) {
          f |= EXPERIMENT;
          add(counts, IN_EXPERIMENT + match, fresh, hotFresh);
        }
        if (controlTags.isEmpty() ? !inExperiment : k.hasAll(controlTags)) {
          f |= CONTROL;
          add(counts, IN_CONTROL + match, fresh, hotFresh);
        }
      }
      sc.classFlags[c] = f;
      capable |= NodeClasses.bit(c);
    }
    sc.capableMask = capable;
    sc.selectable = selectable;
    return true;
  }

  /** The fresh members of a class at a count index: the hot ones one index (ADAPTER_ONLY) further. */
  private static void add(int[] counts, int at, int fresh, int hotFresh) {
    counts[at] += fresh - hotFresh;
    counts[at + ADAPTER_ONLY] += hotFresh;
  }

  /** Counts the stale nodes per class (and the hot ones), among the classes serving the pair. */
  private static void countStale(PoolSnapshot s, SelectionScratch sc, long serving, @Nullable String adapter) {
    for (long m = serving; m != 0; m &= m - 1) {
      int c = Long.numberOfTrailingZeros(m);
      sc.staleByClass[c] = 0;
      sc.staleHotByClass[c] = 0;
    }
    for (int i = 0; i < sc.staleCount; i++) {
      NodeRecord r = s.recordAt(sc.staleSlots[i]);
      int c = r.cls();
      if ((NodeClasses.bit(c) & serving) != 0) {
        sc.staleByClass[c]++;
        if (adapter != null && r.state().load().hotAdapters().contains(adapter)) {
          sc.staleHotByClass[c]++;
        }
      }
    }
  }

  /** The classes of the final set: the capable ones that have every group bit {@code want} asks for. */
  private static long finalClasses(SelectionScratch sc, int want) {
    int groups = want & ~ADAPTER;
    long f = 0;
    for (long m = sc.capableMask; m != 0; m &= m - 1) {
      int c = Long.numberOfTrailingZeros(m);
      if ((sc.classFlags[c] & groups) == groups) {
        f |= NodeClasses.bit(c);
      }
    }
    return f;
  }

  /** Finds the i-th (and j-th) member of the final set in id order. */
  static void locate(PoolSnapshot s, RoutingRequest request, SelectionScratch sc, int want, int i, int j,
      boolean two) {
    long classes = finalClasses(sc, want);
    String adapter = (want & ADAPTER) != 0 ? request.adapter().orElseThrow() : null;
    NodeIndex.HotSet hot = adapter == null ? null : s.index().hot(adapter);
    ClassTree tree = hot == null ? s.index().byId() : hot.byId();
    int ranked = 0;
    for (int k = 0; k < sc.staleCount; k++) { // the stale members' positions, in order
      NodeRecord r = s.recordAt(sc.staleSlots[k]);
      if (inFinalSet(r, classes, adapter)) {
        int rank = tree.rank(r.id(), classes);
        int at = ranked++;
        while (at > 0 && sc.staleRanks[at - 1] > rank) {
          sc.staleRanks[at] = sc.staleRanks[at - 1];
          at--;
        }
        sc.staleRanks[at] = rank;
      }
    }
    NodeRecord a = s.recordAt(tree.select(position(sc, ranked, i), classes).slot());
    sc.a = a.node();
    sc.slotA = a.slot();
    sc.costA = a.cost();
    if (two) {
      NodeRecord b = s.recordAt(tree.select(position(sc, ranked, j), classes).slot());
      sc.b = b.node();
      sc.slotB = b.slot();
      sc.costB = b.cost();
    }
  }

  /** The position of the p-th fresh member among all members, the stale ones ranked in order. */
  private static int position(SelectionScratch sc, int ranked, int p) {
    int q = p;
    for (int t = 0; t < ranked && sc.staleRanks[t] <= q; t++) {
      q++;
    }
    return q;
  }

  private static boolean inFinalSet(NodeRecord r, long classes, @Nullable String adapter) {
    return (NodeClasses.bit(r.cls()) & classes) != 0
        && (adapter == null || r.state().load().hotAdapters().contains(adapter));
  }

  /** The final set's cheapest members but the chosen one, then the other capable nodes', at most 8. */
  static void alternatives(PoolSnapshot s, RoutingRequest request, SelectionScratch sc, int want, long nowMicros,
      long staleMicros, boolean chosenIsB) {
    long classes = finalClasses(sc, want);
    String adapter = (want & ADAPTER) != 0 ? request.adapter().orElseThrow() : null;
    NodeIndex.HotSet hot = adapter == null ? null : s.index().hot(adapter);
    int chosen = chosenIsB ? sc.slotB : sc.slotA;
    long threshold = nowMicros - staleMicros;
    DecoderNode[] out = sc.alternatives;
    int count = 0;
    CostCursor walk = sc.costCursor;
    walk.start(hot == null ? s.index().byCost() : hot.byCost(), classes);
    while (count < MAX_ALTERNATIVES && walk.advance()) {
      NodeRecord r = s.recordAt(walk.slot());
      if (walk.slot() != chosen && r.eligibleBeat() > threshold) {
        out[count++] = r.node();
      }
    }
    if (count < MAX_ALTERNATIVES && (sc.capableMask != classes || adapter != null)) {
      walk.start(s.index().byCost(), sc.capableMask);
      while (count < MAX_ALTERNATIVES && walk.advance()) {
        NodeRecord r = s.recordAt(walk.slot());
        if (r.eligibleBeat() > threshold && !inFinalSet(r, classes, adapter)) {
          out[count++] = r.node();
        }
      }
    }
    walk.clear();
    sc.alternativeCount = count;
  }
}
