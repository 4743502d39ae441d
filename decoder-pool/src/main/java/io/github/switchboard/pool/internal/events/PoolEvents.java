package io.github.switchboard.pool.internal.events;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeHealth;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.PoolEvent;
import java.time.Duration;
import java.util.Optional;

/** The pool's factories of {@link PoolEvent}s (not public API), and copies with another revision or delay. */
public final class PoolEvents {
  private PoolEvents() {}

  public static PoolEvent nodeRegistered(long revision, DecoderNode node) {
    return new PoolEvent.NodeRegistered(revision, node, Optional.empty());
  }

  public static PoolEvent nodeUpdated(long revision, DecoderNode node) {
    return new PoolEvent.NodeUpdated(revision, node, Optional.empty());
  }

  public static PoolEvent nodeRemoved(long revision, String nodeId) {
    return new PoolEvent.NodeRemoved(revision, nodeId, Optional.empty());
  }

  public static PoolEvent nodeEvicted(long revision, String nodeId) {
    return new PoolEvent.NodeEvicted(revision, nodeId, Optional.empty());
  }

  public static PoolEvent statusChanged(long revision, String nodeId, NodeStatus status) {
    return new PoolEvent.StatusChanged(revision, nodeId, status, Optional.empty());
  }

  public static PoolEvent heartbeat(long revision, String nodeId, NodeLoad load) {
    return new PoolEvent.Heartbeat(revision, nodeId, load, Optional.empty());
  }

  public static PoolEvent healthChanged(String nodeId, NodeHealth health) {
    return new PoolEvent.HealthChanged(nodeId, health);
  }

  public static PoolEvent abTestPut(long revision, AbTest test) {
    return new PoolEvent.AbTestPut(revision, test, Optional.empty());
  }

  public static PoolEvent abTestRemoved(long revision, String name) {
    return new PoolEvent.AbTestRemoved(revision, name, Optional.empty());
  }

  public static PoolEvent reloaded(long revision) {
    return new PoolEvent.Reloaded(revision);
  }

  /** The same event at another revision (the guarded store shifts revisions); a health verdict stays at 0. */
  public static PoolEvent withRevision(PoolEvent e, long rev) {
    return copy(e, rev, e.propagationDelay());
  }

  /** The same event with its propagation delay (a change received from Redis). */
  public static PoolEvent withPropagationDelay(PoolEvent e, Duration delay) {
    return copy(e, e.revision(), Optional.of(delay));
  }

  private static PoolEvent copy(PoolEvent e, long rev, Optional<Duration> d) {
    if (e instanceof PoolEvent.NodeRegistered x) {
      return new PoolEvent.NodeRegistered(rev, x.node(), d);
    } else if (e instanceof PoolEvent.NodeUpdated x) {
      return new PoolEvent.NodeUpdated(rev, x.node(), d);
    } else if (e instanceof PoolEvent.NodeRemoved x) {
      return new PoolEvent.NodeRemoved(rev, x.nodeId(), d);
    } else if (e instanceof PoolEvent.NodeEvicted x) {
      return new PoolEvent.NodeEvicted(rev, x.nodeId(), d);
    } else if (e instanceof PoolEvent.StatusChanged x) {
      return new PoolEvent.StatusChanged(rev, x.nodeId(), x.status(), d);
    } else if (e instanceof PoolEvent.Heartbeat x) {
      return new PoolEvent.Heartbeat(rev, x.nodeId(), x.load(), d);
    } else if (e instanceof PoolEvent.AbTestPut x) {
      return new PoolEvent.AbTestPut(rev, x.abTest(), d);
    } else if (e instanceof PoolEvent.AbTestRemoved x) {
      return new PoolEvent.AbTestRemoved(rev, x.name(), d);
    } else if (e instanceof PoolEvent.Reloaded) {
      return new PoolEvent.Reloaded(rev);
    }
    return e; // HealthChanged: not a store change
  }
}
