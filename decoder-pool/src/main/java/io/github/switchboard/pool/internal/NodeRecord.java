package io.github.switchboard.pool.internal;

import io.github.switchboard.pool.DecoderNode;
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
record NodeRecord(DecoderNode node, @Nullable NodeRuntime runtime, int slot, int cls, boolean configured,
    long label) {

  /**
   * Returns the node's id.
   *
   * @return the id
   */
  String id() {
    return node.nodeId();
  }

  /**
   * Returns the runtime state, {@link NodeRuntime#INITIAL} for none.
   *
   * @return the state
   */
  NodeRuntime state() {
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
  static boolean eligible(DecoderNode node, @Nullable NodeRuntime runtime) {
    return node.status() == NodeStatus.ACTIVE && (runtime == null || runtime.healthy());
  }

  /**
   * Returns whether this node is eligible.
   *
   * @return true if ACTIVE and not recorded unhealthy
   */
  boolean eligible() {
    return eligible(node, runtime);
  }

  /**
   * Returns the selection cost of the node with its recorded load ({@link Selector#cost}).
   *
   * @return the cost
   */
  double cost() {
    return Selector.cost(node, state().load());
  }

  /**
   * Returns the heartbeat time by which an eligible node goes stale: its last heartbeat, or
   * {@link Long#MAX_VALUE} if it is not eligible or never sent one (it cannot go stale).
   *
   * @return microseconds, or {@link Long#MAX_VALUE}
   */
  long eligibleBeat() {
    NodeRuntime r = runtime;
    return r != null && r.hasHeartbeat() && eligible() ? r.lastHeartbeatMicros() : Long.MAX_VALUE;
  }
}
