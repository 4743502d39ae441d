package io.github.switchboard.pool;

/**
 * What the health checks of this pool instance say about a node. A node is selectable unless it is
 * {@link #UNHEALTHY}; a node nobody has checked is {@link #UNKNOWN} (and selectable).
 */
public enum NodeHealth {
  /** Not checked (health checks off, or no verdict yet). */
  UNKNOWN,
  /** The last {@code rise} checks succeeded. */
  HEALTHY,
  /** The last {@code fall} checks failed. */
  UNHEALTHY
}
