package io.github.switchboard.pool.internal.store;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeHealth;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.PoolEvent;
import io.github.switchboard.pool.PoolFormatException;
import io.github.switchboard.pool.internal.codec.PoolCodec;
import io.github.switchboard.pool.internal.events.PoolEvents;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/*
 * The one change model of the pool. Every write a pool makes is one of these records, and the rules of
 * a change live here once (for the in-memory, file and guarded stores, and for the Redis store when it
 * applies a change Redis published) and once more in pool_apply.lua; PoolChangeLuaAgreementTest runs
 * every kind of change through both and compares.
 *
 * The rules:
 * - Upsert: adds or replaces a node's configuration; configured = true marks it configured, false keeps
 *   an existing node's mark and makes a new node dynamic. A registration with the default status (ACTIVE)
 *   keeps the status an operator set (a drained node registering again stays drained); a registration
 *   naming another status sets it. Result: true if the node was new. Emits NODE_REGISTERED /
 *   NODE_UPDATED only if something changed.
 * - Remove: result true if the node was there; emits NODE_REMOVED.
 * - Evict: removes only a present, dynamic node that has sent a heartbeat older than the threshold;
 *   result true if it did; emits NODE_EVICTED.
 * - Heartbeat: records the heartbeat (runtime only) of a known node; result false (and nothing changed)
 *   for an unknown node; emits HEARTBEAT. In Redis (pool_apply.lua) a live heartbeat takes Redis TIME and
 *   is published only when it is the node's first or the node comes back from stale; otherwise it is
 *   quiet (no revision, no event elsewhere: coordinators pull it; see RedisPoolStore).
 * - SetStatus: result true if the node is known; emits STATUS_CHANGED only if the status changed.
 * - PutAbTest: result true if the test was new; emits AB_TEST_PUT only if something changed.
 * - RemoveAbTest: result true if the test was there; emits AB_TEST_REMOVED.
 * A change that emits nothing leaves the snapshot (and its revision) as it was.
 *
 * Wire form (pool_apply.lua's ARGV groups, and the journal's lines): op, id, a, b; see pool_apply.lua.
 * A journal entry adds the change's time (PoolJournal.Entry).
 */
/** One change of a pool: what it does to a snapshot, how it travels to Redis and how it is journaled. */
public sealed interface PoolChange {

  /**
   * Returns the node id or A/B test name the change is about.
   *
   * @return the id
   */
  String id();

  /**
   * Returns the operation code of the wire form ({@code up}, {@code del}, {@code ev}, {@code hb},
   * {@code st}, {@code ab}, {@code abdel}).
   *
   * @return the code
   */
  String op();

  /**
   * Returns the wire form's first argument (node, runtime or A/B test JSON, threshold, status), or "".
   *
   * @return the argument
   */
  default String a() {
    return "";
  }

  /**
   * Returns the wire form's second argument (the configured flag of an upsert: "1" or "0"), or "".
   *
   * @return the argument
   */
  default String b() {
    return "";
  }

  /**
   * Returns whether the change may touch the configuration (everything but a heartbeat); a store that
   * cannot write its configuration refuses those.
   *
   * @return true for configuration changes
   */
  default boolean changesConfiguration() {
    return true;
  }

  /**
   * Applies the change to a snapshot.
   *
   * @param s the snapshot
   * @param rev the revision the new snapshot gets, if the change changes something
   * @return the new snapshot (the same one if nothing changed), the event and the result
   */
  Outcome applyTo(PoolSnapshot s, long rev);

  /**
   * Returns the item this change is about: a later change of the same item supersedes an earlier one in a
   * journal.
   *
   * @return a key such as {@code n:decoder-1}
   */
  default String item() {
    return "n:" + id();
  }

  /**
   * Returns what to journal after a store applied the change with {@code result}, given the store's
   * state afterwards, or null when there is nothing to replay.
   *
   * @param result the store's answer
   * @param after the store's snapshot after the change
   * @return the change to journal, or null
   */
  default @Nullable PoolChange journaled(boolean result, PoolSnapshot after) {
    return this;
  }

  /**
   * What a change did.
   *
   * @param snapshot the new snapshot
   * @param event the event, or null if nothing changed
   * @param result the answer to the caller
   */
  record Outcome(PoolSnapshot snapshot, @Nullable PoolEvent event, boolean result) {
    static Outcome unchanged(PoolSnapshot s, boolean result) {
      return new Outcome(s, null, result);
    }
  }

