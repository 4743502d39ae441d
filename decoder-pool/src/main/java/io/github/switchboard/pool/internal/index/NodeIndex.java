package io.github.switchboard.pool.internal.index;

import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeRuntime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/*
 * The ordered sets selection reads, kept by every change instead of rebuilt (each is persistent, so a
 * change copies O(log n) and the older index stays whole for its snapshot):
 * - byId: every node, in id order, counted by class (NodeClasses): the pool in order, the nodes serving
 *   a pair (a mask of classes), the draws of the power of two choices (select by position); a ClassTree;
 * - byCost: the eligible nodes (ACTIVE, not recorded unhealthy) by (cost, id): the alternatives; a
 *   CostTree (a B+tree: a heartbeat that changes a node's load moves it there, so it must be cheap);
 * - hot: per adapter, the eligible nodes reporting it hot, in both orders (the adapter step).
 * A heartbeat moves a node in byCost (and in the hot sets of its adapters) only if its cost changed, and
 * in byId only if it became or stopped being eligible (its class changed); counts per class live in the
 * trees, so the index holds no array over the nodes.
 */
/** The selection's ordered sets of a snapshot's nodes, updated by each change. Immutable. */
public final class NodeIndex {

  /** The empty index. */
  public static final NodeIndex EMPTY =
      new NodeIndex(NodeClasses.EMPTY, new int[0], ClassTree.EMPTY, CostTree.EMPTY, HashTrie.empty());

  /**
   * The eligible nodes reporting one adapter as hot.
   *
   * @param byId in id order, counted by class
   * @param byCost by (cost, id)
   */
  public record HotSet(ClassTree byId, CostTree byCost) {}

  /**
   * An index in which a node's class has an id, and that id.
   *
   * @param index the index
   * @param cls the class id
   */
  public record Classified(NodeIndex index, int cls) {}

  private final NodeClasses classes;
  private final int[] classCounts; // nodes per class id (exact, beyond INDEXED too)
  private final ClassTree byId;
  private final CostTree byCost;
  private final HashTrie<HotSet> hot;
  private final boolean indexed;

  private NodeIndex(NodeClasses classes, int[] classCounts, ClassTree byId, CostTree byCost,
      HashTrie<HotSet> hot) {
    this.classes = classes;
    this.classCounts = classCounts;
    this.byId = byId;
    this.byCost = byCost;
    this.hot = hot;
    boolean ok = true;
    for (int c = NodeClasses.INDEXED; c < classCounts.length && ok; c++) {
      ok = classCounts[c] == 0;
    }
    this.indexed = ok;
  }

