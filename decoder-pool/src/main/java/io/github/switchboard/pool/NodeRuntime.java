package io.github.switchboard.pool;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The runtime state of a node, kept apart from its configuration and never written into the pool file:
 * the last load it reported, when it last sent a heartbeat, and what this instance's health checks say.
 * Immutable.
 */
public final class NodeRuntime {

  /** The state of a node that has sent no heartbeat and has not been checked. */
  public static final NodeRuntime INITIAL = new NodeRuntime(NodeHealth.UNKNOWN, NodeLoad.NONE, 0);

  private final NodeHealth health;
  private final NodeLoad load;
  private final long lastHeartbeatMicros;

  private NodeRuntime(NodeHealth health, NodeLoad load, long lastHeartbeatMicros) {
    this.health = Objects.requireNonNull(health, "health");
    this.load = Objects.requireNonNull(load, "load");
    if (lastHeartbeatMicros < 0) {
      throw new IllegalArgumentException("last_heartbeat must be >= 0, was " + lastHeartbeatMicros);
    }
    this.lastHeartbeatMicros = lastHeartbeatMicros;
  }

  /**
   * Returns a runtime state.
   *
   * @param health the health verdict
   * @param load the last reported load
   * @param lastHeartbeatMicros the time of the last heartbeat in microseconds since the epoch, 0 if never
   * @return the state
   */
  public static NodeRuntime of(NodeHealth health, NodeLoad load, long lastHeartbeatMicros) {
    return new NodeRuntime(health, load, lastHeartbeatMicros);
  }

  /**
   * Returns a copy after a heartbeat.
   *
   * @param newLoad the reported load
   * @param atMicros when, in microseconds since the epoch
   * @return the copy
   */
  public NodeRuntime withHeartbeat(NodeLoad newLoad, long atMicros) {
    return new NodeRuntime(health, newLoad, atMicros);
  }

  /**
   * Returns a copy with another load, keeping the heartbeat time.
   *
   * @param newLoad the load
   * @return the copy
   */
  public NodeRuntime withLoad(NodeLoad newLoad) {
    return new NodeRuntime(health, newLoad, lastHeartbeatMicros);
  }

  /**
   * Returns a copy with another health verdict.
   *
   * @param newHealth the verdict
   * @return the copy
   */
  public NodeRuntime withHealth(NodeHealth newHealth) {
    return newHealth == health ? this : new NodeRuntime(newHealth, load, lastHeartbeatMicros);
  }

  /**
   * Returns the health verdict of this instance's health checks.
   *
   * @return the verdict
   */
  public NodeHealth health() {
    return health;
  }

  /**
   * Returns whether no health check has marked the node unhealthy.
   *
   * @return false only for {@link NodeHealth#UNHEALTHY}
   */
  public boolean healthy() {
    return health != NodeHealth.UNHEALTHY;
  }

  /**
   * Returns the last reported load ({@link NodeLoad#NONE} if none).
   *
   * @return the load
   */
  public NodeLoad load() {
    return load;
  }

  /**
   * Returns the time of the last heartbeat, in microseconds since the epoch; 0 if the node never sent one.
   *
   * @return the time, or 0
   */
  public long lastHeartbeatMicros() {
    return lastHeartbeatMicros;
  }

  /**
   * Returns the time of the last heartbeat.
   *
   * @return the time, empty if the node never sent one
   */
  public Optional<Instant> lastHeartbeat() {
    if (lastHeartbeatMicros == 0) {
      return Optional.empty();
    }
    return Optional.of(
        Instant.ofEpochSecond(lastHeartbeatMicros / 1_000_000L, (lastHeartbeatMicros % 1_000_000L) * 1000L));
  }

  /**
   * Returns whether the node ever sent a heartbeat.
   *
   * @return true if it did
   */
  public boolean hasHeartbeat() {
    return lastHeartbeatMicros != 0;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof NodeRuntime r
        && health == r.health
        && lastHeartbeatMicros == r.lastHeartbeatMicros
        && load.equals(r.load);
  }

  @Override
  public int hashCode() {
    return Objects.hash(health, load, lastHeartbeatMicros);
  }

  @Override
  public String toString() {
    return "NodeRuntime[health=" + health + ", " + load + ", lastHeartbeat="
        + lastHeartbeat().map(Instant::toString).orElse("never") + "]";
  }
}
