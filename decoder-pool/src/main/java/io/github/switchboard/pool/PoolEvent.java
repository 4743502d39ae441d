package io.github.switchboard.pool;

import java.time.Duration;
import java.util.Optional;

/**
 * One change of a pool, made by this instance or by another one sharing the same store. Immutable. The
 * kinds are records; match them with {@code instanceof} (or {@link #type()}):
 *
 * <pre>{@code
 * pool.subscribe(e -> {
 *   if (e instanceof PoolEvent.StatusChanged s && s.status() == NodeStatus.DRAINING) {
 *     log.info("{} drains", s.nodeId());
 *   }
 * });
 * }</pre>
 *
 * <p>{@link #revision()} is the store's revision after the change (0 for {@link HealthChanged}, which does
 * not change the store). Moves between Redis and the fallback are not pool events: they reach a user
 * through {@link DecoderPools.Builder#listener(io.github.switchboard.core.BackendListener)} (and
 * {@link DecoderPool#backendState()}). Events are created by the pool only: the records' constructors
 * are not meant to be called by users.
 */
public sealed interface PoolEvent {

  /** The kinds of change. */
  enum Type {
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
    RELOADED
  }

  /**
   * Returns the kind of change.
   *
   * @return the type
   */
  Type type();

  /**
   * Returns the store's revision after the change (0 for a health verdict).
   *
   * @return the revision
   */
  long revision();

  /**
   * For a change this instance received from Redis (made by any instance), how long it took to arrive:
   * this instance's estimate of Redis's clock now minus the change's time in Redis. Empty for a change
   * of a store without Redis, for a resynchronisation and for a health verdict.
   *
   * @return the delay, empty if not known
   */
  Optional<Duration> propagationDelay();

  /** An event about one node. */
  sealed interface NodeEvent extends PoolEvent {
    /**
     * Returns the node's id.
     *
     * @return the id
     */
    String nodeId();
  }

  /**
   * A node was added.
   *
   * @param revision the store's revision after the change
   * @param node the node
   * @param propagationDelay see {@link PoolEvent#propagationDelay()}
   */
  record NodeRegistered(long revision, DecoderNode node, Optional<Duration> propagationDelay)
      implements NodeEvent {
    @Override
    public Type type() {
      return Type.NODE_REGISTERED;
    }

    @Override
    public String nodeId() {
      return node.nodeId();
    }
  }

  /**
   * A known node's configuration was replaced.
   *
   * @param revision the store's revision after the change
   * @param node the node as it is now
   * @param propagationDelay see {@link PoolEvent#propagationDelay()}
   */
  record NodeUpdated(long revision, DecoderNode node, Optional<Duration> propagationDelay) implements NodeEvent {
    @Override
    public Type type() {
      return Type.NODE_UPDATED;
    }

    @Override
    public String nodeId() {
      return node.nodeId();
    }
  }

  /**
   * A node was removed by {@code deregister}.
   *
   * @param revision the store's revision after the change
   * @param nodeId the node's id
   * @param propagationDelay see {@link PoolEvent#propagationDelay()}
   */
  record NodeRemoved(long revision, String nodeId, Optional<Duration> propagationDelay) implements NodeEvent {
    @Override
    public Type type() {
      return Type.NODE_REMOVED;
    }
  }

  /**
   * A node was removed by the liveness sweeper.
   *
   * @param revision the store's revision after the change
   * @param nodeId the node's id
   * @param propagationDelay see {@link PoolEvent#propagationDelay()}
   */
  record NodeEvicted(long revision, String nodeId, Optional<Duration> propagationDelay) implements NodeEvent {
    @Override
    public Type type() {
      return Type.NODE_EVICTED;
    }
  }

  /**
   * A node's status changed.
   *
   * @param revision the store's revision after the change
   * @param nodeId the node's id
   * @param status the new status
   * @param propagationDelay see {@link PoolEvent#propagationDelay()}
   */
  record StatusChanged(long revision, String nodeId, NodeStatus status, Optional<Duration> propagationDelay)
      implements NodeEvent {
    @Override
    public Type type() {
      return Type.STATUS_CHANGED;
    }
  }

  /**
   * A node sent a heartbeat.
   *
   * @param revision the store's revision after the change
   * @param nodeId the node's id
   * @param load the reported load
   * @param propagationDelay see {@link PoolEvent#propagationDelay()}
   */
  record Heartbeat(long revision, String nodeId, NodeLoad load, Optional<Duration> propagationDelay)
      implements NodeEvent {
    @Override
    public Type type() {
      return Type.HEARTBEAT;
    }
  }

  /**
   * This instance's health checks changed their verdict on a node (never stored; revision 0).
   *
   * @param nodeId the node's id
   * @param health the new verdict
   */
  record HealthChanged(String nodeId, NodeHealth health) implements NodeEvent {
    @Override
    public Type type() {
      return Type.HEALTH_CHANGED;
    }

    @Override
    public long revision() {
      return 0;
    }

    @Override
    public Optional<Duration> propagationDelay() {
      return Optional.empty();
    }
  }

  /**
   * An A/B test was added or replaced.
   *
   * @param revision the store's revision after the change
   * @param abTest the test
   * @param propagationDelay see {@link PoolEvent#propagationDelay()}
   */
  record AbTestPut(long revision, AbTest abTest, Optional<Duration> propagationDelay) implements PoolEvent {
    @Override
    public Type type() {
      return Type.AB_TEST_PUT;
    }
  }

  /**
   * An A/B test was removed.
   *
   * @param revision the store's revision after the change
   * @param name the test's name
   * @param propagationDelay see {@link PoolEvent#propagationDelay()}
   */
  record AbTestRemoved(long revision, String name, Optional<Duration> propagationDelay) implements PoolEvent {
    @Override
    public Type type() {
      return Type.AB_TEST_REMOVED;
    }
  }

  /**
   * The whole pool was read again; the differences were reported just before, as the other events.
   *
   * @param revision the store's revision after the read
   */
  record Reloaded(long revision) implements PoolEvent {
    @Override
    public Type type() {
      return Type.RELOADED;
    }

    @Override
    public Optional<Duration> propagationDelay() {
      return Optional.empty();
    }
  }
}
