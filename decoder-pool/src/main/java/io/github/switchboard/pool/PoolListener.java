package io.github.switchboard.pool;

/**
 * Hears the changes of a pool. Called on the pool's event thread, one event at a time, in order; an
 * exception is logged at WARN and ignored, and a slow listener delays only other listeners.
 */
@FunctionalInterface
public interface PoolListener {

  /**
   * Called once per change.
   *
   * @param event the change
   */
  void onEvent(PoolEvent event);
}
