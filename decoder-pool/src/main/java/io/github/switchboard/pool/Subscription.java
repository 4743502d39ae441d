package io.github.switchboard.pool;

/** A listener's registration with a pool; {@link #close()} removes it. */
public interface Subscription extends AutoCloseable {

  /** Removes the listener; it hears no event afterwards. Idempotent. */
  @Override
  void close();
}
