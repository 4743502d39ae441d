package io.github.switchboard.pool.internal;

import io.github.switchboard.pool.NodeRuntime;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/*
 * A persistent array (a 32-way trie, as Clojure's vectors and Scala's Vector): the values sit in leaves of
 * 32, under inner arrays of 32, as deep as the size needs (2 levels up to 1,024 slots, 3 up to 32,768).
 * with() copies the path from the root to one leaf, at most 32 references per level, so replacing one
 * node's runtime state costs the same at 100 nodes as at 10,000, and every older table stays as it was
 * (readers of an older snapshot need no lock). get() follows the same path: no hashing, no allocation.
 */
/** Runtime states by dense slot, immutable; a null slot means no recorded state. */
final class RuntimeTable {
  private static final int BITS = 5;
  private static final int WIDTH = 1 << BITS;
  private static final int MASK = WIDTH - 1;

  /** The table of no slots. */
  static final RuntimeTable EMPTY = new RuntimeTable(new Object[0], 0, 0, 0);

  private final Object[] root; // leaves hold NodeRuntime (or null); inner arrays hold Object[] children
  private final int shift; // BITS * (levels - 1); 0 when the root is the only leaf
  private final int size;
  private final int count; // non-null slots

  private RuntimeTable(Object[] root, int shift, int size, int count) {
    this.root = root;
    this.shift = shift;
    this.size = size;
    this.count = count;
  }

  /**
   * Returns a table holding the given states.
   *
   * @param states the state of each slot, null for none
   * @return the table
   */
  static RuntimeTable of(@Nullable NodeRuntime[] states) {
    int size = states.length;
    if (size == 0) {
      return EMPTY;
    }
    int shift = 0;
    while ((long) WIDTH << shift < size) {
      shift += BITS;
    }
    int count = 0;
    for (NodeRuntime r : states) {
      if (r != null) {
        count++;
      }
    }
    return new RuntimeTable(build(states, 0, shift), shift, size, count);
  }

  /** The subtree at {@code shift} holding the slots from {@code from}. */
  private static Object[] build(@Nullable NodeRuntime[] states, int from, int shift) {
    if (shift == 0) {
      Object[] leaf = new Object[Math.min(WIDTH, states.length - from)];
      System.arraycopy(states, from, leaf, 0, leaf.length);
      return leaf;
    }
    int span = 1 << shift; // slots under each child
    int children = Math.min(WIDTH, (states.length - from + span - 1) / span);
    Object[] node = new Object[children];
    for (int c = 0; c < children; c++) {
      node[c] = build(states, from + c * span, shift - BITS);
    }
    return node;
  }

  /**
   * Returns the number of slots.
   *
   * @return the size
   */
  int size() {
    return size;
  }

  /**
   * Returns the number of slots holding a state.
   *
   * @return the count
   */
  int count() {
    return count;
  }

  /**
   * Returns a slot's state.
   *
   * @param slot the slot, in [0, size)
   * @return the state, null if none is recorded
   */
  @Nullable NodeRuntime get(int slot) {
    Objects.checkIndex(slot, size);
    Object[] a = root;
    for (int level = shift; level > 0; level -= BITS) {
      a = (Object[]) a[(slot >>> level) & MASK];
    }
    return (NodeRuntime) a[slot & MASK];
  }

  /**
   * Returns a copy with a slot's state replaced: copies one path of the trie, O(log32 size).
   *
   * @param slot the slot, in [0, size)
   * @param state the new state
   * @return the copy
   */
  RuntimeTable with(int slot, NodeRuntime state) {
    Objects.checkIndex(slot, size);
    Objects.requireNonNull(state, "state");
    boolean had = get(slot) != null;
    return new RuntimeTable(with(root, shift, slot, state), shift, size, had ? count : count + 1);
  }

  private static Object[] with(Object[] node, int shift, int slot, NodeRuntime state) {
    Object[] copy = node.clone();
    if (shift == 0) {
      copy[slot & MASK] = state;
    } else {
      int c = (slot >>> shift) & MASK;
      copy[c] = with((Object[]) node[c], shift - BITS, slot, state);
    }
    return copy;
  }

  /**
   * Returns every slot's state in a new array.
   *
   * @return the states, null where none is recorded
   */
  @Nullable NodeRuntime[] toArray() {
    NodeRuntime[] out = new NodeRuntime[size];
    copy(root, shift, 0, out);
    return out;
  }

  private static void copy(Object[] node, int shift, int from, @Nullable NodeRuntime[] out) {
    if (shift == 0) {
      System.arraycopy(node, 0, out, from, node.length);
      return;
    }
    for (int c = 0; c < node.length; c++) {
      copy((Object[]) node[c], shift - BITS, from + (c << shift), out);
    }
  }

  @Override
  public String toString() {
    return "RuntimeTable[size=" + size + ", count=" + count + "]";
  }
}
