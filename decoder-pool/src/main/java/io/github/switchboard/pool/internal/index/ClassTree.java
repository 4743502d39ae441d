package io.github.switchboard.pool.internal.index;

import org.jspecify.annotations.Nullable;

/*
 * A persistent set of nodes in id order (an AVL tree with path copying). Each subtree knows its size, the
 * mask of the node classes it holds (NodeClasses.bit) and how many entries it holds of each class. So, for
 * any set of classes (a mask):
 * - count(mask): how many entries are in those classes, from the root's counts, O(classes);
 * - select(k, mask): the k-th of them in order, one descent, O(log n * classes);
 * - rank(id, mask): how many of them come before an id, one descent;
 * - a Cursor walks them in order and skips every subtree holding none of them.
 * insert() and delete() copy one path, O(log n) nodes (at most 1.44 log2 n deep: 20 at 20,000 nodes);
 * every older tree stays as it was, so readers of an older snapshot need no lock. These trees change when a
 * node is added, removed or changes class (its configuration, or whether it is eligible), or reports an
 * adapter hot or no longer: not on every heartbeat (the cost order, which does, is a CostTree).
 */
/** An immutable set of node entries in id order, counted by class. */
public final class ClassTree {
  private static final int MAX_DEPTH = 64; // an AVL tree of 2^31 entries is at most 45 deep

  /**
   * One node in a tree: its id, its slot and its class.
   *
   * @param id the node's id
   * @param slot the node's slot
   * @param cls the node's class id
   */
  public record Entry(String id, int slot, int cls) {}

  private static final class Node {
    final Entry e;
    final @Nullable Node left;
    final @Nullable Node right;
    final int height;
    final int size;
    final long mask;
    final int[] counts; // per class bit

    Node(Entry e, @Nullable Node left, @Nullable Node right) {
      this.e = e;
      this.left = left;
      this.right = right;
      this.height = 1 + Math.max(height(left), height(right));
      this.size = 1 + size(left) + size(right);
      this.mask = NodeClasses.bit(e.cls) | (left == null ? 0 : left.mask) | (right == null ? 0 : right.mask);
      this.counts = counts(e, left, right);
    }

    private static int[] counts(Entry e, @Nullable Node left, @Nullable Node right) {
      int own = Math.min(e.cls, NodeClasses.INDEXED);
      int[] l = left == null ? null : left.counts;
      int[] r = right == null ? null : right.counts;
      int length = Math.max(own + 1, Math.max(l == null ? 0 : l.length, r == null ? 0 : r.length));
      int[] c = new int[length];
      if (l != null) {
        System.arraycopy(l, 0, c, 0, l.length);
      }
      if (r != null) {
        for (int i = 0; i < r.length; i++) {
          c[i] += r[i];
        }
      }
      c[own]++;
      return c;
    }
  }

  /** The empty tree. */
  static final ClassTree EMPTY = new ClassTree(null);

  private final @Nullable Node root;

  private ClassTree(@Nullable Node root) {
    this.root = root;
  }

  /**
   * Returns a tree holding the given entries.
   *
   * @param sorted entries of distinct ids, in id order
   * @param count how many of them
   * @return the tree, built in O(n)
   */
  static ClassTree of(Entry[] sorted, int count) {
    return new ClassTree(build(sorted, 0, count));
  }

  private static @Nullable Node build(Entry[] sorted, int from, int to) {
    if (from >= to) {
      return null;
    }
    int mid = (from + to) >>> 1;
    return new Node(sorted[mid], build(sorted, from, mid), build(sorted, mid + 1, to));
  }

  /**
   * Compares two entries in this tree's order: by id.
   *
   * @param a an entry
   * @param b another
   * @return negative, zero or positive
   */
  static int compare(Entry a, Entry b) {
    return a.id.compareTo(b.id);
  }

  /**
   * Returns the number of entries.
   *
   * @return the size
   */
  int size() {
    return size(root);
  }

  /**
   * Returns the height of the tree (at most 1.44 log2(n + 2)).
   *
   * @return the height, 0 when empty
   */
  int height() {
    return height(root);
  }

  /**
   * Returns the mask of the classes the tree holds.
   *
   * @return the mask
   */
  public long mask() {
    return root == null ? 0 : root.mask;
  }

  /**
   * Returns how many entries are in one class.
   *
   * @param cls the class id, below {@link NodeClasses#INDEXED}
   * @return the count
   */
  public int count(int cls) {
    int[] c = root == null ? null : root.counts;
    return c == null || cls >= c.length ? 0 : c[cls];
  }

  /**
   * Returns how many entries are in the classes of a mask.
   *
   * @param mask the classes
   * @return the count
   */
  public int count(long mask) {
    return countIn(root, mask);
  }

  private static int countIn(@Nullable Node n, long mask) {
    if (n == null) {
      return 0;
    }
    long m = n.mask & mask;
    if (m == n.mask) {
      return n.size;
    }
    int[] c = n.counts;
    int sum = 0;
    while (m != 0) {
      int b = Long.numberOfTrailingZeros(m);
      sum += c[b];
      m &= m - 1;
    }
    return sum;
  }

  /**
   * Returns the k-th entry (from 0) in order among those of the classes of a mask.
   *
   * @param k the position, in [0, count(mask))
   * @param mask the classes
   * @return the entry
   */
  public Entry select(int k, long mask) {
    Node n = root;
    int left = k;
    while (n != null) {
      int l = countIn(n.left, mask);
      if (left < l) {
        n = n.left;
        continue;
      }
      left -= l;
      if ((NodeClasses.bit(n.e.cls) & mask) != 0) {
        if (left == 0) {
          return n.e;
        }
        left--;
      }
      n = n.right;
    }
    throw new IndexOutOfBoundsException("position " + k + " of " + count(mask));
  }

