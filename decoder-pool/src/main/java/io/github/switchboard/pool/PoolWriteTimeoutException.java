package io.github.switchboard.pool;

import java.time.Duration;

/**
 * A synchronous {@link DecoderPool} write (for example {@link DecoderPool#register(DecoderNode)}) that was
 * not stored within the builder's {@link DecoderPools.Builder#writeTimeout(Duration) writeTimeout}. The
 * change may still be stored later: the write goes on in the background, as its asynchronous twin would.
 */
public final class PoolWriteTimeoutException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The bound that passed. */
  private final Duration timeout;

  /**
   * Creates the exception.
   *
   * @param poolName the pool's name
   * @param operation the write, for example {@code register}
   * @param timeout the bound that passed
   */
  public PoolWriteTimeoutException(String poolName, String operation, Duration timeout) {
    super("pool '" + poolName + "': " + operation + " was not stored within writeTimeout " + timeout);
    this.timeout = timeout;
  }

  /**
   * Returns the bound that passed.
   *
   * @return the write timeout
   */
  public Duration timeout() {
    return timeout;
  }
}
