package io.github.switchboard.pool.internal.index;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/*
 * A persistent hash map from strings (a hash array mapped trie, as Clojure's and Scala's maps): 5 bits
 * of the key's hash per level, a 32-bit bitmap per node saying which of the 32 branches exist and an
 * array of just those, so a node of 3 entries holds 3 references. put() and remove() copy the path from
 * the root to one entry (about log32 n nodes: 3 up to 32,768 keys), never the map; every older map stays
 * as it was, so readers of an older snapshot need no lock. Keys whose 32-bit hashes are equal share a
 * collision node (a plain array of entries) at the bottom.
 */
/** An immutable map from strings to values, where a change costs O(log32 n). */
public final class HashTrie<V> {
  private static final int BITS = 5;
  private static final int MASK = (1 << BITS) - 1;
  private static final Object[] NO_ITEMS = new Object[0];

  @SuppressWarnings("rawtypes")
  private static final HashTrie EMPTY = new HashTrie<>(new Branch(0, NO_ITEMS), 0);

  private final Branch root;
  private final int size;

  private HashTrie(Branch root, int size) {
    this.root = root;
    this.size = size;
  }

  /**
   * Returns the empty map.
   *
   * @param <V> the value type
   * @return the empty map
   */
  @SuppressWarnings("unchecked")
  public static <V> HashTrie<V> empty() {
    return (HashTrie<V>) EMPTY;
  }

  /** One key and its value. */
  private record Leaf(String key, int hash, Object value) {}

  // Branch and Collision hold arrays, so they are classes, not records: a record's equals would compare
  // the arrays by identity while looking like a value; nodes are compared by identity (unchanged paths).

  /** Entries under one bitmap: each item a Leaf, a Branch (next 5 bits) or a Collision. */
  private static final class Branch {
    final int bitmap;
    final Object[] items;

    Branch(int bitmap, Object[] items) {
      this.bitmap = bitmap;
      this.items = items;
    }
  }

  /** Keys with the same 32-bit hash. */
  private static final class Collision {
    final int hash;
    final Leaf[] leaves;

    Collision(int hash, Leaf[] leaves) {
      this.hash = hash;
      this.leaves = leaves;
    }
  }

  private static int hash(Object key) {
    int h = key.hashCode();
    return h ^ (h >>> 16);
  }

  /**
   * Returns the number of keys.
   *
   * @return the size
   */
  public int size() {
    return size;
  }

  /**
   * Returns a key's value.
   *
   * @param key the key (any object: a non-string finds nothing)
   * @return the value, or null
   */
  @SuppressWarnings("unchecked")
  public @Nullable V get(@Nullable Object key) {
    if (key == null) {
      return null;
    }
    int h = hash(key);
    Branch b = root;
    for (int shift = 0; ; shift += BITS) {
      int bit = 1 << ((h >>> shift) & MASK);
      if ((b.bitmap & bit) == 0) {
        return null;
      }
      Object o = b.items[Integer.bitCount(b.bitmap & (bit - 1))];
      if (o instanceof Branch next) {
        b = next;
      } else if (o instanceof Leaf l) {
        return l.hash == h && l.key.equals(key) ? (V) l.value : null;
      } else {
        for (Leaf l : ((Collision) o).leaves) {
          if (l.key.equals(key)) {
            return (V) l.value;
          }
        }
        return null;
      }
    }
  }

  /**
   * Returns a map with a key set to a value: copies one path.
   *
   * @param key the key
   * @param value the value
   * @return the new map (this one if the key already had an identical value)
   */
  public HashTrie<V> put(String key, V value) {
    Objects.requireNonNull(value, "value");
    Leaf leaf = new Leaf(key, hash(key), value);
    boolean[] added = new boolean[1];
    Branch r = put(root, leaf, 0, added);
    return r == root ? this : new HashTrie<>(r, added[0] ? size + 1 : size);
  }

  private static Branch put(Branch b, Leaf leaf, int shift, boolean[] added) {
    int bit = 1 << ((leaf.hash >>> shift) & MASK);
    int at = Integer.bitCount(b.bitmap & (bit - 1));
    if ((b.bitmap & bit) == 0) {
      added[0] = true;
      Object[] items = new Object[b.items.length + 1];
      System.arraycopy(b.items, 0, items, 0, at);
      items[at] = leaf;
      System.arraycopy(b.items, at, items, at + 1, b.items.length - at);
      return new Branch(b.bitmap | bit, items);
    }
    Object o = b.items[at];
    Object next;
    if (o instanceof Branch child) {
      Branch c = put(child, leaf, shift + BITS, added);
      if (c == child) {
        return b;
      }
      next = c;
    } else if (o instanceof Leaf l) {
      if (l.key.equals(leaf.key)) {
        if (l.value == leaf.value) {
          return b;
        }
        next = leaf;
      } else {
        added[0] = true;
        next = pair(l, leaf, shift + BITS);
      }
    } else {
      next = withLeaf((Collision) o, leaf, added);
    }
    Object[] items = b.items.clone();
    items[at] = next;
    return new Branch(b.bitmap, items);
  }

