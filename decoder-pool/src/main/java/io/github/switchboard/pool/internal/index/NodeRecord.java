package io.github.switchboard.pool.internal.index;

import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.NodeStatus;
import org.jspecify.annotations.Nullable;

/**
 * One node of a snapshot: its configuration, its recorded runtime state (null: none), its slot, its class
 * ({@link NodeClasses}), whether it is configured, and what selection reads of it without recomputing: the
 * cost and whether it is eligible (ACTIVE and not recorded unhealthy). Immutable; a change makes a new one.
 *
 * @param node the configuration
 * @param runtime the recorded runtime state, null for none
 * @param slot the node's slot in {@link SlotTable}, kept while the node exists
 * @param cls the node's class id
 * @param configured whether the node is configured (never evicted)
 * @param label a number in the order of the node's id among the snapshot's nodes (kept while it exists):
 *     the cost order breaks ties by it without reading the id (PoolSnapshot assigns it)
 */
public record NodeRecord(DecoderNode node, @Nullable NodeRuntime runtime, int slot, int cls, boolean configured,
    long label) {

  /** The cost base that keeps idle nodes ordered by priority. */
  public static final double BASE = 0.1;

  /**
   * Returns the node's id.
   *
   * @return the id
   */
  public String id() {
    return node.nodeId();
  }

  /**
   * Returns the runtime state, {@link NodeRuntime#INITIAL} for none.
   *
   * @return the state
   */
  public NodeRuntime state() {
    NodeRuntime r = runtime;
    return r == null ? NodeRuntime.INITIAL : r;
  }

  /**
   * Returns whether a configuration and a runtime state make a node eligible: ACTIVE and not marked
   * unhealthy (the rest of being selectable is freshness, judged at selection time).
   *
   * @param node the configuration
   * @param runtime the state, null for none
   * @return true if eligible
   */
  public static boolean eligible(DecoderNode node, @Nullable NodeRuntime runtime) {
    return node.status() == NodeStatus.ACTIVE && (runtime == null || runtime.healthy());
  }

  /**
   * Returns whether this node is eligible.
   *
   * @return true if ACTIVE and not recorded unhealthy
   */
  public boolean eligible() {
    return eligible(node, runtime);
  }

  /**
   * Returns the selection cost of the node with its recorded load ({@link #cost(DecoderNode, NodeLoad)}).
   *
   * @return the cost
   */
  public double cost() {
    return cost(node, state().load());
  }

  /**
   * Returns the cost of a node: lower is better.
   *
   * @param node the node
   * @param load its load
   * @return the cost
   */
  public static double cost(DecoderNode node, NodeLoad load) {
    double utilisation = load.effectiveLoad() / node.capacity();
    return (utilisation + BASE) * (1 + node.priority());
  }

  /**
   * Returns the heartbeat time by which an eligible node goes stale: its last heartbeat, or
   * {@link Long#MAX_VALUE} if it is not eligible or never sent one (it cannot go stale).
   *
   * @return microseconds, or {@link Long#MAX_VALUE}
   */
  public long eligibleBeat() {
    NodeRuntime r = runtime;
    return r != null && r.hasHeartbeat() && eligible() ? r.lastHeartbeatMicros() : Long.MAX_VALUE;
  }
}
