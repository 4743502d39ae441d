package io.github.switchboard.pool.internal.codec;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The content of a pool file as read by {@link PoolCodec#readDocument}: the nodes in file order, which of
 * them are configured, the A/B tests, and the runtime fields some legacy files carry (read, never
 * written back).
 *
 * @param nodes the nodes, in file order, ids unique
 * @param configured ids of configured nodes: every node without {@code "dynamic": true}
 * @param abTests the A/B tests, names unique
 * @param legacyRuntime loads read from the runtime fields ({@code load}, {@code inflight},
 *     {@code uptime}, {@code hot_adapters}) of nodes that had them
 * @param legacyList whether the file was the legacy bare list of nodes
 */
public record PoolDocument(
    List<DecoderNode> nodes,
    Set<String> configured,
    List<AbTest> abTests,
    Map<String, NodeLoad> legacyRuntime,
    boolean legacyList) {

  /** An empty pool. */
  public static final PoolDocument EMPTY = new PoolDocument(List.of(), Set.of(), List.of(), Map.of(), false);

  /**
   * Copies the collections.
   */
  public PoolDocument {
    nodes = List.copyOf(nodes);
    configured = Set.copyOf(configured);
    abTests = List.copyOf(abTests);
    legacyRuntime = Map.copyOf(legacyRuntime);
  }
}
