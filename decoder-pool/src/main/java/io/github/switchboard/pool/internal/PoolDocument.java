package io.github.switchboard.pool.internal;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The content of a pool file, as the entry points of this package ({@link PoolCodec}, {@link PoolSnapshot})
 * take and return it: the same fields as {@link io.github.switchboard.pool.internal.codec.PoolDocument},
 * which the parts use.
 *
 * @param nodes the nodes, in file order, ids unique
 * @param configured ids of configured nodes: every node without {@code "dynamic": true}
 * @param abTests the A/B tests, names unique
 * @param legacyRuntime loads read from the runtime fields of nodes that had them
 * @param legacyList whether the file was the legacy bare list of nodes
 */
public record PoolDocument(List<DecoderNode> nodes, Set<String> configured, List<AbTest> abTests,
    Map<String, NodeLoad> legacyRuntime, boolean legacyList) {

  static PoolDocument of(io.github.switchboard.pool.internal.codec.PoolDocument d) {
    return new PoolDocument(d.nodes(), d.configured(), d.abTests(), d.legacyRuntime(), d.legacyList());
  }

  io.github.switchboard.pool.internal.codec.PoolDocument toCodec() {
    return new io.github.switchboard.pool.internal.codec.PoolDocument(
        nodes, configured, abTests, legacyRuntime, legacyList);
  }
}
