package io.github.switchboard.pool.internal.select;

import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.internal.index.ClassTree;
import io.github.switchboard.pool.internal.index.CostCursor;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Per-thread working space of a selection, so that {@code select} allocates only its result: the counts
 * of capable candidates by group, what each path keeps of its candidates (the scan: per candidate; the
 * indexes: per class and per stale node), the two drawn nodes and the alternatives. Holds no node between
 * calls ({@link #release()}).
 */
final class SelectionScratch {
  /** The most candidates whose flags and costs the scan keeps between calls (48 kB). */
  static final int MAX_KEPT = 4096;

  /** The most stale eligible nodes the indexes skip one by one; past that, the scan answers. */
  static final int MAX_STALE = 64;

  /** Capable candidates by group (ALL, IN_EXPERIMENT, IN_CONTROL) and region and adapter match. */
  final int[] counts = new int[12];
  /** The alternatives, in order. */
  final DecoderNode[] alternatives = new DecoderNode[Selector.MAX_ALTERNATIVES];
  int alternativeCount;
  /** The drawn nodes (b only with two or more candidates) and their costs. */
  @Nullable DecoderNode a;
  @Nullable DecoderNode b;
  double costA;
  double costB;
  int slotA;
  int slotB;

  // the scan: per candidate
  private byte[] keptFlags = new byte[0];
  private double[] keptCosts = new double[0];
  private int[] keptSlots = new int[0];
  byte[] flags = keptFlags; // 0, or CAPABLE and the groups it falls in
  double[] costs = keptCosts; // per capable candidate
  int[] slots = keptSlots; // per candidate
  final int[] bestK = new int[Selector.MAX_ALTERNATIVES + 1];
  final double[] bestCost = new double[Selector.MAX_ALTERNATIVES + 1];
  final int[] otherK = new int[Selector.MAX_ALTERNATIVES];
  final double[] otherCost = new double[Selector.MAX_ALTERNATIVES];
  int serving; // candidates seen
  int selectable; // of them selectable
  int best; // entries of bestK
  int other; // entries of otherK
  int ka; // the drawn candidates' positions
  int kb;

  // the indexes: per class (bit) and per stale node
  final byte[] classFlags = new byte[64];
  final int[] staleByClass = new int[64];
  final int[] staleHotByClass = new int[64];
  final int[] staleSlots = new int[MAX_STALE];
  final int[] staleRanks = new int[MAX_STALE];
  int staleCount;
  long capableMask;
  final ClassTree.Cursor cursor = new ClassTree.Cursor();
  final CostCursor costCursor = new CostCursor();

  /** Prepares for a selection. */
  void reset() {
    Arrays.fill(counts, 0);
    alternativeCount = 0;
  }

  /**
   * Makes room for the scan's {@code n} candidates.
   *
   * @param n the most candidates the scan will see
   */
  void scan(int n) {
    if (n > MAX_KEPT) { // a pair served by thousands of nodes: O(n) anyway; no thread keeps that much
      flags = new byte[n];
      costs = new double[n];
      slots = new int[n];
    } else {
      if (keptFlags.length < n) {
        int size = Math.min(MAX_KEPT, Math.max(n, keptFlags.length * 2));
        keptFlags = new byte[size];
        keptCosts = new double[size];
        keptSlots = new int[size];
      }
      flags = keptFlags;
      costs = keptCosts;
      slots = keptSlots;
    }
  }

  /** Drops what the call held: the arrays of a large pair, the nodes, the walk. */
  void release() {
    flags = keptFlags;
    costs = keptCosts;
    slots = keptSlots;
    a = null;
    b = null;
    Arrays.fill(alternatives, null);
    cursor.clear();
    costCursor.clear();
  }
}
