package io.github.switchboard.pool.internal;

import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeRuntime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/*
 * The ordered sets selection reads, kept by every change instead of rebuilt (each is persistent, so a
 * change copies O(log n) and the older index stays whole for its snapshot):
 * - byId: every node, in id order, counted by class (NodeClasses): the pool in order, the nodes serving
 *   a pair (a mask of classes), the draws of the power of two choices (select by position);
 * - byCost: the eligible nodes (ACTIVE, not recorded unhealthy) by (cost, id): the alternatives;
 * - hot: per adapter, the eligible nodes reporting it hot, in both orders (the adapter step).
 * A heartbeat moves a node in byCost (and in the hot sets of its adapters) only if its cost changed, and
 * in byId only if it became or stopped being eligible (its class changed); counts per class live in the
 * trees, so the index holds no array over the nodes.
 */
/** The selection's ordered sets of a snapshot's nodes, updated by each change. Immutable. */
final class NodeIndex {

  /** The empty index. */
  static final NodeIndex EMPTY =
      new NodeIndex(NodeClasses.EMPTY, new int[0], ClassTree.byId(), ClassTree.byCost(), HashTrie.empty());

  /**
   * The eligible nodes reporting one adapter as hot.
   *
   * @param byId in id order, counted by class
   * @param byCost by (cost, id)
   */
  record HotSet(ClassTree byId, ClassTree byCost) {}

  /**
   * An index in which a node's class has an id, and that id.
   *
   * @param index the index
   * @param cls the class id
   */
  record Classified(NodeIndex index, int cls) {}

  private final NodeClasses classes;
  private final int[] classCounts; // nodes per class id (exact, beyond INDEXED too)
  private final ClassTree byId;
  private final ClassTree byCost;
  private final HashTrie<HotSet> hot;
  private final boolean indexed;

