package io.github.switchboard.pool.internal.store;

import io.github.switchboard.pool.PoolEvent;
import io.github.switchboard.pool.PoolListener;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every store shares: the snapshot readers take without a lock (a volatile read), and the one
 * listener (the pool), called so that what it throws never reaches the store.
 */
public abstract class AbstractPoolStore implements PoolStore {
  private static final Logger LOG = LoggerFactory.getLogger(PoolStore.class);

  /** The current state; written only by the store's own thread or under its lock. */
  protected volatile PoolSnapshot snapshot;
  private volatile @Nullable PoolListener listener;

  protected AbstractPoolStore(PoolSnapshot initial) {
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
   * Calls the listener, after the snapshot shows the change; logs (WARN) and ignores what it throws.
   *
   * @param event the event
   */
  protected final void emit(PoolEvent event) {
    PoolListener l = listener;
    if (l != null) {
      try {
        l.onEvent(event);
      } catch (RuntimeException e) {
        LOG.warn("{}: store listener threw on {}; ignored", this, event, e);
      }
    }
  }
}
