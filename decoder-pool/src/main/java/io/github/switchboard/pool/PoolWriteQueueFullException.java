package io.github.switchboard.pool;

/**
 * A {@link DecoderPool} write refused because too many writes already wait for Redis: the pool keeps at
 * most 32 writes in flight to Redis and at most {@link #limit()} more waiting behind them (default
 * 10,000). Nothing was stored; the caller may retry later. Seen only when writes arrive faster than Redis
 * answers for a long time (a write that fails over to the file or memory fallback does not wait there).
 */
public final class PoolWriteQueueFullException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /** The bound that was reached. */
  private final int limit;

  /**
   * Creates the exception.
   *
   * @param poolName the pool's name
   * @param limit the number of writes allowed to wait
   */
  public PoolWriteQueueFullException(String poolName, int limit) {
    super("pool '" + poolName + "': write queue full: " + limit + " writes already wait for Redis (the bound"
        + " on waiting writes); nothing was stored, retry later");
    this.limit = limit;
  }

  /**
   * Returns the number of writes allowed to wait for Redis.
   *
   * @return the bound
   */
  public int limit() {
    return limit;
  }
}