  /**
   * Adds or replaces a node.
   *
   * @param node the node
   * @param configured true to mark it configured; false keeps an existing node's mark and makes a new node
   *     dynamic
   */
  record Upsert(DecoderNode node, boolean configured) implements PoolChange {
    /** Checks the fields. */
    public Upsert {
      Objects.requireNonNull(node, "node");
    }

    @Override
    public String id() {
      return node.nodeId();
    }

    @Override
    public String op() {
      return "up";
    }

    @Override
    public String a() {
      return PoolCodec.writeStoredNode(node, true);
    }

    @Override
    public String b() {
      return configured ? "1" : "0";
    }

    @Override
    public Outcome applyTo(PoolSnapshot s, long rev) {
      DecoderNode old = s.node(id());
      DecoderNode node = this.node;
      if (old != null && node.status() == NodeStatus.ACTIVE && old.status() != NodeStatus.ACTIVE) {
        node = node.withStatus(old.status()); // the operator's status survives a re-registration
      }
      if (node.equals(old) && (!configured || s.isConfigured(id()))) {
        return Outcome.unchanged(s, false);
      }
      PoolSnapshot next = s.withNode(rev, node, configured);
      return new Outcome(next, old == null ? PoolEvents.nodeRegistered(rev, node) : PoolEvents.nodeUpdated(rev, node),
          old == null);
    }

    @Override
    public PoolChange journaled(boolean result, PoolSnapshot after) {
      DecoderNode stored = after.node(id());
      return new Upsert(stored == null ? node : stored, after.isConfigured(id()));
    }
  }

  /**
   * Removes a node.
   *
   * @param id the node's id
   */
  record Remove(String id) implements PoolChange {
    /** Checks the fields. */
    public Remove {
      Objects.requireNonNull(id, "id");
    }

    @Override
    public String op() {
      return "del";
    }

    @Override
    public Outcome applyTo(PoolSnapshot s, long rev) {
      if (s.node(id) == null) {
        return Outcome.unchanged(s, false);
      }
      return new Outcome(s.withoutNode(rev, id), PoolEvents.nodeRemoved(rev, id), true);
    }
  }

  /**
   * Removes a node for missing heartbeats, if it is still evictable.
   *
   * @param id the node's id
   * @param heartbeatBeforeMicros the threshold: only a node whose last heartbeat is older goes
   */
  record Evict(String id, long heartbeatBeforeMicros) implements PoolChange {
    /** Checks the fields. */
    public Evict {
      Objects.requireNonNull(id, "id");
    }

    @Override
    public String op() {
      return "ev";
    }

    @Override
    public String a() {
      return Long.toString(heartbeatBeforeMicros);
    }

    @Override
    public Outcome applyTo(PoolSnapshot s, long rev) {
      if (s.node(id) == null || s.isConfigured(id)) {
        return Outcome.unchanged(s, false);
      }
      NodeRuntime r = s.runtimeOf(id);
      if (!r.hasHeartbeat() || r.lastHeartbeatMicros() >= heartbeatBeforeMicros) {
        return Outcome.unchanged(s, false);
      }
      return new Outcome(s.withoutNode(rev, id), PoolEvents.nodeEvicted(rev, id), true);
    }

    @Override
    public @Nullable PoolChange journaled(boolean result, PoolSnapshot after) {
      return result ? this : null;
    }
  }

  /**
   * Records a heartbeat.
   *
   * @param id the node's id
   * @param load the reported load
   * @param atMicros the heartbeat's time, microseconds since the epoch
   */
  record Heartbeat(String id, NodeLoad load, long atMicros) implements PoolChange {
    /** Checks the fields. */
    public Heartbeat {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(load, "load");
    }

    @Override
    public String op() {
      return "hb";
    }

    @Override
    public String a() {
      return PoolCodec.writeRuntime(NodeRuntime.of(NodeHealth.UNKNOWN, load, atMicros));
    }

    @Override
    public boolean changesConfiguration() {
      return false;
    }

    @Override
    public String item() {
      return "h:" + id;
    }

    @Override
    public Outcome applyTo(PoolSnapshot s, long rev) {
      if (s.node(id) == null) {
        return Outcome.unchanged(s, false);
      }
      PoolSnapshot next = s.withRuntime(rev, id, s.runtimeOf(id).withHeartbeat(load, atMicros));
      return new Outcome(next, PoolEvents.heartbeat(rev, id, load), true);
    }

    @Override
    public @Nullable PoolChange journaled(boolean result, PoolSnapshot after) {
      return result ? this : null;
    }
  }

  /**
   * Changes a node's status.
   *
   * @param id the node's id
   * @param status the new status
   */
  record SetStatus(String id, NodeStatus status) implements PoolChange {
    /** Checks the fields. */
    public SetStatus {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(status, "status");
    }

