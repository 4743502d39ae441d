package io.github.switchboard.pool.internal;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.PoolEvent;
import io.github.switchboard.pool.PoolListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Concurrency: every mutation runs under the object's monitor, swaps the volatile snapshot, then calls
 * the listener still under the monitor, so events reach the pool in revision order and after the snapshot
 * shows them. Readers take the volatile snapshot without locking.
 */
/** A pool store in this process's memory only: nothing shared, nothing persisted. */
public class InMemoryPoolStore implements PoolStore {
  private static final Logger LOG = LoggerFactory.getLogger(InMemoryPoolStore.class);

  private volatile PoolSnapshot snapshot;
  private volatile @Nullable PoolListener listener;

  /** Creates an empty store. */
  public InMemoryPoolStore() {
    this(PoolSnapshot.EMPTY);
  }

  /**
   * Creates a store holding a snapshot.
   *
   * @param initial the initial state
   */
  public InMemoryPoolStore(PoolSnapshot initial) {
    this.snapshot = initial;
  }

  @Override
  public PoolSnapshot snapshot() {
    return snapshot;
  }

  @Override
  public void setListener(PoolListener l) {
    this.listener = l;
  }

  /**
   * Replaces the whole state, reporting the differences (then RELOADED) to the listener.
   *
   * @param next the new state; its revision is replaced by this store's next revision
   */
  public synchronized void replace(PoolSnapshot next) {
    PoolSnapshot before = snapshot;
    PoolSnapshot after = next.withRevision(before.revision() + 1);
    snapshot = after;
    List<PoolEvent> events = SnapshotDiff.events(before, after);
    for (PoolEvent e : events) {
      emit(e);
    }
    emit(PoolEvent.reloaded(after.revision()));
  }

  @Override
  public synchronized CompletionStage<Boolean> upsert(DecoderNode node, boolean pin) {
    PoolSnapshot s = snapshot;
    DecoderNode old = s.node(node.nodeId());
    long rev = s.revision() + 1;
    snapshot = s.withNode(rev, node, pin);
    emit(old == null ? PoolEvent.nodeRegistered(rev, node) : PoolEvent.nodeUpdated(rev, node));
    return done(old == null);
  }

  @Override
  public synchronized CompletionStage<Boolean> remove(String nodeId) {
    PoolSnapshot s = snapshot;
    if (s.node(nodeId) == null) {
      return done(false);
    }
    long rev = s.revision() + 1;
    snapshot = s.withoutNode(rev, nodeId);
    emit(PoolEvent.nodeRemoved(rev, nodeId));
    return done(true);
  }

  @Override
  public synchronized CompletionStage<Boolean> evict(String nodeId, long heartbeatBeforeMicros) {
    PoolSnapshot s = snapshot;
    if (s.node(nodeId) == null || s.isPinned(nodeId)) {
      return done(false);
    }
    NodeRuntime r = s.runtimeOf(nodeId);
    if (!r.hasHeartbeat() || r.lastHeartbeatMicros() >= heartbeatBeforeMicros) {
      return done(false);
    }
    long rev = s.revision() + 1;
    snapshot = s.withoutNode(rev, nodeId);
    emit(PoolEvent.nodeEvicted(rev, nodeId));
    return done(true);
  }

  @Override
  public synchronized CompletionStage<Boolean> heartbeat(String nodeId, NodeLoad load, long atMicros) {
    PoolSnapshot s = snapshot;
    if (s.node(nodeId) == null) {
      return done(false);
    }
    long rev = s.revision() + 1;
    snapshot = s.withRuntime(rev, nodeId, s.runtimeOf(nodeId).withHeartbeat(load, atMicros));
    emit(PoolEvent.heartbeat(rev, nodeId, load));
    return done(true);
  }

  @Override
  public synchronized CompletionStage<Boolean> setStatus(String nodeId, NodeStatus status) {
    PoolSnapshot s = snapshot;
    DecoderNode node = s.node(nodeId);
    if (node == null) {
      return done(false);
    }
    if (node.status() != status) {
      long rev = s.revision() + 1;
      snapshot = s.withStatus(rev, nodeId, status);
      emit(PoolEvent.statusChanged(rev, nodeId, status));
    }
    return done(true);
  }

  @Override
  public synchronized CompletionStage<Boolean> putAbTest(AbTest test) {
    PoolSnapshot s = snapshot;
    boolean created = !s.abTests().containsKey(test.name());
    long rev = s.revision() + 1;
    snapshot = s.withAbTest(rev, test);
    emit(PoolEvent.abTestPut(rev, test));
    return done(created);
  }

  @Override
  public synchronized CompletionStage<Boolean> removeAbTest(String name) {
    PoolSnapshot s = snapshot;
    if (!s.abTests().containsKey(name)) {
      return done(false);
    }
    long rev = s.revision() + 1;
    snapshot = s.withoutAbTest(rev, name);
    emit(PoolEvent.abTestRemoved(rev, name));
    return done(true);
  }

  @Override
  public synchronized CompletionStage<Void> reload() {
    emit(PoolEvent.reloaded(snapshot.revision()));
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<Boolean> tryLead(String ownerId, Duration ttl, long nowMicros) {
    return done(true);
  }

  @Override
  public void close() {}

  /**
   * Calls the listener; call while holding the monitor, after the snapshot was swapped.
   *
   * @param event the event
   */
  protected void emit(PoolEvent event) {
    PoolListener l = listener;
    if (l != null) {
      try {
        l.onEvent(event);
      } catch (RuntimeException e) {
        LOG.warn("pool store listener threw on {}; ignored", event, e);
      }
    }
  }

  private static CompletionStage<Boolean> done(boolean value) {
    return CompletableFuture.completedFuture(value);
  }

  @Override
  public String toString() {
    return "InMemoryPoolStore[" + snapshot + "]";
  }
}
