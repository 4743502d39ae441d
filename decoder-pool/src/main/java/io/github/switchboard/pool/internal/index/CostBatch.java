package io.github.switchboard.pool.internal.index;

import java.util.Arrays;

/**
 * Changes applied as one batch: entries to delete and entries to insert, each sorted by (cost, label).
 * Built by the caller, then {@link CostTree#apply(CostBatch)}.
 */
final class CostBatch {
  double[] deleteCosts = new double[16];
  long[] deleteLabels = new long[16];
  int deletes;
  double[] insertCosts = new double[16];
  long[] insertLabels = new long[16];
  int[] insertSlots = new int[16];
  int[] insertClasses = new int[16];
  int inserts;

  /** Adds an entry to delete (call {@link #sort()} before applying). */
  void delete(double cost, long label) {
    if (deletes == deleteCosts.length) {
      deleteCosts = Arrays.copyOf(deleteCosts, deletes * 2);
      deleteLabels = Arrays.copyOf(deleteLabels, deletes * 2);
    }
    deleteCosts[deletes] = cost;
    deleteLabels[deletes++] = label;
  }

  /** Adds an entry to insert (call {@link #sort()} before applying). */
  void insert(double cost, long label, int slot, int cls) {
    if (inserts == insertCosts.length) {
      insertCosts = Arrays.copyOf(insertCosts, inserts * 2);
      insertLabels = Arrays.copyOf(insertLabels, inserts * 2);
      insertSlots = Arrays.copyOf(insertSlots, inserts * 2);
      insertClasses = Arrays.copyOf(insertClasses, inserts * 2);
    }
    insertCosts[inserts] = cost;
    insertLabels[inserts] = label;
    insertSlots[inserts] = slot;
    insertClasses[inserts++] = cls;
  }

  boolean isEmpty() {
    return deletes == 0 && inserts == 0;
  }

  /** Sorts both lists by (cost, label). */
  void sort() {
    int[] d = order(deleteCosts, deleteLabels, deletes);
    double[] dc = new double[deletes];
    long[] dl = new long[deletes];
    for (int k = 0; k < deletes; k++) {
      dc[k] = deleteCosts[d[k]];
      dl[k] = deleteLabels[d[k]];
    }
    deleteCosts = dc;
    deleteLabels = dl;
    int[] in = order(insertCosts, insertLabels, inserts);
    double[] ic = new double[inserts];
    long[] il = new long[inserts];
    int[] is = new int[inserts];
    int[] icl = new int[inserts];
    for (int k = 0; k < inserts; k++) {
      ic[k] = insertCosts[in[k]];
      il[k] = insertLabels[in[k]];
      is[k] = insertSlots[in[k]];
      icl[k] = insertClasses[in[k]];
    }
    insertCosts = ic;
    insertLabels = il;
    insertSlots = is;
    insertClasses = icl;
  }

  /** The positions of the first n keys in (cost, label) order: a merge sort of ints, nothing boxed. */
  private static int[] order(double[] costs, long[] labels, int n) {
    int[] a = new int[n];
    for (int k = 0; k < n; k++) {
      a[k] = k;
    }
    int[] b = new int[n];
    for (int width = 1; width < n; width *= 2) {
      for (int lo = 0; lo < n; lo += 2 * width) {
        int mid = Math.min(lo + width, n);
        int hi = Math.min(lo + 2 * width, n);
        int i = lo;
        int j = mid;
        for (int k = lo; k < hi; k++) {
          b[k] = j >= hi || (i < mid && CostTree.compare(costs[a[i]], labels[a[i]], costs[a[j]], labels[a[j]]) <= 0)
              ? a[i++] : a[j++];
        }
      }
      int[] t = a;
      a = b;
      b = t;
    }
    return a;
  }
}
