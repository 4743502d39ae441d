package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.ratelimit.Algorithm;
import io.lettuce.core.cluster.SlotHash;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/*
 * Where a Redis limiter's decisions wait to go together (see Coalescer): one lane per connection; on a
 * Cluster one per master of Redis 7 (its calls on that node's connection, across slots: NodeLanes), else
 * one per slot (all the keys of a routed call must be in one slot), made on first use.
 *
 * A limiter and its plans' limiters (siblings, see GuardedRateLimiter.sibling) share one Group: the
 * limiters of one-limit policies of one algorithm share its lanes, so that a call carries the decisions
 * of every plan (the mixed script, see mixed_head.lua) instead of one call per plan: with 100 plans and
 * 10,000 keys, lanes per plan sent about two decisions a call, one shared lane about thirty. A policy of
 * several limits keeps lanes of its own (its decisions go in the batched script).
 */
/** The coalescing lanes of one connection and algorithm. */
final class Lanes {
  /*
   * Script calls a lane keeps in flight before decisions wait to go together. A standalone or Sentinel
   * connection whose replies complete on its I/O thread (Lettuce's default): MAX_IN_FLIGHT, every call
   * sent from that thread (see Coalescer), so that a few concurrent callers (4 threads, sync) are not
   * serialised behind one call, Redis works on one call while the client reads another's reply, and
   * decisions still reach Redis in the order they were made. ONE_IN_FLIGHT on a Cluster lane, since the
   * Cluster writer routes asynchronously and a later decision could reach Redis before an earlier one, and
   * on a user-supplied connection that completes its replies on a scheduler (publishOnScheduler): with 1,
   * whoever holds the slot is the only writer of the lane. The order of a client's decisions is part of
   * their exactness (RedisCoalescingTest).
   */
  private static final int MAX_IN_FLIGHT = 4;
  private static final int ONE_IN_FLIGHT = 1;

  private final Coalescer.Sender sender;
  private final long permitBudget;
  private final boolean cluster;
  private final @Nullable Coalescer lane;
  private final AtomicReferenceArray<Coalescer> slotLanes;
  private final @Nullable NodeLanes nodes;

  /**
   * Creates the lanes of a connection.
   *
   * @param connection the connection
   * @param sender the calls, through the connection's routing
   * @param onNode the calls on one Cluster node's own connection (its master's lane)
   * @param permitBudget the most permits in one batch
   */
  Lanes(
      RedisConnection connection,
      Coalescer.Sender sender,
      Function<NodeLanes.NodeEval, Coalescer.Sender> onNode,
      long permitBudget) {
    this.sender = sender;
    this.permitBudget = permitBudget;
    this.cluster = connection.isCluster();
    this.lane = cluster
        ? null
        : new Coalescer(sender, permitBudget, MAX_IN_FLIGHT, connection.completesOnIoThread());
    this.slotLanes = new AtomicReferenceArray<>(cluster ? SlotHash.SLOT_COUNT : 0);
    this.nodes = cluster ? new NodeLanes(connection, onNode, sender, permitBudget, MAX_IN_FLIGHT) : null;
  }

  /**
   * The lane of a state key: the connection's; on a Cluster its master's (a Redis 7 master whose lane is
   * open, see NodeLanes), else its slot's (made on first use).
   */
  Coalescer of(String stateKey) {
    if (!cluster) {
      return Objects.requireNonNull(lane);
    }
    int slot = SlotHash.getSlot(stateKey);
    Coalescer node = Objects.requireNonNull(nodes).laneOf(slot);
    Coalescer c = slotLanes.get(slot);
    // the master's lane once the slot's has nothing queued or in flight: the two are two connections, so
    // a decision on the master's could otherwise reach Redis before an earlier one of the same key on the
    // slot's (the slot's serves while the master's lane opens)
    if (node != null && (c == null || c.idle())) {
      return node;
    }
    if (c == null) {
      Coalescer made = new Coalescer(sender, permitBudget, ONE_IN_FLIGHT, false);
      c = slotLanes.compareAndSet(slot, null, made) ? made : slotLanes.get(slot);
    }
    return c;
  }

  /** The lanes a limiter and its plans' limiters share: one per algorithm, for one-limit policies. */
  static final class Group {
    private final RedisConnection connection;
    private final Map<Algorithm, Lanes> byAlgorithm = new EnumMap<>(Algorithm.class); // guarded by this

    Group(RedisConnection connection) {
      this.connection = connection;
    }

    RedisConnection connection() {
      return connection;
    }

    synchronized Lanes of(
        Algorithm algorithm,
        Coalescer.Sender sender,
        Function<NodeLanes.NodeEval, Coalescer.Sender> onNode,
        long permitBudget) {
      return byAlgorithm.computeIfAbsent(algorithm, a -> new Lanes(connection, sender, onNode, permitBudget));
    }
  }
}