  /**
   * Returns how many entries of the classes of a mask come before an id.
   *
   * @param id the id
   * @param mask the classes
   * @return the count
   */
  public int rank(String id, long mask) {
    int r = 0;
    Node n = root;
    while (n != null) {
      int c = id.compareTo(n.e.id);
      if (c <= 0) {
        if (c == 0) {
          return r + countIn(n.left, mask);
        }
        n = n.left;
      } else {
        r += countIn(n.left, mask) + ((NodeClasses.bit(n.e.cls) & mask) != 0 ? 1 : 0);
        n = n.right;
      }
    }
    return r;
  }

  /**
   * Returns the entry of the greatest id below an id.
   *
   * @param id the id
   * @return the entry, or null if none
   */
  public @Nullable Entry lower(String id) {
    Entry found = null;
    for (Node n = root; n != null; ) {
      if (n.e.id.compareTo(id) < 0) {
        found = n.e;
        n = n.right;
      } else {
        n = n.left;
      }
    }
    return found;
  }

  /**
   * Returns the entry of the least id above an id.
   *
   * @param id the id
   * @return the entry, or null if none
   */
  public @Nullable Entry higher(String id) {
    Entry found = null;
    for (Node n = root; n != null; ) {
      if (n.e.id.compareTo(id) > 0) {
        found = n.e;
        n = n.left;
      } else {
        n = n.right;
      }
    }
    return found;
  }

  /**
   * Returns a tree with an entry added, or replacing the one of the same id.
   *
   * @param e the entry
   * @return the new tree
   */
  ClassTree insert(Entry e) {
    return new ClassTree(insert(root, e));
  }

  private static Node insert(@Nullable Node n, Entry e) {
    if (n == null) {
      return new Node(e, null, null);
    }
    int c = compare(e, n.e);
    if (c == 0) {
      return new Node(e, n.left, n.right);
    }
    return c < 0 ? balance(n.e, insert(n.left, e), n.right) : balance(n.e, n.left, insert(n.right, e));
  }

  /**
   * Returns a tree without the entry of the same id as {@code key}.
   *
   * @param key the entry (its id)
   * @return the new tree (this one if absent)
   */
  ClassTree delete(Entry key) {
    Node r = delete(root, key);
    return r == root ? this : new ClassTree(r);
  }

  private static @Nullable Node delete(@Nullable Node n, Entry key) {
    if (n == null) {
      return null;
    }
    int c = compare(key, n.e);
    if (c < 0) {
      Node l = delete(n.left, key);
      return l == n.left ? n : balance(n.e, l, n.right);
    }
    if (c > 0) {
      Node r = delete(n.right, key);
      return r == n.right ? n : balance(n.e, n.left, r);
    }
    if (n.left == null) {
      return n.right;
    }
    if (n.right == null) {
      return n.left;
    }
    Node min = n.right;
    while (min.left != null) {
      min = min.left;
    }
    return balance(min.e, n.left, deleteMin(n.right));
  }

  private static @Nullable Node deleteMin(Node n) {
    if (n.left == null) {
      return n.right;
    }
    return balance(n.e, deleteMin(n.left), n.right);
  }

  private static Node balance(Entry e, @Nullable Node l, @Nullable Node r) {
    int hl = height(l);
    int hr = height(r);
    if (l != null && hl > hr + 1) { // l is never null here: its height is at least 2
      Node lr = l.right;
      if (lr == null || height(l.left) >= height(lr)) {
        return new Node(l.e, l.left, new Node(e, lr, r));
      }
      return new Node(lr.e, new Node(l.e, l.left, lr.left), new Node(e, lr.right, r));
    }
    if (r != null && hr > hl + 1) { // likewise r
      Node rl = r.left;
      if (rl == null || height(r.right) >= height(rl)) {
        return new Node(r.e, new Node(e, l, rl), r.right);
      }
      return new Node(rl.e, new Node(e, l, rl.left), new Node(r.e, rl.right, r.right));
    }
    return new Node(e, l, r);
  }

  private static int height(@Nullable Node n) {
    return n == null ? 0 : n.height;
  }

  private static int size(@Nullable Node n) {
    return n == null ? 0 : n.size;
  }

  /**
   * A walk in order over the entries of some classes, skipping every subtree that holds none of them.
   * Reusable (one per thread in selection: it allocates nothing once made); not thread-safe.
   */
  public static final class Cursor {
    private final Node[] stack = new Node[MAX_DEPTH];
    private int depth;
    private long mask;

    /**
     * Starts a walk; forgets the previous one.
     *
     * @param tree the tree
     * @param classes the mask of classes to visit
     */
    public void start(ClassTree tree, long classes) {
      depth = 0;
      mask = classes;
      pushLeft(tree.root);
    }

    private void pushLeft(@Nullable Node from) {
      Node n = from;
      while (n != null && (n.mask & mask) != 0) {
        stack[depth++] = n;
        n = n.left;
      }
    }

    /**
     * Returns the next entry of the walk's classes.
     *
     * @return the entry, or null at the end
     */
    public @Nullable Entry next() {
      while (depth > 0) {
        Node n = stack[--depth];
        stack[depth] = null;
        pushLeft(n.right);
        if ((NodeClasses.bit(n.e.cls) & mask) != 0) {
          return n.e;
        }
      }
      return null;
    }

    /** Forgets the walk (so that a per-thread cursor keeps no node alive). */
    public void clear() {
      while (depth > 0) {
        stack[--depth] = null;
      }
    }
  }

  @Override
  public String toString() {
    return "ClassTree[size=" + size() + "]";
  }
}
