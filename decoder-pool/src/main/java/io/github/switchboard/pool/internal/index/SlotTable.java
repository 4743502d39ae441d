package io.github.switchboard.pool.internal.index;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/*
 * A persistent array of node records by slot (a 32-way trie, as Clojure's vectors and Scala's Vector):
 * the records sit in leaves of 32, under inner arrays of 32, as deep as the slots need (2 levels up to
 * 1,024 slots, 3 up to 32,768). A node keeps its slot while it exists, so a change of one node (a
 * heartbeat, a new configuration) copies the path from the root to one leaf, at most 32 references per
 * level, and every older table stays as it was (readers of an older snapshot need no lock). A removed
 * node's slot goes on a free list (a persistent stack) and is reused by the next new node, so the table
 * is as large as the most nodes the pool has held at once.
 *
 * Each part of the trie also keeps, in a primitive array beside its items, the oldest heartbeat among the
 * eligible records under each item (NodeRecord.eligibleBeat), so the eligible nodes gone stale by a given
 * time are found without visiting the fresh ones (stale() descends only into parts whose oldest heartbeat
 * is old enough), and a change recomputes a part's oldest from 32 contiguous longs, never by reading 32
 * records scattered in memory.
 */
/** Node records by slot, immutable; a null slot is free. */
public final class SlotTable {
  private static final int BITS = 5;
  private static final int WIDTH = 1 << BITS;
  private static final int MASK = WIDTH - 1;

  /** A table of no slots. */
  public static final SlotTable EMPTY = new SlotTable(Part.empty(), 0, 0, null);

  /** Records (in a leaf) or parts (inner), the oldest eligible heartbeat under each, and under all. */
  private static final class Part { // a class, not a record: it holds arrays (see HashTrie)
    final Object[] items;
    final long[] beats;
    final long oldest;

    Part(Object[] items, long[] beats, long oldest) {
      this.items = items;
      this.beats = beats;
      this.oldest = oldest;
    }

    static Part empty() {
      long[] beats = new long[WIDTH];
      java.util.Arrays.fill(beats, Long.MAX_VALUE);
      return new Part(new Object[WIDTH], beats, Long.MAX_VALUE);
    }
  }

  /** A free slot on the persistent stack of free slots. */
  private record Free(int slot, @Nullable Free next) {}

  private final Part root;
  private final int shift; // BITS * (levels - 1)
  private final int size; // slots in use or freed: the next new slot when nothing is free
  private final @Nullable Free free;

  private SlotTable(Part root, int shift, int size, @Nullable Free free) {
    this.root = root;
    this.shift = shift;
    this.size = size;
    this.free = free;
  }

  /**
   * Returns the number of slots, used or free.
   *
   * @return the size
   */
  int size() {
    return size;
  }

  /**
   * Returns the slot the next {@link #add} will use.
   *
   * @return the slot
   */
  public int nextSlot() {
    Free f = free;
    return f != null ? f.slot : size;
  }

  /**
   * Returns a slot's record.
   *
   * @param slot the slot
   * @return the record, null if the slot is free or beyond the table
   */
  public @Nullable NodeRecord get(int slot) {
    if (slot < 0 || slot >= size) {
      return null;
    }
    Object[] a = root.items;
    for (int level = shift; level > 0; level -= BITS) {
      a = ((Part) a[(slot >>> level) & MASK]).items;
    }
    return (NodeRecord) a[slot & MASK];
  }

  /**
   * Returns a copy with a record at {@link #nextSlot()}.
   *
   * @param r the record; its slot must be {@link #nextSlot()}
   * @return the copy
   */
  public SlotTable add(NodeRecord r) {
    Free f = free;
    if (f != null) {
      if (r.slot() != f.slot) {
        throw new IllegalArgumentException("slot " + r.slot() + " is not the next free slot " + f.slot);
      }
      return new SlotTable(set(root, shift, r.slot(), r), shift, size, f.next);
    }
    if (r.slot() != size) {
      throw new IllegalArgumentException("slot " + r.slot() + " is not the next slot " + size);
    }
    Part top = root;
    int s = shift;
    if (size == WIDTH << shift) { // full: one level more
      Part up = Part.empty();
      up.items[0] = root;
      up.beats[0] = root.oldest;
      top = new Part(up.items, up.beats, root.oldest);
      s += BITS;
    }
    return new SlotTable(set(top, s, size, r), s, size + 1, null);
  }

