package io.github.switchboard.pool;

/**
 * Pool JSON (the pool file, a node body, a stored value) that cannot be read: not JSON, or a field that
 * breaks its rule. The message names where (file, node index and id) and the rule broken, for example
 * {@code decoder_pool.json: nodes[3] (node_id 'decoder-4'): capacity must be > 0, was 0}.
 */
public final class PoolFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message where and which rule
   * @param cause the underlying error, or null
   */
  public PoolFormatException(String message, @org.jspecify.annotations.Nullable Throwable cause) {
    super(message, cause);
  }
}
