package io.github.switchboard.pool.internal.index;

/*
 * Labels in id order (an order-maintenance scheme): every node of a snapshot has a number, kept while it
 * exists, ordered as the ids are, so that the cost order (CostTree) breaks ties of cost by comparing two
 * longs instead of two strings. A full build spreads the labels evenly over [0, SPAN]; a new node takes
 * the middle of the gap between its neighbours in id order (STEP past the last one, or before the first,
 * when it comes at an end, as sequential ids do). A gap closes only after about 30 insertions between the
 * same two neighbours; then the snapshot is rebuilt with even labels (O(n log n), rare).
 */
/** Labels that follow the order of node ids. */
public final class NodeLabels {
  /** The range of labels. */
  static final long SPAN = 1L << 62;
  /** The gap left after the last label (or before the first) for a node that comes at an end. */
  static final long STEP = 1L << 32;
  /** No label is free between the neighbours: relabel. */
  public static final long NONE = -1;

  private NodeLabels() {}

  /**
   * Returns the label of the node at a position of a full build.
   *
   * @param rank the node's position in id order
   * @param count the number of nodes
   * @return the label, in (0, SPAN)
   */
  public static long spread(int rank, int count) {
    return (SPAN / (count + 1L)) * (rank + 1L);
  }

  /**
   * Returns a label between two neighbours' labels.
   *
   * @param lower the label of the node before in id order, or {@link #NONE} if none
   * @param higher the label of the node after in id order, or {@link #NONE} if none
   * @return the label, or {@link #NONE} if there is no room
   */
  public static long between(long lower, long higher) {
    long lo = lower == NONE ? 0 : lower;
    long hi = higher == NONE ? SPAN : higher;
    if (hi - lo < 2) {
      return NONE;
    }
    if (lower != NONE && higher == NONE && hi - lo > 2 * STEP) {
      return lo + STEP;
    }
    if (lower == NONE && higher != NONE && hi - lo > 2 * STEP) {
      return hi - STEP;
    }
    return lo + (hi - lo) / 2;
  }
}