  /**
   * Returns a copy with a used slot's record replaced.
   *
   * @param r the record, at the slot of the one it replaces
   * @return the copy
   */
  public SlotTable replace(NodeRecord r) {
    Objects.requireNonNull(get(r.slot()), "a record at the slot");
    return new SlotTable(set(root, shift, r.slot(), r), shift, size, free);
  }

  /**
   * Returns a copy with many used slots' records replaced at once: every part on the way is copied once,
   * however many of the records sit under it (a pull's batch of heartbeats).
   *
   * @param rs the records, each at the slot of the one it replaces, distinct slots; reordered by slot
   * @param n how many
   * @return the copy
   */
  public SlotTable replaceAll(NodeRecord[] rs, int n) {
    if (n == 0) {
      return this;
    }
    java.util.Arrays.sort(rs, 0, n, java.util.Comparator.comparingInt(NodeRecord::slot));
    for (int k = 0; k < n; k++) {
      Objects.requireNonNull(get(rs[k].slot()), "a record at the slot");
    }
    return new SlotTable(setAll(root, shift, rs, 0, n), shift, size, free);
  }

  private static Part setAll(Part part, int shift, NodeRecord[] rs, int from, int to) {
    Object[] items = part.items.clone();
    long[] beats = part.beats.clone();
    int k = from;
    while (k < to) {
      int i = (rs[k].slot() >>> shift) & MASK;
      if (shift == 0) {
        items[i] = rs[k];
        beats[i] = rs[k].eligibleBeat();
        k++;
      } else {
        int end = k + 1;
        while (end < to && ((rs[end].slot() >>> shift) & MASK) == i) {
          end++;
        }
        Part next = setAll((Part) items[i], shift - BITS, rs, k, end);
        items[i] = next;
        beats[i] = next.oldest;
        k = end;
      }
    }
    long oldest = Long.MAX_VALUE;
    for (long b : beats) {
      oldest = Math.min(oldest, b);
    }
    return new Part(items, beats, oldest);
  }

  /**
   * Returns a copy with a used slot freed (reused by a later {@link #add}).
   *
   * @param slot the slot
   * @return the copy
   */
  public SlotTable remove(int slot) {
    Objects.requireNonNull(get(slot), "a record at the slot");
    return new SlotTable(set(root, shift, slot, null), shift, size, new Free(slot, free));
  }

  private static Part set(Part part, int shift, int slot, @Nullable NodeRecord r) {
    Object[] items = part.items.clone();
    long[] beats = part.beats.clone();
    int i = (slot >>> shift) & MASK;
    if (shift == 0) {
      items[i] = r;
      beats[i] = r == null ? Long.MAX_VALUE : r.eligibleBeat();
    } else {
      Part child = (Part) items[i];
      Part next = set(child == null ? Part.empty() : child, shift - BITS, slot, r);
      items[i] = next;
      beats[i] = next.oldest;
    }
    long oldest = Long.MAX_VALUE;
    for (long b : beats) {
      oldest = Math.min(oldest, b);
    }
    return new Part(items, beats, oldest);
  }

  /**
   * Puts in {@code out} the slots of the eligible records whose last heartbeat is at or before
   * {@code threshold} (the nodes gone stale), in slot order, visiting only the parts that hold one.
   *
   * @param threshold the newest heartbeat time that is stale
   * @param out where the slots go
   * @return how many there are, or -1 if more than {@code out.length}
   */
  public int stale(long threshold, int[] out) {
    if (root.oldest > threshold) {
      return 0; // the usual case: nothing stale, one comparison
    }
    return stale(root, shift, 0, threshold, out, 0);
  }

  private static int stale(Part part, int shift, int base, long threshold, int[] out, int found) {
    int n = found;
    long[] beats = part.beats;
    for (int i = 0; i < WIDTH && n >= 0; i++) {
      if (beats[i] > threshold) {
        continue;
      }
      if (shift == 0) {
        if (n == out.length) {
          return -1;
        }
        out[n++] = base + i;
      } else {
        n = stale((Part) part.items[i], shift - BITS, base + (i << shift), threshold, out, n);
      }
    }
    return n;
  }

  @Override
  public String toString() {
    return "SlotTable[size=" + size + "]";
  }
}
