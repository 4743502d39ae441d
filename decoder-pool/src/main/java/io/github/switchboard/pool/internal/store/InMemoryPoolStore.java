package io.github.switchboard.pool.internal.store;

import io.github.switchboard.pool.PoolEvent;
import io.github.switchboard.pool.internal.events.PoolEvents;
import io.github.switchboard.pool.internal.events.SnapshotDiff;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/*
 * Concurrency: every mutation runs under the object's monitor, swaps the volatile snapshot, then calls
 * the listener still under the monitor, so events reach the pool in revision order and after the snapshot
 * shows them. Readers take the volatile snapshot without locking.
 */
/** A pool store in this process's memory only: nothing shared, nothing persisted. */
public class InMemoryPoolStore extends AbstractPoolStore {


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
    super(initial);
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
    emit(PoolEvents.reloaded(after.revision()));
  }

  @Override
  public synchronized CompletionStage<Boolean> write(PoolChange change) {
    PoolSnapshot s = snapshot;
    PoolChange.Outcome o = change.applyTo(s, s.revision() + 1);
    PoolEvent e = o.event();
    if (e != null) {
      snapshot = o.snapshot();
      emit(e);
    }
    return CompletableFuture.completedFuture(o.result());
  }

  @Override
  public synchronized CompletionStage<Void> reload() {
    emit(PoolEvents.reloaded(snapshot.revision()));
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<Boolean> tryLead(String ownerId, Duration ttl, long nowMicros) {
    return CompletableFuture.completedFuture(true);
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "InMemoryPoolStore[" + snapshot + "]";
  }
}
