package io.github.switchboard.pool;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A node as the pool sees it at one moment: its configuration, its runtime state, whether it came from
 * configuration (and so is never evicted) and whether {@code select} may choose it now. Immutable.
 */
public final class NodeView {
  private final DecoderNode node;
  private final NodeRuntime runtime;
  private final boolean configured;
  private final boolean fresh;

  /**
   * Creates a view.
   *
   * @param node the configuration
   * @param runtime the runtime state
   * @param configured whether the node came from configuration (never evicted)
   * @param fresh whether the node has never sent a heartbeat or sent one within {@code staleAfter}
   */
  public NodeView(DecoderNode node, NodeRuntime runtime, boolean configured, boolean fresh) {
    this.node = Objects.requireNonNull(node, "node");
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.configured = configured;
    this.fresh = fresh;
  }

  /**
   * Returns the node's configuration.
   *
   * @return the node
   */
  public DecoderNode node() {
    return node;
  }

  /**
   * Returns the node's id.
   *
   * @return the id
   */
  public String nodeId() {
    return node.nodeId();
  }

  /**
   * Returns the node's runtime state.
   *
   * @return the runtime state
   */
  public NodeRuntime runtime() {
    return runtime;
  }

  /**
   * Returns whether the node came from configuration (the pool file); such a node is never evicted.
   *
   * @return true for a configured node, false for one registered at run time
   */
  public boolean configured() {
    return configured;
  }

  /**
   * Returns whether the node has never sent a heartbeat or sent one within {@code staleAfter}.
   *
   * @return true if fresh
   */
  public boolean fresh() {
    return fresh;
  }

  /**
   * Returns whether {@code select} may choose the node: it is active, not marked unhealthy, and fresh.
   *
   * @return true if selectable
   */
  public boolean selectable() {
    return node.status() == NodeStatus.ACTIVE && runtime.healthy() && fresh;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof NodeView v
        && configured == v.configured
        && fresh == v.fresh
        && node.equals(v.node)
        && runtime.equals(v.runtime);
  }

  @Override
  public int hashCode() {
    return Objects.hash(node, runtime, configured, fresh);
  }

  @Override
  public String toString() {
    return "NodeView[" + node + ", " + runtime + (configured ? ", configured" : "")
        + (fresh ? "" : ", stale") + "]";
  }
}
