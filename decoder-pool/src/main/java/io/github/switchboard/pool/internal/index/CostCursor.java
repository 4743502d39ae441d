package io.github.switchboard.pool.internal.index;

import org.jspecify.annotations.Nullable;

/**
 * A walk in (cost, label) order over the entries of some classes, skipping every child that holds none of
 * them. Reusable (one per thread in selection: it allocates nothing once made); not thread-safe.
 */
public final class CostCursor {
  private static final int MAX_DEPTH = 16; // 32^16 entries

  private final CostTree.Inner[] path = new CostTree.Inner[MAX_DEPTH];
  private final int[] next = new int[MAX_DEPTH]; // the next child of each inner node on the path
  private int depth;
  private CostTree.@Nullable Leaf leaf;
  private int at;
  private long mask;
  private int slot;
  private int cls;
  private double cost;
  private long label;

  /**
   * Starts a walk; forgets the previous one.
   *
   * @param tree the tree
   * @param classes the mask of classes to visit
   */
  public void start(CostTree tree, long classes) {
    clear();
    mask = classes;
    Object r = tree.root();
    if (r instanceof CostTree.Leaf l) {
      if ((l.mask & mask) != 0) {
        leaf = l;
      }
    } else if (r instanceof CostTree.Inner in && (in.mask & mask) != 0) {
      path[0] = in;
      next[0] = 0;
      depth = 1;
    }
  }

  /**
   * Moves to the next entry of the walk's classes.
   *
   * @return false at the end
   */
  public boolean advance() {
    while (true) {
      CostTree.Leaf l = leaf;
      if (l != null) {
        while (at < l.size()) {
          int i = at++;
          if ((NodeClasses.bit(l.classes[i]) & mask) != 0) {
            slot = l.slots[i];
            cls = l.classes[i];
            cost = l.costs[i];
            label = l.labels[i];
            return true;
          }
        }
        leaf = null;
      }
      if (!descend()) {
        return false;
      }
    }
  }

  /** Finds the next leaf holding one of the classes; false if none is left. */
  private boolean descend() {
    while (depth > 0) {
      CostTree.Inner in = path[depth - 1];
      int i = next[depth - 1];
      while (i < in.kids.length && (in.masks[i] & mask) == 0) {
        i++;
      }
      if (i == in.kids.length) {
        path[--depth] = null;
        continue;
      }
      next[depth - 1] = i + 1;
      Object k = in.kids[i];
      if (k instanceof CostTree.Leaf l) {
        leaf = l;
        at = 0;
        return true;
      }
      path[depth] = (CostTree.Inner) k;
      next[depth] = 0;
      depth++;
    }
    return false;
  }

  /**
   * Returns the current entry's slot.
   *
   * @return the slot
   */
  public int slot() {
    return slot;
  }

  /**
   * Returns the current entry's class id.
   *
   * @return the class id
   */
  int cls() {
    return cls;
  }

  /**
   * Returns the current entry's cost.
   *
   * @return the cost
   */
  double cost() {
    return cost;
  }

  /**
   * Returns the current entry's label.
   *
   * @return the label
   */
  long label() {
    return label;
  }

  /** Forgets the walk (so that a per-thread cursor keeps no node alive). */
  public void clear() {
    while (depth > 0) {
      path[--depth] = null;
    }
    leaf = null;
    at = 0;
  }
}
