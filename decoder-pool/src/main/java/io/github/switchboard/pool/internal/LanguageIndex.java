package io.github.switchboard.pool.internal;

import io.github.switchboard.pool.DecoderNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/*
 * The nodes of one snapshot by the language pair they serve, filled on demand: the first selection for a
 * pair scans the nodes once (O(n)); later selections for it get the list at once, until the set of nodes
 * changes (a heartbeat keeps the index: PoolSnapshot.carry). A pool sees few distinct pairs, so the map
 * stays small; it is bounded anyway (MAX_PAIRS: beyond it, a pair is scanned every time, never stored).
 */
/** Nodes by the language pair they serve, computed once per pair and per set of nodes. Thread-safe. */
final class LanguageIndex {
  private static final int MAX_PAIRS = 1024;

  private final Collection<DecoderNode> nodes;
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, List<DecoderNode>>> bySource =
      new ConcurrentHashMap<>();
  private final AtomicInteger pairs = new AtomicInteger();

  LanguageIndex(Collection<DecoderNode> nodes) {
    this.nodes = nodes;
  }

  List<DecoderNode> servingPair(String source, String target) {
    ConcurrentHashMap<String, List<DecoderNode>> byTarget = bySource.get(source);
    List<DecoderNode> found = byTarget == null ? null : byTarget.get(target);
    if (found != null) {
      return found; // the hot path: two lookups, no allocation
    }
    List<DecoderNode> serving = new ArrayList<>();
    for (DecoderNode n : nodes) {
      if (n.servesPair(source, target)) {
        serving.add(n);
      }
    }
    List<DecoderNode> list = List.copyOf(serving);
    if (pairs.incrementAndGet() <= MAX_PAIRS) {
      bySource.computeIfAbsent(source, k -> new ConcurrentHashMap<>()).putIfAbsent(target, list);
    }
    return list;
  }
}
