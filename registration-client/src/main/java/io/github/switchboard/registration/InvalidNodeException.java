package io.github.switchboard.registration;

/**
 * The node was refused as invalid: the coordinator answered {@code 400} (its problem detail is in the
 * message), or the client requires HTTPS and the node's endpoint is plain HTTP. No other channel is tried
 * after this: a node the coordinator refuses must not enter the pool another way.
 */
public final class InvalidNodeException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message why the node is invalid
   */
  public InvalidNodeException(String message) {
    super(message);
  }
}
