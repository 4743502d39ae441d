package io.github.switchboard.pool.internal.index;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;

/*
 * The classes of a snapshot's nodes, each with a small id: the ordered sets of ClassTree count their
 * entries per class id and mark which ids a subtree holds in a 64-bit mask (bit min(id, 63)), so a
 * selection's filters (the pair, the tags, the region, eligibility) are a mask of classes, and counting
 * or picking among the nodes they let through costs O(log n) per class, whatever the number of nodes.
 *
 * A new class takes the id of a class no node has any more (the caller says which are empty), else the
 * next id; so the ids stay as few as the classes in use. Up to INDEXED (63) classes every class has its
 * own bit; past that the classes from id 63 share bit 63 and selection scans the candidates instead (a
 * pool whose nodes are all different, which no fleet is). The table is immutable and changes only when
 * a class appears; the classes that serve each language pair are remembered per table (at most MAX_PAIRS
 * pairs; others are computed per call).
 */
/** Node classes by id, and the classes that serve each language pair. Immutable (the pair cache aside). */
public final class NodeClasses {
  /** The most classes that each have their own bit. */
  public static final int INDEXED = 63;
  private static final int MAX_PAIRS = 1024;

  /** No classes. */
  public static final NodeClasses EMPTY = new NodeClasses(new NodeClass[0], Map.of());

  private final NodeClass[] byId;
  private final Map<NodeClass, Integer> ids;
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, Long>> serving = new ConcurrentHashMap<>();
  private final AtomicInteger pairs = new AtomicInteger();

  private NodeClasses(NodeClass[] byId, Map<NodeClass, Integer> ids) {
    this.byId = byId;
    this.ids = ids;
  }

  /**
   * Returns the mask bit of a class id.
   *
   * @param cls the id
   * @return the bit (ids from {@link #INDEXED} share the last one)
   */
  public static long bit(int cls) {
    return 1L << Math.min(cls, INDEXED);
  }

  /**
   * Returns the number of ids in use (some may have no node any more).
   *
   * @return the size
   */
  int size() {
    return byId.length;
  }

  /**
   * Returns whether every class has a bit of its own (selection can then work on the indexes).
   *
   * @return true for at most {@link #INDEXED} classes
   */
  boolean indexed() {
    return byId.length <= INDEXED;
  }

  /**
   * Returns a class by id.
   *
   * @param cls the id
   * @return the class
   */
  public NodeClass get(int cls) {
    return byId[cls];
  }

  /**
   * Returns a class's id.
   *
   * @param c the class
   * @return the id, -1 if it has none
   */
  public int id(NodeClass c) {
    Integer id = ids.get(c);
    return id == null ? -1 : id;
  }

  /**
   * Returns a table with a class added.
   *
   * @param c a class without an id
   * @param empty which ids no node has any more (one of them is reused)
   * @return the new table
   */
  public NodeClasses with(NodeClass c, IntPredicate empty) {
    int at = 0;
    while (at < byId.length && !empty.test(at)) {
      at++;
    }
    NodeClass[] next = at < byId.length ? byId.clone() : Arrays.copyOf(byId, byId.length + 1);
    Map<NodeClass, Integer> m = new HashMap<>(ids);
    if (at < byId.length) {
      m.remove(byId[at]);
    }
    next[at] = c;
    m.put(c, at);
    return new NodeClasses(next, m);
  }

  /**
   * Returns the mask of the classes that serve a language pair (remembered per pair; no allocation once
   * it is).
   *
   * @param source the source language
   * @param target the target language
   * @return the mask
   */
  public long servingPair(String source, String target) {
    ConcurrentHashMap<String, Long> byTarget = serving.get(source);
    Long found = byTarget == null ? null : byTarget.get(target);
    if (found != null) {
      return found;
    }
    long mask = 0;
    for (int c = 0; c < byId.length; c++) {
      if (byId[c].servesPair(source, target)) {
        mask |= bit(c);
      }
    }
    if (pairs.incrementAndGet() <= MAX_PAIRS) {
      serving.computeIfAbsent(source, k -> new ConcurrentHashMap<>()).putIfAbsent(target, mask);
    }
    return mask;
  }

  @Override
  public String toString() {
    return "NodeClasses[" + byId.length + "]";
  }
}
