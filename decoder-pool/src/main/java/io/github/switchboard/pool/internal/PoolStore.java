package io.github.switchboard.pool.internal;

import io.github.switchboard.core.BackendListener;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.PoolListener;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/*
 * The store SPI. DefaultDecoderPool holds all pool logic (selection, health overlay, sweeper, listener
 * dispatch); a store only keeps the shared state and tells the pool what changed.
 *
 * Contract every implementation keeps (and AbstractDecoderPoolConformanceTest checks through the pool):
 *
 * - snapshot() never blocks on I/O and never returns null; it returns the last good state.
 * - Read-your-writes: when a mutation's stage completes, snapshot() already reflects it, and the listener
 *   has been called for it.
 * - The listener hears every change applied to the snapshot, this instance's and other instances' alike,
 *   in revision order, one call at a time; it must be fast and must not call back into the store.
 *   A full resynchronisation (reload, reconnect, revision gap, file changed by another process) is reported
 *   as the fine-grained events between old and new snapshots (SnapshotDiff.events), then RELOADED.
 * - Revisions grow with every change; a store may skip numbers; heartbeats may or may not bump.
 * - Runtime state (NodeRuntime) is never written into the pool file; its health is always UNKNOWN in a
 *   store (the pool overlays its own health-check verdicts).
 * - Pins: upsert(node, true) pins (a configured node, from the pool file); upsert(node, false) keeps an
 *   existing node's pin and makes a new node dynamic. remove() drops the pin with the node.
 * - A stage fails only for a caller-actionable reason (invalid input is rejected before the store;
 *   an unwritable or corrupted file is one). A guarded Redis store answers from its fallback instead of
 *   failing.
 */
/** Where a pool keeps its shared state: memory, a file, Redis (guarded by the file). Thread-safe. */
public interface PoolStore extends AutoCloseable {

  /**
   * Returns the current state, without I/O.
   *
   * @return the last good snapshot
   */
  PoolSnapshot snapshot();

  /**
   * Adds or replaces a node's configuration, keeping its runtime state.
   *
   * @param node the node
   * @param pin true to mark it configured; false keeps an existing pin and makes a new node dynamic
   * @return true if the node was new
   */
  CompletionStage<Boolean> upsert(DecoderNode node, boolean pin);

  /**
   * Removes a node with its runtime state and pin; emits {@code NODE_REMOVED}.
   *
   * @param nodeId the id
   * @return true if it was there
   */
  CompletionStage<Boolean> remove(String nodeId);

  /**
   * Removes a node for missing heartbeats, atomically checking that it is still evictable: present, not
   * pinned, has sent a heartbeat, and its last heartbeat is older than {@code heartbeatBeforeMicros}.
   * Emits {@code NODE_EVICTED}.
   *
   * @param nodeId the id
   * @param heartbeatBeforeMicros the eviction threshold, microseconds since the epoch
   * @return true if the node was evicted
   */
  CompletionStage<Boolean> evict(String nodeId, long heartbeatBeforeMicros);

  /**
   * Records a heartbeat (runtime state only); emits {@code HEARTBEAT}.
   *
   * @param nodeId the id
   * @param load the reported load
   * @param atMicros the time of the heartbeat (the pool's TimeSource), microseconds since the epoch
   * @return true if the node is known; false (and nothing stored) if not
   */
  CompletionStage<Boolean> heartbeat(String nodeId, NodeLoad load, long atMicros);

  /**
   * Changes a node's status; emits {@code STATUS_CHANGED} (only if it changed).
   *
   * @param nodeId the id
   * @param status the status
   * @return true if the node is known
   */
  CompletionStage<Boolean> setStatus(String nodeId, NodeStatus status);

  /**
   * Adds or replaces an A/B test; emits {@code AB_TEST_PUT}.
   *
   * @param test the test
   * @return true if it was new
   */
  CompletionStage<Boolean> putAbTest(AbTest test);

  /**
   * Removes an A/B test; emits {@code AB_TEST_REMOVED}.
   *
   * @param name the name
   * @return true if it was there
   */
  CompletionStage<Boolean> removeAbTest(String name);

  /**
   * Reads the whole state again; on a read error keeps the last good snapshot and fails the stage.
   *
   * @return a stage completing when the snapshot is replaced
   */
  CompletionStage<Void> reload();

  /**
   * Sets the one listener of changes (the pool); replaces any earlier one.
   *
   * @param listener the listener
   */
  void setListener(PoolListener listener);

  /**
   * Takes or renews the sweeper's lease: at most one owner holds it at a time across every instance
   * sharing the store, until it expires.
   *
   * @param ownerId this instance's unique id
   * @param ttl how long the lease lasts without renewal
   * @param nowMicros the pool's current time, for stores that keep the lease themselves
   * @return true if {@code ownerId} holds the lease now
   */
  CompletionStage<Boolean> tryLead(String ownerId, Duration ttl, long nowMicros);

  /**
   * Returns which backend answers (always {@link BackendState#PRIMARY} for a store without Redis).
   *
   * @return the state
   */
  default BackendState backendState() {
    return BackendState.PRIMARY;
  }

  /**
   * Adds a listener of backend transitions (no-op for a store without Redis).
   *
   * @param listener the listener
   */
  default void addBackendListener(BackendListener listener) {}

  /** Releases what the store opened (connections, threads, file channels); idempotent. */
  @Override
  void close();
}
