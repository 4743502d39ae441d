package io.github.switchboard.pool.internal.index;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/*
 * The eligible nodes by (cost, id): a persistent B+tree keyed by (cost, label), a node's label being a
 * number in the order of its id (NodeRecord.label), so that no comparison reads a string (leaves of up to 32 entries in parallel arrays,
 * inner nodes of up to 32 children with each child's last key and class mask). Every heartbeat that
 * changes a node's load moves it here (a delete and an insert), so this is the index a busy fleet updates
 * most: 20,000 nodes heartbeating once a second are 20,000 moves a second on every coordinator. A B+tree
 * of 20,000 entries is 3 levels deep, and a level is a binary search in a contiguous array of costs, so a
 * move touches a few cache lines instead of the 30 scattered nodes of a binary tree's two paths; a leaf
 * and each inner node on the path are copied (arrays sized to their entries), every older tree stays as
 * it was. A leaf or inner node that falls under MIN entries is merged with a neighbour when both fit in
 * one. A CostCursor walks the entries of some classes in order, skipping every child whose mask holds none;
 * a CostBatch of changes applies in one pass (apply), copying each node on the way once.
 */
/** An immutable ordered set of (cost, label) entries with a slot and a class each, walked by class mask. */
final class CostTree {
  private static final int MAX = 32;
  private static final int MIN = 8;

  /** The empty tree. */
  static final CostTree EMPTY = new CostTree(null, 0);

  /** Entries in order, in parallel arrays. */
  static final class Leaf {
    final double[] costs;
    final long[] labels;
    final int[] slots;
    final int[] classes;
    final long mask;

    Leaf(double[] costs, long[] labels, int[] slots, int[] classes) {
      this.costs = costs;
      this.labels = labels;
      this.slots = slots;
      this.classes = classes;
      long m = 0;
      for (int c : classes) {
        m |= NodeClasses.bit(c);
      }
      this.mask = m;
    }

    int size() {
      return labels.length;
    }
  }

  /** Children in order, with each one's last key and class mask in arrays (no child is read to route). */
  static final class Inner {
    final Object[] kids; // Leaf or Inner
    final double[] lastCosts;
    final long[] lastLabels;
    final long[] masks;
    final long mask;

    private Inner(Object[] kids, double[] lastCosts, long[] lastLabels, long[] masks) {
      this.kids = kids;
      this.lastCosts = lastCosts;
      this.lastLabels = lastLabels;
      this.masks = masks;
      long m = 0;
      for (long k : masks) {
        m |= k;
      }
      this.mask = m;
    }

    /** An inner node over children, reading each one's last key and mask. */
    static Inner of(Object[] kids) {
      int n = kids.length;
      double[] costs = new double[n];
      long[] labels = new long[n];
      long[] m = new long[n];
      for (int i = 0; i < n; i++) {
        describe(kids[i], i, costs, labels, m);
      }
      return new Inner(kids, costs, labels, m);
    }

    /** Puts a child's last key and mask at position i of the arrays. */
    private static void describe(Object k, int i, double[] costs, long[] labels, long[] m) {
      if (k instanceof Leaf l) {
        costs[i] = l.costs[l.size() - 1];
        labels[i] = l.labels[l.size() - 1];
        m[i] = l.mask;
      } else {
        Inner in = (Inner) k;
        int last = in.kids.length - 1;
        costs[i] = in.lastCosts[last];
        labels[i] = in.lastLabels[last];
        m[i] = in.mask;
      }
    }