    @Override
    public String op() {
      return "st";
    }

    @Override
    public String a() {
      return status.jsonName();
    }

    @Override
    public Outcome applyTo(PoolSnapshot s, long rev) {
      DecoderNode node = s.node(id);
      if (node == null) {
        return Outcome.unchanged(s, false);
      }
      if (node.status() == status) {
        return Outcome.unchanged(s, true);
      }
      return new Outcome(s.withStatus(rev, id, status), PoolEvents.statusChanged(rev, id, status), true);
    }

    /*
     * Journaled as the node's whole configuration, so that a compacted journal (latest entry per node)
     * still creates the node if its registration was journaled too.
     */
    @Override
    public @Nullable PoolChange journaled(boolean result, PoolSnapshot after) {
      DecoderNode n = after.node(id);
      return result && n != null ? new Upsert(n, after.isConfigured(id)) : null;
    }
  }

  /**
   * Adds or replaces an A/B test.
   *
   * @param test the test
   */
  record PutAbTest(AbTest test) implements PoolChange {
    /** Checks the fields. */
    public PutAbTest {
      Objects.requireNonNull(test, "test");
    }

    @Override
    public String id() {
      return test.name();
    }

    @Override
    public String op() {
      return "ab";
    }

    @Override
    public String a() {
      return PoolCodec.writeAbTest(test);
    }

    @Override
    public String item() {
      return "a:" + test.name();
    }

    @Override
    public Outcome applyTo(PoolSnapshot s, long rev) {
      AbTest old = s.abTests().get(test.name());
      if (test.equals(old)) {
        return Outcome.unchanged(s, false);
      }
      return new Outcome(s.withAbTest(rev, test), PoolEvents.abTestPut(rev, test), old == null);
    }
  }

  /**
   * Removes an A/B test.
   *
   * @param name the test's name
   */
  record RemoveAbTest(String name) implements PoolChange {
    /** Checks the fields. */
    public RemoveAbTest {
      Objects.requireNonNull(name, "name");
    }

    @Override
    public String id() {
      return name;
    }

    @Override
    public String op() {
      return "abdel";
    }

    @Override
    public String item() {
      return "a:" + name;
    }

    @Override
    public Outcome applyTo(PoolSnapshot s, long rev) {
      if (!s.abTests().containsKey(name)) {
        return Outcome.unchanged(s, false);
      }
      return new Outcome(s.withoutAbTest(rev, name), PoolEvents.abTestRemoved(rev, name), true);
    }
  }

  /**
   * Reads a change from its wire form (a journal line, a script argument group).
   *
   * @param op the operation code
   * @param id the node id or A/B test name
   * @param a the first argument
   * @param b the second argument
   * @return the change
   * @throws PoolFormatException if the operation is unknown or an argument does not parse
   */
  static PoolChange fromWire(String op, String id, String a, String b) {
    return switch (op) {
      case "up" -> new Upsert(PoolCodec.readStoredNode(a).node(), "1".equals(b));
      default -> fromMessage(op, id, a);
    };
  }

  /**
   * Reads a change from an event Redis published ({@code data}: the stored node JSON of {@code up}, whose
   * {@code "dynamic"} tells whether it is configured; otherwise as the wire form's first argument). An eviction Redis
   * published is read as a removal that emits {@code NODE_EVICTED} ({@link Long#MAX_VALUE} threshold).
   *
   * @param op the operation code
   * @param id the node id or A/B test name
   * @param data the event's data, or "" for none
   * @return the change
   * @throws PoolFormatException if the operation is unknown or the data does not parse
   */
  static PoolChange fromMessage(String op, String id, String data) {
    return switch (op) {
      case "up" -> {
        PoolCodec.StoredNode sn = PoolCodec.readStoredNode(data);
        yield new Upsert(sn.node(), sn.configured());
      }
      case "del" -> new Remove(id);
      case "ev" -> new Evict(id, data.isEmpty() ? Long.MAX_VALUE : parseLong(data));
      case "hb" -> {
        NodeRuntime r = PoolCodec.readRuntime(data);
        yield new Heartbeat(id, r.load(), r.lastHeartbeatMicros());
      }
      case "st" -> new SetStatus(id, NodeStatus.fromJson(data));
      case "ab" -> new PutAbTest(PoolCodec.readAbTest(data));
      case "abdel" -> new RemoveAbTest(id);
      default -> throw new PoolFormatException("unknown pool operation '" + op + "'", null);
    };
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new PoolFormatException("eviction threshold must be an integer, was '" + s + "'", e);
    }
  }
}