  /**
   * Returns the index of a set of records, built in O(n log n).
   *
   * @param records the records, their classes numbered by {@code classes}
   * @param classes the classes
   * @return the index
   */
  public static NodeIndex of(List<NodeRecord> records, NodeClasses classes) {
    int n = records.size();
    int[] counts = new int[classes.size()];
    ClassTree.Entry[] ids = new ClassTree.Entry[n];
    List<Cost> costs = new ArrayList<>(n);
    Map<String, List<Cost>> hotCosts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      NodeRecord r = records.get(i);
      counts[r.cls()]++;
      ids[i] = idEntry(r);
      if (classes.get(r.cls()).eligible()) {
        Cost c = new Cost(r.cost(), r);
        costs.add(c);
        for (String a : r.state().load().hotAdapters()) {
          hotCosts.computeIfAbsent(a, k -> new ArrayList<>()).add(c);
        }
      }
    }
    Arrays.sort(ids, ClassTree::compare);
    HashTrie<HotSet> hot = HashTrie.empty();
    for (Map.Entry<String, List<Cost>> e : hotCosts.entrySet()) {
      List<Cost> hc = e.getValue();
      ClassTree.Entry[] hotIds = new ClassTree.Entry[hc.size()];
      for (int i = 0; i < hotIds.length; i++) {
        hotIds[i] = idEntry(hc.get(i).record());
      }
      Arrays.sort(hotIds, ClassTree::compare);
      hot = hot.put(e.getKey(), new HotSet(ClassTree.of(hotIds, hotIds.length), costTree(hc)));
    }
    return new NodeIndex(classes, counts, ClassTree.of(ids, n), costTree(costs), hot);
  }

  /** A record with its cost, for the bulk build. */
  private record Cost(double cost, NodeRecord record) {}

  private static CostTree costTree(List<Cost> entries) {
    Cost[] a = entries.toArray(new Cost[0]);
    Arrays.sort(a, Comparator.comparingDouble(Cost::cost).thenComparingLong(c -> c.record().label()));
    int n = a.length;
    double[] costs = new double[n];
    long[] labels = new long[n];
    int[] slots = new int[n];
    int[] classes = new int[n];
    for (int i = 0; i < n; i++) {
      costs[i] = a[i].cost();
      labels[i] = a[i].record().label();
      slots[i] = a[i].record().slot();
      classes[i] = a[i].record().cls();
    }
    return CostTree.of(costs, labels, slots, classes, n);
  }

  private static ClassTree.Entry idEntry(NodeRecord r) {
    return new ClassTree.Entry(r.id(), r.slot(), r.cls());
  }

  /**
   * Returns the classes.
   *
   * @return the classes
   */
  public NodeClasses classes() {
    return classes;
  }

  /**
   * Returns every node in id order, counted by class.
   *
   * @return the tree
   */
  public ClassTree byId() {
    return byId;
  }

  /**
   * Returns the eligible nodes by (cost, id).
   *
   * @return the tree
   */
  public CostTree byCost() {
    return byCost;
  }

  /**
   * Returns the eligible nodes reporting an adapter as hot.
   *
   * @param adapter the adapter
   * @return the set, null if none
   */
  public @Nullable HotSet hot(String adapter) {
    return hot.get(adapter);
  }

  /**
   * Returns whether every class in use has a bit of its own (the indexes can answer a selection).
   *
   * @return true if so
   */
  public boolean indexed() {
    return indexed;
  }

  /**
   * Returns the id of a node's class in this index, or in a copy that adds the class.
   *
   * @param node the configuration
   * @param runtime the runtime state, null for none
   * @return the index and the id
   */
  public Classified classify(DecoderNode node, @Nullable NodeRuntime runtime) {
    NodeClass c = NodeClass.of(node, NodeRecord.eligible(node, runtime));
    int id = classes.id(c);
    if (id >= 0) {
      return new Classified(this, id);
    }
    NodeClasses next = classes.with(c, i -> i < classCounts.length && classCounts[i] == 0);
    int[] counts = classCounts.length < next.size() ? Arrays.copyOf(classCounts, next.size()) : classCounts;
    NodeIndex grown = new NodeIndex(next, counts, byId, byCost, hot);
    return new Classified(grown, next.id(c));
  }

  /**
   * Returns the index after one node changed: added ({@code old} null), removed ({@code now} null) or
   * replaced (same id and slot). Copies O(log n) per ordered set the node moves in.
   *
   * @param old the node's record before, null if it is new
   * @param now its record after, null if it is removed
   * @return the new index
   */
  public NodeIndex update(@Nullable NodeRecord old, @Nullable NodeRecord now) {
    int[] counts = classCounts;
    ClassTree ids = byId;
    boolean classChanged = old == null || now == null || old.cls() != now.cls();
    if (classChanged) {
      counts = classCounts.clone();
      if (old != null) {
        counts[old.cls()]--;
        ids = ids.delete(idEntry(old));
      }
      if (now != null) {
        counts[now.cls()]++;
        ids = ids.insert(idEntry(now));
      }
    }
    NodeRecord was = old != null && classes.get(old.cls()).eligible() ? old : null; // null: not eligible
    NodeRecord is = now != null && classes.get(now.cls()).eligible() ? now : null;
    if (was == null && is == null) {
      return new NodeIndex(classes, counts, ids, byCost, hot);
    }
    double before = was != null ? was.cost() : Double.NaN;
    double after = is != null ? is.cost() : Double.NaN;
    boolean moved = was == null || is == null || classChanged || Double.compare(before, after) != 0;
    CostTree costs = byCost;
    if (moved) {
      costs = was != null ? costs.delete(before, was.label()) : costs;
      costs = is != null ? costs.insert(after, is.label(), is.slot(), is.cls()) : costs;
    }
    HashTrie<HotSet> h = updateHot(was, is, before, after, moved, classChanged);
    return new NodeIndex(classes, counts, ids, costs, h);
  }

  /**
   * Returns the index after many nodes changed their runtime state (a pull of heartbeats), as one batch:
   * the cost moves of all of them go into the cost trees in one pass each, copying every tree node on
   * the way once ({@link CostTree#apply}); a node whose class changed (it became or stopped being
   * eligible) is updated on its own.
   *
   * @param olds the records before, each of a distinct node
   * @param nows the records after, same positions, same slots
   * @param n how many
   * @return the new index
   */
  public NodeIndex updateAll(NodeRecord[] olds, NodeRecord[] nows, int n) {
    NodeIndex ix = this;
    CostBatch costs = new CostBatch();
    Map<String, CostBatch> hotCosts = new HashMap<>();
    for (int k = 0; k < n; k++) {
      NodeRecord old = olds[k];
      NodeRecord now = nows[k];
      if (old.cls() != now.cls() || !classes.get(now.cls()).eligible()) {
        if (old.cls() != now.cls()) {
          ix = ix.update(old, now);
        }
        continue;
      }
      List<String> was = old.state().load().hotAdapters();
      List<String> is = now.state().load().hotAdapters();
      if (!was.equals(is)) {
        ix = ix.update(old, now); // hot sets change: the single path (rare: adapters load and unload slowly)
        continue;
      }
      double before = old.cost();
      double after = now.cost();
      if (Double.compare(before, after) != 0) {
        costs.delete(before, old.label());
        costs.insert(after, now.label(), now.slot(), now.cls());
        for (String a : is) {
          CostBatch hb = hotCosts.computeIfAbsent(a, x -> new CostBatch());
          hb.delete(before, old.label());
          hb.insert(after, now.label(), now.slot(), now.cls());
        }
      }
    }
    if (costs.isEmpty()) {
      return ix;
    }
    costs.sort();
    HashTrie<HotSet> h = ix.hot;
    for (Map.Entry<String, CostBatch> e : hotCosts.entrySet()) {
      HotSet set = Objects.requireNonNull(h.get(e.getKey()), "hot set");
      e.getValue().sort();
      h = h.put(e.getKey(), new HotSet(set.byId(), set.byCost().apply(e.getValue())));
    }
    return new NodeIndex(ix.classes, ix.classCounts, ix.byId, ix.byCost.apply(costs), h);
  }

  /** The hot sets after a node moved: out of the sets of adapters it no longer reports, into the new ones. */
  private HashTrie<HotSet> updateHot(@Nullable NodeRecord old, @Nullable NodeRecord now, double before,
      double after, boolean moved, boolean classChanged) {
    List<String> was = old == null ? List.of() : old.state().load().hotAdapters();
    List<String> is = now == null ? List.of() : now.state().load().hotAdapters();
    HashTrie<HotSet> h = hot;
    if (old != null) { // else was is empty
      for (String a : was) {
        boolean stays = now != null && is.contains(a);
        if (!stays || moved) {
          h = without(h, a, old, before, stays && !classChanged);
        }
      }
    }
    if (now != null) { // else is is empty
      for (String a : is) {
        boolean stayed = old != null && was.contains(a);
        if (!stayed || moved) {
          h = with(h, a, now, after, stayed && !classChanged);
        }
      }
    }
    return h;
  }

  /** The hot set of an adapter without a node (only its cost entry if {@code costOnly}). */
  private static HashTrie<HotSet> without(HashTrie<HotSet> h, String adapter, NodeRecord r, double cost,
      boolean costOnly) {
    HotSet s = h.get(adapter);
    if (s == null) {
      return h;
    }
    ClassTree ids = costOnly ? s.byId() : s.byId().delete(idEntry(r));
    if (ids.size() == 0) {
      return h.remove(adapter);
    }
    return h.put(adapter, new HotSet(ids, s.byCost().delete(cost, r.label())));
  }

  /** The hot set of an adapter with a node (only its cost entry if {@code costOnly}). */
  private static HashTrie<HotSet> with(HashTrie<HotSet> h, String adapter, NodeRecord r, double cost,
      boolean costOnly) {
    HotSet s = h.get(adapter);
    if (s == null) {
      s = new HotSet(ClassTree.EMPTY, CostTree.EMPTY);
    }
    ClassTree ids = costOnly ? s.byId() : s.byId().insert(idEntry(r));
    return h.put(adapter, new HotSet(ids, s.byCost().insert(cost, r.label(), r.slot(), r.cls())));
  }

  @Override
  public String toString() {
    return "NodeIndex[" + classes + ", nodes=" + byId.size() + ", eligible=" + byCost.size() + "]";
  }
}
