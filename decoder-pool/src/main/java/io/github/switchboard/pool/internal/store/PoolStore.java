package io.github.switchboard.pool.internal.store;

import io.github.switchboard.core.BackendListener;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.pool.PoolListener;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
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
 * - Configured nodes: PoolChange.Upsert(node, true) marks a node configured (as the pool file does);
 *   Upsert(node, false) keeps an existing node's mark and makes a new node dynamic. Remove drops the mark with the node.
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
   * Applies one change (the rules are {@link PoolChange}'s: the store applies them, or Redis applies
   * pool_apply.lua's copy of them) and emits its event, if it changed something.
   *
   * @param change the change
   * @return the change's result ({@link PoolChange.Outcome#result()})
   */
  CompletionStage<Boolean> write(PoolChange change);

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

  /**
   * Tells the store the pool's {@code staleAfter}: a store that shares heartbeats between processes
   * (Redis) broadcasts a heartbeat only when its node comes back from stale or had none yet (no-op for
   * the others).
   *
   * @param staleAfter how long after its last heartbeat a node is stale
   */
  default void staleAfter(Duration staleAfter) {}

  /** Releases what the store opened (connections, threads, file channels); idempotent. */
  @Override
  void close();
}
