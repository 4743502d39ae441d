package io.github.switchboard.pool;

import java.util.Locale;

/**
 * The administrative status of a decoder node. Only {@link #ACTIVE} nodes are selected. In JSON the
 * status is written in lower case ({@code "active"}); reading ignores case.
 */
public enum NodeStatus {
  /** Serving: the node may be selected. */
  ACTIVE,
  /** Finishing its work: not selected for new requests, kept in the pool. */
  DRAINING,
  /** Under maintenance: not selected, kept in the pool. */
  MAINTENANCE,
  /** Switched off: not selected, kept in the pool. */
  INACTIVE;

  /**
   * Returns the JSON form, the lower-case name.
   *
   * @return for example {@code "active"}
   */
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses the JSON form, ignoring case.
   *
   * @param value the text, for example {@code "active"}
   * @return the status
   * @throws IllegalArgumentException if the text is none of active, draining, maintenance, inactive
   */
  public static NodeStatus fromJson(String value) {
    for (NodeStatus s : values()) {
      if (s.name().equalsIgnoreCase(value.strip())) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "status must be one of active, draining, maintenance, inactive, was '" + value + "'");
  }
}