    /** This node with {@code count} children from {@code c} replaced by {@code r} (read: only those). */
    Inner replace(int c, int count, Object... r) {
      int n = kids.length - count + r.length;
      Object[] k = new Object[n];
      double[] costs = new double[n];
      long[] labels = new long[n];
      long[] m = new long[n];
      int tail = kids.length - c - count;
      System.arraycopy(kids, 0, k, 0, c);
      System.arraycopy(lastCosts, 0, costs, 0, c);
      System.arraycopy(lastLabels, 0, labels, 0, c);
      System.arraycopy(masks, 0, m, 0, c);
      System.arraycopy(kids, c + count, k, c + r.length, tail);
      System.arraycopy(lastCosts, c + count, costs, c + r.length, tail);
      System.arraycopy(lastLabels, c + count, labels, c + r.length, tail);
      System.arraycopy(masks, c + count, m, c + r.length, tail);
      for (int i = 0; i < r.length; i++) {
        k[c + i] = r[i];
        describe(r[i], c + i, costs, labels, m);
      }
      return new Inner(k, costs, labels, m);
    }

    /** The children from {@code from} to {@code to}. */
    Inner slice(int from, int to) {
      return new Inner(Arrays.copyOfRange(kids, from, to), Arrays.copyOfRange(lastCosts, from, to),
          Arrays.copyOfRange(lastLabels, from, to), Arrays.copyOfRange(masks, from, to));
    }
  }

  private final @Nullable Object root; // Leaf or Inner, null when empty

  /** The root: a Leaf, an Inner, or null when empty (for {@link CostCursor}). */
  @Nullable Object root() {
    return root;
  }
  private final int size;

  private CostTree(@Nullable Object root, int size) {
    this.root = root;
    this.size = size;
  }

  /**
   * Compares two keys in the tree's order.
   *
   * @return negative, zero or positive
   */
  static int compare(double costA, long labelA, double costB, long labelB) {
    int c = Double.compare(costA, costB);
    return c != 0 ? c : Long.compare(labelA, labelB);
  }

  /**
   * Returns a tree of entries given in order, built in O(n).
   *
   * @param costs the costs
   * @param labels the nodes' labels (with the costs: distinct, in (cost, label) order)
   * @param slots the slots
   * @param classes the class ids
   * @param n how many entries
   * @return the tree
   */
  static CostTree of(double[] costs, long[] labels, int[] slots, int[] classes, int n) {
    if (n == 0) {
      return EMPTY;
    }
    Object[] level = new Object[(n + MAX - 1) / MAX];
    for (int i = 0, from = 0; from < n; i++, from += MAX) {
      int to = Math.min(n, from + MAX);
      level[i] = new Leaf(Arrays.copyOfRange(costs, from, to), Arrays.copyOfRange(labels, from, to),
          Arrays.copyOfRange(slots, from, to), Arrays.copyOfRange(classes, from, to));
    }
    while (level.length > 1) {
      Object[] up = new Object[(level.length + MAX - 1) / MAX];
      for (int i = 0, from = 0; from < level.length; i++, from += MAX) {
        up[i] = Inner.of(Arrays.copyOfRange(level, from, Math.min(level.length, from + MAX)));
      }
      level = up;
    }
    return new CostTree(level[0], n);
  }

  /**
   * Returns the number of entries.
   *
   * @return the size
   */
  int size() {
    return size;
  }

  /**
   * Returns a tree with an entry added (or replacing the one of the same cost and label).
   *
   * @param cost the cost
   * @param label the node's label (NodeRecord.label: its place in id order)
   * @param slot the slot
   * @param cls the class id
   * @return the new tree
   */
  CostTree insert(double cost, long label, int slot, int cls) {
    if (root == null) {
      return new CostTree(new Leaf(new double[] {cost}, new long[] {label}, new int[] {slot}, new int[] {cls}), 1);
    }
    boolean[] added = {true};
    Object[] r = insert(root, cost, label, slot, cls, added);
    Object top = r.length == 1 ? r[0] : Inner.of(r);
    return new CostTree(top, added[0] ? size + 1 : size);
  }

