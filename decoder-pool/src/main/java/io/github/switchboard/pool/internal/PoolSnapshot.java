package io.github.switchboard.pool.internal;

/**
 * The entry point to {@link io.github.switchboard.pool.internal.snapshot.PoolSnapshot} for a
 * {@link PoolDocument} of this package.
 */
public final class PoolSnapshot {
  private PoolSnapshot() {}

  /**
   * Creates a snapshot of a document (runtime states from its legacy runtime fields, without heartbeat).
   *
   * @param revision the revision
   * @param doc the document
   * @return the snapshot
   */
  public static io.github.switchboard.pool.internal.snapshot.PoolSnapshot of(long revision, PoolDocument doc) {
    return io.github.switchboard.pool.internal.snapshot.PoolSnapshot.of(revision, doc.toCodec());
  }
}