  private NodeIndex(NodeClasses classes, int[] classCounts, ClassTree byId, ClassTree byCost,
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
  static NodeIndex of(List<NodeRecord> records, NodeClasses classes) {
    int n = records.size();
    int[] counts = new int[classes.size()];
    ClassTree.Entry[] ids = new ClassTree.Entry[n];
    List<ClassTree.Entry> costs = new ArrayList<>(n);
    Map<String, List<ClassTree.Entry>> hotIds = new HashMap<>();
    for (int i = 0; i < n; i++) {
      NodeRecord r = records.get(i);
      counts[r.cls()]++;
      ids[i] = new ClassTree.Entry(r.id(), 0, r.slot(), r.cls());
      if (classes.get(r.cls()).eligible()) {
        ClassTree.Entry ce = costEntry(r);
        costs.add(ce);
        for (String a : r.state().load().hotAdapters()) {
          hotIds.computeIfAbsent(a, k -> new ArrayList<>()).add(ce);
        }
      }
    }
    ClassTree idOrder = ClassTree.byId();
    ClassTree costOrder = ClassTree.byCost();
    Arrays.sort(ids, idOrder::compare);
    HashTrie<HotSet> hot = HashTrie.empty();
    for (Map.Entry<String, List<ClassTree.Entry>> e : hotIds.entrySet()) {
      hot = hot.put(e.getKey(), new HotSet(idOrder.of(sorted(e.getValue(), idOrder), e.getValue().size()),
          costOrder.of(sorted(e.getValue(), costOrder), e.getValue().size())));
    }
    return new NodeIndex(classes, counts, idOrder.of(ids, n), costOrder.of(sorted(costs, costOrder), costs.size()),
        hot);
  }

  private static ClassTree.Entry[] sorted(List<ClassTree.Entry> entries, ClassTree order) {
    ClassTree.Entry[] a = entries.toArray(new ClassTree.Entry[0]);
    Comparator<ClassTree.Entry> c = order::compare;
    Arrays.sort(a, c);
    return a;
  }

  private static ClassTree.Entry costEntry(NodeRecord r) {
    return new ClassTree.Entry(r.id(), r.cost(), r.slot(), r.cls());
  }

  /**
   * Returns the classes.
   *
   * @return the classes
   */
  NodeClasses classes() {
    return classes;
  }

  /**
   * Returns every node in id order, counted by class.
   *
   * @return the tree
   */
  ClassTree byId() {
    return byId;
  }

  /**
   * Returns the eligible nodes by (cost, id).
   *
   * @return the tree
   */
  ClassTree byCost() {
    return byCost;
  }

  /**
   * Returns the eligible nodes reporting an adapter as hot.
   *
   * @param adapter the adapter
   * @return the set, null if none
   */
  @Nullable HotSet hot(String adapter) {
    return hot.get(adapter);
  }

  /**
   * Returns whether every class in use has a bit of its own (the indexes can answer a selection).
   *
   * @return true if so
   */
  boolean indexed() {
    return indexed;
  }

  /**
   * Returns the id of a node's class in this index, or in a copy that adds the class.
   *
   * @param node the configuration
   * @param runtime the runtime state, null for none
   * @return the index and the id
   */
  Classified classify(DecoderNode node, @Nullable NodeRuntime runtime) {
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
  NodeIndex update(@Nullable NodeRecord old, @Nullable NodeRecord now) {
    int[] counts = classCounts;
    ClassTree ids = byId;
    boolean classChanged = old == null || now == null || old.cls() != now.cls();
    if (classChanged) {
      counts = classCounts.clone();
      if (old != null) {
        counts[old.cls()]--;
        ids = ids.delete(new ClassTree.Entry(old.id(), 0, old.slot(), old.cls()));
      }
      if (now != null) {
        counts[now.cls()]++;
        ids = ids.insert(new ClassTree.Entry(now.id(), 0, now.slot(), now.cls()));
      }
    }
    ClassTree.Entry before = old != null && classes.get(old.cls()).eligible() ? costEntry(old) : null;
    ClassTree.Entry after = now != null && classes.get(now.cls()).eligible() ? costEntry(now) : null;
    if (before == null && after == null) {
      return new NodeIndex(classes, counts, ids, byCost, hot);
    }
    boolean moved = before == null || after == null || !before.equals(after);
    ClassTree costs = byCost;
    if (moved) {
      costs = before == null ? costs : costs.delete(before);
      costs = after == null ? costs : costs.insert(after);
    }
    HashTrie<HotSet> h = updateHot(before, after, old, now);
    return new NodeIndex(classes, counts, ids, costs, h);
  }

  private HashTrie<HotSet> updateHot(ClassTree.@Nullable Entry before, ClassTree.@Nullable Entry after,
      @Nullable NodeRecord old, @Nullable NodeRecord now) {
    List<String> was = before == null || old == null ? List.of() : old.state().load().hotAdapters();
    List<String> is = after == null || now == null ? List.of() : now.state().load().hotAdapters();
    if (was.isEmpty() && is.isEmpty()) {
      return hot;
    }
    HashTrie<HotSet> h = hot;
    for (String a : was) {
      if (after == null || !is.contains(a) || !before.equals(after)) {
        h = withoutEntry(h, a, before);
      }
    }
    for (String a : is) {
      if (before == null || !was.contains(a) || !before.equals(after)) {
        h = withEntry(h, a, after);
      }
    }
    return h;
  }

  private static HashTrie<HotSet> withoutEntry(HashTrie<HotSet> h, String adapter, ClassTree.Entry e) {
    HotSet s = h.get(adapter);
    if (s == null) {
      return h;
    }
    ClassTree ids = s.byId().delete(new ClassTree.Entry(e.id(), 0, e.slot(), e.cls()));
    if (ids.size() == 0) {
      return h.remove(adapter);
    }
    return h.put(adapter, new HotSet(ids, s.byCost().delete(e)));
  }

  private static HashTrie<HotSet> withEntry(HashTrie<HotSet> h, String adapter, ClassTree.Entry e) {
    HotSet s = h.get(adapter);
    if (s == null) {
      s = new HotSet(ClassTree.byId(), ClassTree.byCost());
    }
    return h.put(adapter, new HotSet(s.byId().insert(new ClassTree.Entry(e.id(), 0, e.slot(), e.cls())),
        s.byCost().insert(e)));
  }

  @Override
  public String toString() {
    return "NodeIndex[" + classes + ", nodes=" + byId.size() + ", eligible=" + byCost.size() + "]";
  }
}