  /** The node with the entry: one node, or two after a split. */
  private static Object[] insert(Object node, double cost, long label, int slot, int cls, boolean[] added) {
    if (node instanceof Leaf l) {
      int at = position(l, cost, label);
      int n = l.size();
      if (at < n && l.costs[at] == cost && l.labels[at] == label) {
        added[0] = false;
        int[] slots = l.slots.clone();
        int[] classes = l.classes.clone();
        slots[at] = slot;
        classes[at] = cls;
        return new Object[] {new Leaf(l.costs, l.labels, slots, classes)};
      }
      double[] costs = new double[n + 1];
      long[] labels = new long[n + 1];
      int[] slots = new int[n + 1];
      int[] classes = new int[n + 1];
      insertAt(l.costs, costs, at, cost);
      insertAt(l.labels, labels, at, label);
      insertAt(l.slots, slots, at, slot);
      insertAt(l.classes, classes, at, cls);
      if (n + 1 <= MAX) {
        return new Object[] {new Leaf(costs, labels, slots, classes)};
      }
      int half = (n + 1) / 2;
      return new Object[] {
          new Leaf(Arrays.copyOfRange(costs, 0, half), Arrays.copyOfRange(labels, 0, half),
              Arrays.copyOfRange(slots, 0, half), Arrays.copyOfRange(classes, 0, half)),
          new Leaf(Arrays.copyOfRange(costs, half, n + 1), Arrays.copyOfRange(labels, half, n + 1),
              Arrays.copyOfRange(slots, half, n + 1), Arrays.copyOfRange(classes, half, n + 1))};
    }
    Inner in = (Inner) node;
    int c = child(in, cost, label);
    Inner up = in.replace(c, 1, insert(in.kids[c], cost, label, slot, cls, added));
    int n = up.kids.length;
    if (n <= MAX) {
      return new Object[] {up};
    }
    return new Object[] {up.slice(0, n / 2), up.slice(n / 2, n)};
  }

  /**
   * Returns a tree without the entry of a cost and label.
   *
   * @param cost the cost
   * @param label the node's label (NodeRecord.label: its place in id order)
   * @return the new tree (this one if absent)
   */
  CostTree delete(double cost, long label) {
    if (root == null) {
      return this;
    }
    Object r = delete(root, cost, label);
    if (r == root) {
      return this;
    }
    if (r instanceof Inner in && in.kids.length == 1) {
      r = in.kids[0];
    }
    return new CostTree(r, size - 1);
  }

  /** The node without the entry: the same node if absent, null if it emptied. */
  private static @Nullable Object delete(Object node, double cost, long label) {
    if (node instanceof Leaf l) {
      int at = position(l, cost, label);
      if (at == l.size() || l.costs[at] != cost || l.labels[at] != label) {
        return node;
      }
      if (l.size() == 1) {
        return null;
      }
      return new Leaf(removeAt(l.costs, at), removeAt(l.labels, at), removeAt(l.slots, at), removeAt(l.classes, at));
    }
    Inner in = (Inner) node;
    int c = child(in, cost, label);
    Object old = in.kids[c];
    Object r = delete(old, cost, label);
    if (r == old) {
      return node;
    }
    if (r == null) {
      return in.kids.length == 1 ? null : in.replace(c, 1);
    }
    Inner up = in.replace(c, 1, r);
    if (entries(r) < MIN && up.kids.length > 1) { // merge with a neighbour if both fit in one
      int first = c > 0 ? c - 1 : c;
      Object merged = merge(up.kids[first], up.kids[first + 1]);
      if (merged != null) {
        up = up.replace(first, 2, merged);
      }
    }
    return up;
  }

  private static int entries(Object node) {
    return node instanceof Leaf l ? l.size() : ((Inner) node).kids.length;
  }

  /** Two neighbours of one level as one node, or null if they do not fit in one. */
  private static @Nullable Object merge(Object a, Object b) {
    if (entries(a) + entries(b) > MAX) {
      return null;
    }
    if (a instanceof Leaf x) {
      Leaf y = (Leaf) b;
      return new Leaf(concat(x.costs, y.costs), concat(x.labels, y.labels), concat(x.slots, y.slots),
          concat(x.classes, y.classes));
    }
    return Inner.of(concat(((Inner) a).kids, ((Inner) b).kids));
  }

