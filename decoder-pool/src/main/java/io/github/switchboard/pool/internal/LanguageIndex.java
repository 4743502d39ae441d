package io.github.switchboard.pool.internal;

import io.github.switchboard.pool.DecoderNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/*
 * The nodes of one snapshot by the language pair they serve, filled on demand: the first selection for a
 * pair scans the nodes once (O(n)); later selections for it get the candidates at once, until the set of
 * nodes changes (a heartbeat keeps the index: PoolSnapshot.derive). Each pair keeps its nodes and their
 * slots (positions in the snapshot's sorted node list), in id order, so that a selection reads every
 * candidate's runtime state by slot, without hashing, and seeded draws repeat. A pool sees few distinct
 * pairs, so the map stays small; it is bounded anyway (MAX_PAIRS: beyond it, a pair is scanned every time,
 * never stored).
 */
/** Nodes by the language pair they serve, computed once per pair and per set of nodes. Thread-safe. */
final class LanguageIndex {
  private static final int MAX_PAIRS = 1024;

  private final List<DecoderNode> sorted;
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, Candidates>> bySource =
      new ConcurrentHashMap<>();
  private final AtomicInteger pairs = new AtomicInteger();

  /**
   * The nodes that serve one pair, in id order, with their slots; shared, never modified.
   *
   * @param nodes the nodes
   * @param slots the slot of each node, same positions
   * @param regions the region of each node, null for none (read without the Optional of {@link
   *     DecoderNode#region()})
   */
  record Candidates(DecoderNode[] nodes, int[] slots, @Nullable String[] regions) {
    /**
     * Returns the number of candidates.
     *
     * @return the size
     */
    int size() {
      return nodes.length;
    }
  }

  /**
   * Creates an index over the nodes of a snapshot.
   *
   * @param sorted the nodes in id order: a node's position is its slot
   */
  LanguageIndex(List<DecoderNode> sorted) {
    this.sorted = sorted;
  }

  Candidates servingPair(String source, String target) {
    ConcurrentHashMap<String, Candidates> byTarget = bySource.get(source);
    Candidates found = byTarget == null ? null : byTarget.get(target);
    if (found != null) {
      return found; // the hot path: two lookups, no allocation
    }
    List<DecoderNode> serving = new ArrayList<>();
    List<Integer> slots = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i++) {
      DecoderNode n = sorted.get(i);
      if (n.servesPair(source, target)) {
        serving.add(n);
        slots.add(i);
      }
    }
    int[] s = new int[slots.size()];
    String[] regions = new String[s.length];
    for (int i = 0; i < s.length; i++) {
      s[i] = slots.get(i);
      regions[i] = serving.get(i).region().orElse(null);
    }
    Candidates c = new Candidates(serving.toArray(new DecoderNode[0]), s, regions);
    if (pairs.incrementAndGet() <= MAX_PAIRS) {
      bySource.computeIfAbsent(source, k -> new ConcurrentHashMap<>()).putIfAbsent(target, c);
    }
    return c;
  }
}
