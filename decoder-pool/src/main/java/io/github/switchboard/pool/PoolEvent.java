package io.github.switchboard.pool;

import io.github.switchboard.core.BackendState;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One change of a pool, made by this instance or by another one sharing the same store. Immutable.
 *
 * <p>{@link #type()} says which accessors are present: a node for {@code NODE_REGISTERED} and
 * {@code NODE_UPDATED}; a node id for every node event; a status for {@code STATUS_CHANGED}; a load for
 * {@code HEARTBEAT}; an A/B test for {@code AB_TEST_PUT}; an A/B test name for {@code AB_TEST_PUT} and
 * {@code AB_TEST_REMOVED}; a health for {@code HEALTH_CHANGED}; a backend state for
 * {@code BACKEND_STATE}. {@link #revision()} is the store's revision after the change (0 for events that do
 * not change the store: {@code HEALTH_CHANGED}, {@code BACKEND_STATE}).
 */
public final class PoolEvent {

  /** The kinds of change. */
  public enum Type {
    /** A node was added. */
    NODE_REGISTERED,
    /** A known node's configuration was replaced. */
    NODE_UPDATED,
    /** A node was removed by {@code deregister}. */
    NODE_REMOVED,
    /** A node was removed by the liveness sweeper (no heartbeat for {@code evictAfter}). */
    NODE_EVICTED,
    /** A node's status changed. */
    STATUS_CHANGED,
    /** A node sent a heartbeat. */
    HEARTBEAT,
    /** This instance's health checks changed their verdict on a node. */
    HEALTH_CHANGED,
    /** An A/B test was added or replaced. */
    AB_TEST_PUT,
    /** An A/B test was removed. */
    AB_TEST_REMOVED,
    /** The whole pool was read again (a reload, a resynchronisation, or a file changed by another process). */
    RELOADED,
    /** The pool moved between Redis and its fallback. */
    BACKEND_STATE
  }

  private final Type type;
  private final long revision;
  private final @Nullable String nodeId;
  private final @Nullable DecoderNode node;
  private final @Nullable NodeStatus status;
  private final @Nullable NodeLoad load;
  private final @Nullable NodeHealth health;
  private final @Nullable AbTest abTest;
  private final @Nullable String abTestName;
  private final @Nullable BackendState backendState;

  private PoolEvent(
      Type type,
      long revision,
      @Nullable String nodeId,
      @Nullable DecoderNode node,
      @Nullable NodeStatus status,
      @Nullable NodeLoad load,
      @Nullable NodeHealth health,
      @Nullable AbTest abTest,
      @Nullable String abTestName,
      @Nullable BackendState backendState) {
    this.type = type;
    this.revision = revision;
    this.nodeId = nodeId;
    this.node = node;
    this.status = status;
    this.load = load;
    this.health = health;
    this.abTest = abTest;
    this.abTestName = abTestName;
    this.backendState = backendState;
  }

  /**
   * A node was added.
   *
   * @param revision the store's revision after the change
   * @param node the node
   * @return the event
   */
  public static PoolEvent nodeRegistered(long revision, DecoderNode node) {
    return new PoolEvent(Type.NODE_REGISTERED, revision, node.nodeId(), node, node.status(), null, null, null,
        null, null);
  }

  /**
   * A node's configuration was replaced.
   *
   * @param revision the store's revision after the change
   * @param node the new configuration
   * @return the event
   */
  public static PoolEvent nodeUpdated(long revision, DecoderNode node) {
    return new PoolEvent(Type.NODE_UPDATED, revision, node.nodeId(), node, node.status(), null, null, null,
        null, null);
  }

  /**
   * A node was deregistered.
   *
   * @param revision the store's revision after the change
   * @param nodeId the node's id
   * @return the event
   */
  public static PoolEvent nodeRemoved(long revision, String nodeId) {
    return new PoolEvent(Type.NODE_REMOVED, revision, nodeId, null, null, null, null, null, null, null);
  }

  /**
   * A node was evicted for missing heartbeats.
   *
   * @param revision the store's revision after the change
   * @param nodeId the node's id
   * @return the event
   */
  public static PoolEvent nodeEvicted(long revision, String nodeId) {
    return new PoolEvent(Type.NODE_EVICTED, revision, nodeId, null, null, null, null, null, null, null);
  }

  /**
   * A node's status changed.
   *
   * @param revision the store's revision after the change
   * @param nodeId the node's id
   * @param status the new status
   * @return the event
   */
  public static PoolEvent statusChanged(long revision, String nodeId, NodeStatus status) {
    return new PoolEvent(Type.STATUS_CHANGED, revision, nodeId, null, status, null, null, null, null, null);
  }

  /**
   * A node sent a heartbeat.
   *
   * @param revision the store's revision after the heartbeat (stores may leave it unchanged)
   * @param nodeId the node's id
   * @param load the reported load
   * @return the event
   */
  public static PoolEvent heartbeat(long revision, String nodeId, NodeLoad load) {
    return new PoolEvent(Type.HEARTBEAT, revision, nodeId, null, null, load, null, null, null, null);
  }

  /**
   * This instance's health checks changed their verdict.
   *
   * @param nodeId the node's id
   * @param health the new verdict
   * @return the event
   */
  public static PoolEvent healthChanged(String nodeId, NodeHealth health) {
    return new PoolEvent(Type.HEALTH_CHANGED, 0, nodeId, null, null, null, health, null, null, null);
  }

  /**
   * An A/B test was added or replaced.
   *
   * @param revision the store's revision after the change
   * @param test the test
   * @return the event
   */
  public static PoolEvent abTestPut(long revision, AbTest test) {
    return new PoolEvent(Type.AB_TEST_PUT, revision, null, null, null, null, null, test, test.name(), null);
  }

  /**
   * An A/B test was removed.
   *
   * @param revision the store's revision after the change
   * @param name the test's name
   * @return the event
   */
  public static PoolEvent abTestRemoved(long revision, String name) {
    return new PoolEvent(Type.AB_TEST_REMOVED, revision, null, null, null, null, null, null, name, null);
  }

  /**
   * The whole pool was read again.
   *
   * @param revision the store's revision after the reload
   * @return the event
   */
  public static PoolEvent reloaded(long revision) {
    return new PoolEvent(Type.RELOADED, revision, null, null, null, null, null, null, null, null);
  }

  /**
   * The pool moved between Redis and its fallback.
   *
   * @param state the new state
   * @return the event
   */
  public static PoolEvent backendState(BackendState state) {
    return new PoolEvent(Type.BACKEND_STATE, 0, null, null, null, null, null, null, null,
        Objects.requireNonNull(state, "state"));
  }

  /**
   * Returns the kind of change.
   *
   * @return the type
   */
  public Type type() {
    return type;
  }

  /**
   * Returns the store's revision after the change, 0 for events outside the store.
   *
   * @return the revision
   */
  public long revision() {
    return revision;
  }

  /**
   * Returns the node's id, for node events.
   *
   * @return the id
   */
  public Optional<String> nodeId() {
    return Optional.ofNullable(nodeId);
  }

  /**
   * Returns the node's new configuration, for {@code NODE_REGISTERED} and {@code NODE_UPDATED}.
   *
   * @return the node
   */
  public Optional<DecoderNode> node() {
    return Optional.ofNullable(node);
  }

  /**
   * Returns the node's status, for {@code STATUS_CHANGED} (and registrations).
   *
   * @return the status
   */
  public Optional<NodeStatus> status() {
    return Optional.ofNullable(status);
  }

  /**
   * Returns the reported load, for {@code HEARTBEAT}.
   *
   * @return the load
   */
  public Optional<NodeLoad> load() {
    return Optional.ofNullable(load);
  }

  /**
   * Returns the new health verdict, for {@code HEALTH_CHANGED}.
   *
   * @return the health
   */
  public Optional<NodeHealth> health() {
    return Optional.ofNullable(health);
  }

  /**
   * Returns the A/B test, for {@code AB_TEST_PUT}.
   *
   * @return the test
   */
  public Optional<AbTest> abTest() {
    return Optional.ofNullable(abTest);
  }

  /**
   * Returns the A/B test's name, for {@code AB_TEST_PUT} and {@code AB_TEST_REMOVED}.
   *
   * @return the name
   */
  public Optional<String> abTestName() {
    return Optional.ofNullable(abTestName);
  }

  /**
   * Returns the new backend state, for {@code BACKEND_STATE}.
   *
   * @return the state
   */
  public Optional<BackendState> backendState() {
    return Optional.ofNullable(backendState);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof PoolEvent e
        && type == e.type
        && revision == e.revision
        && Objects.equals(nodeId, e.nodeId)
        && Objects.equals(node, e.node)
        && status == e.status
        && Objects.equals(load, e.load)
        && health == e.health
        && Objects.equals(abTest, e.abTest)
        && Objects.equals(abTestName, e.abTestName)
        && backendState == e.backendState;
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, revision, nodeId, node, status, load, health, abTest, abTestName, backendState);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("PoolEvent[").append(type);
    if (revision != 0) {
      sb.append(", revision=").append(revision);
    }
    if (nodeId != null) {
      sb.append(", node=").append(nodeId);
    }
    if (type == Type.STATUS_CHANGED && status != null) {
      sb.append(", status=").append(status.jsonName());
    }
    if (load != null) {
      sb.append(", load=").append(load.effectiveLoad());
    }
    if (health != null) {
      sb.append(", health=").append(health);
    }
    if (abTestName != null) {
      sb.append(", ab_test=").append(abTestName);
    }
    if (backendState != null) {
      sb.append(", backend=").append(backendState);
    }
    return sb.append(']').toString();
  }
}