  /** Two leaves that share the bits above {@code shift}. */
  private static Object pair(Leaf a, Leaf b, int shift) {
    if (a.hash == b.hash) {
      return new Collision(a.hash, new Leaf[] {a, b});
    }
    int ia = (a.hash >>> shift) & MASK;
    int ib = (b.hash >>> shift) & MASK;
    if (ia == ib) {
      return new Branch(1 << ia, new Object[] {pair(a, b, shift + BITS)});
    }
    return new Branch((1 << ia) | (1 << ib), ia < ib ? new Object[] {a, b} : new Object[] {b, a});
  }

  private static Collision withLeaf(Collision c, Leaf leaf, boolean[] added) {
    for (int i = 0; i < c.leaves.length; i++) {
      if (c.leaves[i].key.equals(leaf.key)) {
        Leaf[] leaves = c.leaves.clone();
        leaves[i] = leaf;
        return new Collision(c.hash, leaves);
      }
    }
    added[0] = true;
    Leaf[] leaves = Arrays.copyOf(c.leaves, c.leaves.length + 1);
    leaves[c.leaves.length] = leaf;
    return new Collision(c.hash, leaves);
  }

  /**
   * Returns a map without a key: copies one path.
   *
   * @param key the key
   * @return the new map (this one if the key was absent)
   */
  public HashTrie<V> remove(String key) {
    Object r = remove(root, key, hash(key), 0);
    if (r == root) {
      return this;
    }
    return new HashTrie<>(r == null ? new Branch(0, NO_ITEMS) : asBranch(r), size - 1);
  }

  /** A lone leaf left at the root is put back under a branch. */
  private static Branch asBranch(Object o) {
    if (o instanceof Branch b) {
      return b;
    }
    int h = o instanceof Leaf l ? l.hash : ((Collision) o).hash;
    return new Branch(1 << (h & MASK), new Object[] {o});
  }

  /** The branch without the key: the same object if absent, null if empty, a single leaf if one is left. */
  private static @Nullable Object remove(Branch b, String key, int h, int shift) {
    int bit = 1 << ((h >>> shift) & MASK);
    if ((b.bitmap & bit) == 0) {
      return b;
    }
    int at = Integer.bitCount(b.bitmap & (bit - 1));
    Object o = b.items[at];
    Object next;
    if (o instanceof Branch child) {
      next = remove(child, key, h, shift + BITS);
      if (next == child) {
        return b;
      }
    } else if (o instanceof Leaf l) {
      if (l.hash != h || !l.key.equals(key)) {
        return b;
      }
      next = null;
    } else {
      Collision c = (Collision) o;
      int i = 0;
      while (i < c.leaves.length && !c.leaves[i].key.equals(key)) {
        i++;
      }
      if (i == c.leaves.length) {
        return b;
      }
      Leaf[] leaves = new Leaf[c.leaves.length - 1];
      System.arraycopy(c.leaves, 0, leaves, 0, i);
      System.arraycopy(c.leaves, i + 1, leaves, i, leaves.length - i);
      next = leaves.length == 1 ? leaves[0] : new Collision(c.hash, leaves);
    }
    if (next == null) {
      if (b.items.length == 1) {
        return null;
      }
      Object[] items = new Object[b.items.length - 1];
      System.arraycopy(b.items, 0, items, 0, at);
      System.arraycopy(b.items, at + 1, items, at, items.length - at);
      Branch shrunk = new Branch(b.bitmap & ~bit, items);
      return items.length == 1 && !(items[0] instanceof Branch) ? items[0] : shrunk;
    }
    if (next instanceof Leaf && b.items.length == 1) {
      return next; // the branch held only this path: let the leaf move up
    }
    Object[] items = b.items.clone();
    items[at] = next;
    return new Branch(b.bitmap, items);
  }

  /**
   * Calls {@code action} with every key and value, in no particular order.
   *
   * @param action what to call
   */
  @SuppressWarnings("unchecked")
  void forEach(BiConsumer<String, V> action) {
    forEach(root, (BiConsumer<String, Object>) action);
  }

  private static void forEach(Object o, BiConsumer<String, Object> action) {
    if (o instanceof Branch b) {
      for (Object item : b.items) {
        forEach(item, action);
      }
    } else if (o instanceof Leaf l) {
      action.accept(l.key, l.value);
    } else {
      for (Leaf l : ((Collision) o).leaves) {
        action.accept(l.key, l.value);
      }
    }
  }

  @Override
  public String toString() {
    return "HashTrie[size=" + size + "]";
  }
}