  /** The first position in a leaf whose key is at or after (cost, label). */
  private static int position(Leaf l, double cost, long label) {
    int lo = 0;
    int hi = l.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (compare(l.costs[mid], l.labels[mid], cost, label) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The child whose range holds (cost, label): the first whose last key is at or after it, else the last. */
  private static int child(Inner in, double cost, long label) {
    int lo = 0;
    int hi = in.kids.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (compare(in.lastCosts[mid], in.lastLabels[mid], cost, label) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static void insertAt(double[] from, double[] to, int at, double v) {
    System.arraycopy(from, 0, to, 0, at);
    to[at] = v;
    System.arraycopy(from, at, to, at + 1, from.length - at);
  }

  private static void insertAt(int[] from, int[] to, int at, int v) {
    System.arraycopy(from, 0, to, 0, at);
    to[at] = v;
    System.arraycopy(from, at, to, at + 1, from.length - at);
  }

  private static void insertAt(long[] from, long[] to, int at, long v) {
    System.arraycopy(from, 0, to, 0, at);
    to[at] = v;
    System.arraycopy(from, at, to, at + 1, from.length - at);
  }

  private static double[] removeAt(double[] a, int at) {
    double[] r = new double[a.length - 1];
    System.arraycopy(a, 0, r, 0, at);
    System.arraycopy(a, at + 1, r, at, r.length - at);
    return r;
  }

  private static int[] removeAt(int[] a, int at) {
    int[] r = new int[a.length - 1];
    System.arraycopy(a, 0, r, 0, at);
    System.arraycopy(a, at + 1, r, at, r.length - at);
    return r;
  }

  private static long[] removeAt(long[] a, int at) {
    long[] r = new long[a.length - 1];
    System.arraycopy(a, 0, r, 0, at);
    System.arraycopy(a, at + 1, r, at, r.length - at);
    return r;
  }

  private static double[] concat(double[] a, double[] b) {
    double[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  private static long[] concat(long[] a, long[] b) {
    long[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  private static int[] concat(int[] a, int[] b) {
    int[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  private static <T> T[] concat(T[] a, T[] b) {
    T[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  /**
   * Returns the tree with a batch applied: every node on the way to a change is copied once, however
   * many changes go through it (a pull's hundreds of heartbeats copy the top of the tree once, not once
   * each). The batch's deletes must be in the tree, its inserts not (or equal to a delete).
   *
   * @param b the batch, sorted
   * @return the new tree
   */
  CostTree apply(CostBatch b) {
    if (b.isEmpty()) {
      return this;
    }
    int newSize = size - b.deletes + b.inserts;
    Object[] top;
    if (root == null) {
      top = leaves(b.insertCosts, b.insertLabels, b.insertSlots, b.insertClasses, 0, b.inserts);
    } else {
      top = apply(root, b, 0, b.deletes, 0, b.inserts);
    }
    while (top.length > 1) {
      top = inners(top);
    }
    Object r = top.length == 0 ? null : top[0];
    while (r instanceof Inner in && in.kids.length == 1) {
      r = in.kids[0];
    }
    return new CostTree(r, newSize);
  }

  /** The nodes (of the node's height) that replace a node once the deletes and inserts of the ranges apply. */
  private static Object[] apply(Object node, CostBatch b, int d0, int d1, int i0, int i1) {
    if (d0 == d1 && i0 == i1) {
      return new Object[] {node};
    }
    if (node instanceof Leaf l) {
      int n = l.size() - (d1 - d0) + (i1 - i0);
      double[] costs = new double[n];
      long[] labels = new long[n];
      int[] slots = new int[n];
      int[] classes = new int[n];
      int out = 0;
      int d = d0;
      int in = i0;
      for (int k = 0; k <= l.size(); k++) {
        // inserts before entry k (or all that are left, at the end)
        while (in < i1 && (k == l.size()
            || compare(b.insertCosts[in], b.insertLabels[in], l.costs[k], l.labels[k]) < 0)) {
          costs[out] = b.insertCosts[in];
          labels[out] = b.insertLabels[in];
          slots[out] = b.insertSlots[in];
          classes[out++] = b.insertClasses[in++];
        }
        if (k == l.size()) {
          break;
        }
        if (d < d1 && b.deleteCosts[d] == l.costs[k] && b.deleteLabels[d] == l.labels[k]) {
          d++;
          continue;
        }
        costs[out] = l.costs[k];
        labels[out] = l.labels[k];
        slots[out] = l.slots[k];
        classes[out++] = l.classes[k];
      }
      if (out != n || d != d1) {
        throw new IllegalStateException("a batch deleted an entry the tree does not hold");
      }
      if (n > 0 && n <= MAX) {
        return new Object[] {new Leaf(costs, labels, slots, classes)}; // the arrays as they are: no copy
      }
      return leaves(costs, labels, slots, classes, 0, n);
    }
    Inner inner = (Inner) node;
    int k = inner.kids.length;
    Object[][] parts = new Object[k][];
    int count = 0;
    int d = d0;
    int in = i0;
    for (int c = 0; c < k; c++) {
      // the changes up to this child's last key (the last child takes the rest)
      int dEnd = c == k - 1 ? d1 : upTo(b.deleteCosts, b.deleteLabels, d, d1, inner.lastCosts[c], inner.lastLabels[c]);
      int iEnd = c == k - 1 ? i1 : upTo(b.insertCosts, b.insertLabels, in, i1, inner.lastCosts[c], inner.lastLabels[c]);
      parts[c] = apply(inner.kids[c], b, d, dEnd, in, iEnd);
      count += parts[c].length;
      d = dEnd;
      in = iEnd;
    }
    Object[] kids = new Object[count];
    int at = 0;
    for (Object[] p : parts) {
      for (Object o : p) {
        if (at > 0 && entries(o) + entries(kids[at - 1]) <= MAX
            && (entries(o) < MIN || entries(kids[at - 1]) < MIN)) {
          Object merged = merge(kids[at - 1], o);
          kids[at - 1] = merged;
        } else {
          kids[at++] = o;
        }
      }
    }
    if (at == 0) {
      return new Object[0];
    }
    return inners(Arrays.copyOf(kids, at));
  }

  /** The end of the sorted range from {@code from} of keys at or before (cost, label). */
  private static int upTo(double[] costs, long[] labels, int from, int to, double cost, long label) {
    int lo = from;
    int hi = to;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (compare(costs[mid], labels[mid], cost, label) <= 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Sorted entries as leaves of at most MAX (and at least MAX / 2 when there are that many). */
  private static Object[] leaves(double[] costs, long[] labels, int[] slots, int[] classes, int from, int to) {
    int n = to - from;
    if (n == 0) {
      return new Object[0];
    }
    int pieces = (n + MAX - 1) / MAX;
    Object[] out = new Object[pieces];
    for (int p = 0; p < pieces; p++) {
      int a = from + (int) ((long) n * p / pieces);
      int z = from + (int) ((long) n * (p + 1) / pieces);
      out[p] = new Leaf(Arrays.copyOfRange(costs, a, z), Arrays.copyOfRange(labels, a, z),
          Arrays.copyOfRange(slots, a, z), Arrays.copyOfRange(classes, a, z));
    }
    return out;
  }

  /** Nodes of one height as inner nodes of at most MAX children each. */
  private static Object[] inners(Object[] kids) {
    int pieces = (kids.length + MAX - 1) / MAX;
    Object[] out = new Object[pieces];
    for (int p = 0; p < pieces; p++) {
      int a = (int) ((long) kids.length * p / pieces);
      int z = (int) ((long) kids.length * (p + 1) / pieces);
      out[p] = Inner.of(Arrays.copyOfRange(kids, a, z));
    }
    return out;
  }

  @Override
  public String toString() {
    return "CostTree[size=" + size + "]";
  }
}
