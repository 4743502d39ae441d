package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.core.internal.LuaScript;
import io.github.switchboard.core.internal.RedisConnection;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * On a Redis Cluster of Redis 7 masters, one coalescing lane per master (issue 22): the decisions whose
 * keys live on one master go together in one call whatever their slots, with the batched or mixed script's
 * Cluster twin (flagged allow-cross-slot-keys; its keys in ARGV, since a script's declared keys must share
 * one slot even with the flag: cluster_head.lua), sent on that master's own connection (Lettuce's node
 * connection), so that several calls may be in flight and the decisions of one key still reach Redis in
 * order, as on a standalone connection. A lone decision goes there as the single script.
 *
 * Which master serves a slot is read from the Cluster connection's own map (Partitions: an array lookup),
 * as Lettuce routes a command. A master's lane is opened on the first decision for one of its slots, in
 * the background (its node connection, then INFO server: script flags need Redis 7.0); until then, and for
 * good on an older master, laneOf answers null and the caller keeps the per-slot lanes (normal routing,
 * one call in flight each). A lane that failed to open is tried again after RETRY_NANOS.
 *
 * Change, never losing or repeating a decision:
 * - a batch decision whose key the node no longer serves (its slot moved, or is moving and the key is
 *   gone) comes back marked -1 (cluster_guard.lua: Redis refuses the key's first access, before the
 *   decision wrote anything) and is re-sent alone through normal routing, which follows MOVED and ASK; the
 *   slot is noted as refused by that node, and its decisions take the per-slot lanes until the map names
 *   another master for it (after Lettuce's topology refresh the new master's lane serves it);
 * - a whole call refused (MOVED, ASK, TRYAGAIN for the single script; READONLY: the node is a replica
 *   now) ran nothing: its decisions are re-sent alone the same way, and the node's lane retires for
 *   RETIRED_NANOS (the map may still name it until the next refresh).
 * A call that fails otherwise (a timeout, a lost connection) fails its decisions, as on any lane: the
 * guard answers them from the fallback.
 *
 * Cost: per decision, one array read of the map, one of the refused slots and one hash lookup by node id
 * (its hash cached by String); per batch, one lookup of the twin script; a lane's opening once per master.
 */
/** The per-master coalescing lanes of a Redis 7 Cluster. */
final class NodeLanes {
  private static final Logger LOG = LoggerFactory.getLogger(NodeLanes.class);
  /** How long a master whose lane failed to open waits before it is tried again. */
  static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** How long a master whose lane was refused (a replica now) waits: about a topology refresh. */
  static final long RETIRED_NANOS = TimeUnit.SECONDS.toNanos(30);
  /** The first Redis major version with script flags ({@code #!lua flags=allow-cross-slot-keys}). */
  static final int FLAGS_SINCE_MAJOR = 7;
  /** The first element of a decision's reply that this node did not decide (cluster_guard.lua). */
  static final Long NOT_HERE = -1L;

  private static final Map<String, LuaScript> TWINS = new ConcurrentHashMap<>();

  /** Evaluates a lane's script on one node's own connection. */
  interface NodeEval {
    CompletionStage<List<Object>> eval(LuaScript script, String[] keys, String[] args);
  }

  /** One master's lane: null coalescer while opening, after a failure, and for good on Redis before 7. */
  private static final class Lane {
    volatile @Nullable Coalescer coalescer;
    /** When opening failed or the lane retired (System.nanoTime), and for how long; 0 if neither. */
    volatile long failedAt;
    volatile long waitNanos;
  }

  private final RedisConnection connection;
  private final Function<NodeEval, Coalescer.Sender> senderOn;
  private final Coalescer.Sender routed;
  private final long permitBudget;
  private final int maxInFlight;
  private final String name;
  private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();
  private final AtomicReferenceArray<@Nullable String> refused =
      new AtomicReferenceArray<>(SlotHash.SLOT_COUNT);
  private final Function<String, Lane> open = this::open;
  private volatile @Nullable StatefulRedisClusterConnection<String, String> cluster;

  /**
   * Creates the lanes of a Cluster connection; none is opened yet.
   *
   * @param connection the Cluster connection
   * @param senderOn the calls of a lane, made on a node's connection
   * @param routed the calls through normal routing (the re-sent decisions)
   * @param permitBudget the most permits in one batch
   * @param maxInFlight the most calls in flight on a node's connection
   */
  NodeLanes(
      RedisConnection connection,
      Function<NodeEval, Coalescer.Sender> senderOn,
      Coalescer.Sender routed,
      long permitBudget,
      int maxInFlight) {
    this.connection = connection;
    this.senderOn = senderOn;
    this.routed = routed;
    this.permitBudget = permitBudget;
    this.maxInFlight = maxInFlight;
    this.name = connection.name();
    for (LuaScript twin : TWINS.values()) {
      var unused = connection.load(twin); // on every master (fails harmlessly before Redis 7.0: unused)
    }
  }

  /**
   * Makes (once) the Cluster twin of a batched or mixed script: {@code cluster_head.lua} first (the flag;
   * the keys from ARGV), {@code cluster_guard.lua} before its tail (a key not served here is marked).
   *
   * @param script the batched or mixed script
   * @param tail the resource it ends with
   * @return the twin
   */
  static LuaScript twin(LuaScript script, String tail) {
    return TWINS.computeIfAbsent(
        script.sha1(),
        sha -> {
          String source = script.source();
          String end = LuaScript.fromResource(NodeLanes.class, tail).source();
          int at = source.lastIndexOf(end);
          if (at < 0) {
            throw new IllegalStateException(script.name() + " does not end with " + tail);
          }
          String head = LuaScript.fromResource(NodeLanes.class, "cluster_head.lua").source();
          String guard = LuaScript.fromResource(NodeLanes.class, "cluster_guard.lua").source();
          return LuaScript.of(
              "cluster " + script.name(),
              head + source.substring(0, at) + guard + "\n" + source.substring(at));
        });
  }

  /**
   * Returns the lane of the master that serves a slot, or null: use the per-slot lanes (no connection yet,
   * no master known for the slot, the slot refused by it, its lane not open, or Redis before 7.0).
   *
   * @param slot the key's slot
   * @return the lane, or null
   */
  @Nullable Coalescer laneOf(int slot) {
    StatefulRedisClusterConnection<String, String> c = cluster();
    if (c == null) {
      return null;
    }
    RedisClusterNode node = c.getPartitions().getPartitionBySlot(slot);
    String id = node == null ? null : node.getNodeId();
    if (id == null || id.equals(refused.get(slot))) {
      return null;
    }
    Lane lane = lanes.get(id);
    if (lane == null) {
      lane = lanes.computeIfAbsent(id, open);
    }
    Coalescer co = lane.coalescer;
    if (co == null && lane.failedAt != 0 && System.nanoTime() - lane.failedAt > lane.waitNanos) {
      lanes.remove(id, lane); // the next decision opens it again
    }
    return co;
  }

  // RedisConnection hands out the commands, not the connection: getStatefulConnection() is how Lettuce 7
  // reaches the connection behind them (deprecated there in favour of keeping the connection, not removed)
  @SuppressWarnings("deprecation")
  private @Nullable StatefulRedisClusterConnection<String, String> cluster() {
    StatefulRedisClusterConnection<String, String> c = cluster;
    if (c == null && connection.isConnected()) {
      if (connection.commands() instanceof RedisAdvancedClusterAsyncCommands<String, String> advanced) {
        c = advanced.getStatefulConnection();
        cluster = c;
      }
    }
    return c;
  }

  /** Opens a master's lane in the background (within computeIfAbsent: starts the work, never waits). */
  private Lane open(String nodeId) {
    Lane lane = new Lane();
    StatefulRedisClusterConnection<String, String> c = cluster;
    if (c == null) {
      failed(lane, RETRY_NANOS);
      return lane;
    }
    var unused =
        c.getConnectionAsync(nodeId)
            .thenCompose(
                node ->
                    node.async()
                        .info("server")
                        .thenAccept(
                            info -> {
                              int major = majorVersion(info);
                              if (major < FLAGS_SINCE_MAJOR) {
                                LOG.info(
                                    "Redis '{}': Cluster node {} runs Redis {} (script flags came with"
                                        + " 7.0): its decisions keep one lane per slot",
                                    name, nodeId, major);
                                return; // no lane, for good: laneOf answers null
                              }
                              lane.coalescer =
                                  new Coalescer(
                                      new NodeSender(nodeId, senderOn.apply(new Eval(node.async())), lane),
                                      permitBudget,
                                      maxInFlight,
                                      connection.completesOnIoThread());
                            }))
            .whenComplete(
                (done, error) -> {
                  if (error != null) {
                    failed(lane, RETRY_NANOS);
                    LOG.debug("Redis '{}': the lane of Cluster node {} did not open", name, nodeId, error);
                  }
                });
    return lane;
  }

  private static void failed(Lane lane, long waitNanos) {
    lane.waitNanos = waitNanos;
    lane.failedAt = System.nanoTime();
  }

  /** The major version in {@code INFO server}'s redis_version, or 0 if there is none. */
  static int majorVersion(String info) {
    int at = info.indexOf("redis_version:");
    if (at < 0) {
      return 0;
    }
    int from = at + "redis_version:".length();
    int to = from;
    while (to < info.length() && Character.isDigit(info.charAt(to))) {
      to++;
    }
    return to > from ? Integer.parseInt(info.substring(from, to)) : 0;
  }

  /** Whether a failed call ran nothing because this node does not serve it (now): re-send it routed. */
  static boolean refusedHere(Throwable failure) {
    String m = RedisConnection.unwrap(failure).getMessage();
    return m != null
        && (m.startsWith("MOVED") || m.startsWith("ASK") || m.startsWith("TRYAGAIN")
            || m.startsWith("READONLY"));
  }

  private static boolean readOnly(Throwable failure) {
    String m = RedisConnection.unwrap(failure).getMessage();
    return m != null && m.startsWith("READONLY");
  }

  /** A script on one node's connection: a twin with its keys in ARGV, the single script as it is. */
  private static final class Eval implements NodeEval {
    private static final String[] NO_KEYS = new String[0];
    private final RedisClusterAsyncCommands<String, String> node;

    Eval(RedisClusterAsyncCommands<String, String> node) {
      this.node = node;
    }

    @Override
    public CompletionStage<List<Object>> eval(LuaScript script, String[] keys, String[] args) {
      LuaScript twin = TWINS.get(script.sha1()); // none for the single script: its one key is declared
      LuaScript sent = twin != null ? twin : script;
      String[] k = keys;
      String[] a = args;
      if (twin != null) {
        k = NO_KEYS;
        a = new String[args.length + keys.length + 1];
        System.arraycopy(args, 0, a, 0, args.length);
        System.arraycopy(keys, 0, a, args.length, keys.length);
        a[a.length - 1] = Integer.toString(keys.length);
      }
      String[] fk = k;
      String[] fa = a;
      return node.<List<Object>>evalsha(sent.sha1(), ScriptOutputType.MULTI, fk, fa)
          .exceptionallyCompose(
              error -> {
                String m = RedisConnection.unwrap(error).getMessage();
                return m != null && m.startsWith("NOSCRIPT")
                    ? node.<List<Object>>eval(sent.source(), ScriptOutputType.MULTI, fk, fa)
                    : CompletableFuture.failedFuture(RedisConnection.unwrap(error));
              });
    }
  }

  /**
   * A master's lane's calls: on its node's connection; a refused call's decisions, and a batch decision
   * marked as not served there, re-sent alone through normal routing (its reply spliced in its place).
   */
  private final class NodeSender implements Coalescer.Sender {
    private final String nodeId;
    private final Coalescer.Sender onNode;
    private final Lane lane;

    NodeSender(String nodeId, Coalescer.Sender onNode, Lane lane) {
      this.nodeId = nodeId;
      this.onNode = onNode;
      this.lane = lane;
    }

    @Override
    public CompletionStage<List<Object>> single(Object owner, String stateKey, String now, long permits) {
      return onNode
          .single(owner, stateKey, now, permits)
          .exceptionallyCompose(
              error -> {
                if (!refusedHere(error)) {
                  return CompletableFuture.failedFuture(RedisConnection.unwrap(error));
                }
                if (readOnly(error)) {
                  refusedCall(error);
                } else {
                  refused.set(SlotHash.getSlot(stateKey), nodeId); // MOVED, ASK, TRYAGAIN: that slot only
                }
                return routed.single(owner, stateKey, now, permits);
              });
    }

    @Override
    public CompletionStage<List<Object>> batch(Coalescer.Pending[] batch) {
      return onNode
          .batch(batch) // may reorder the batch in place: read it only after
          .handle(
              (reply, error) -> {
                if (error == null) {
                  return spliced(batch, reply);
                }
                if (!refusedHere(error)) {
                  return CompletableFuture.<List<Object>>failedFuture(RedisConnection.unwrap(error));
                }
                refusedCall(error);
                return alone(batch, null);
              })
          .thenCompose(Function.identity());
    }

    /** The reply, with each marked decision's slice replaced by its reply re-sent alone. */
    private CompletionStage<List<Object>> spliced(Coalescer.Pending[] batch, List<Object> reply) {
      int at = 0;
      boolean any = false;
      for (Coalescer.Pending p : batch) {
        if (at < reply.size() && NOT_HERE.equals(reply.get(at))) {
          any = true;
          refused.set(SlotHash.getSlot(p.stateKey), nodeId);
        }
        at += p.replySize;
      }
      return any ? alone(batch, reply) : CompletableFuture.completedFuture(reply);
    }

    /**
     * Re-sends alone, through normal routing, every decision of a batch (reply null: the call was
     * refused) or those marked in its reply; the reply of all, in the batch's order, when they are back.
     */
    private CompletionStage<List<Object>> alone(Coalescer.Pending[] batch, @Nullable List<Object> reply) {
      List<CompletableFuture<List<Object>>> parts = new ArrayList<>(batch.length);
      int at = 0;
      for (Coalescer.Pending p : batch) {
        if (reply == null || NOT_HERE.equals(reply.get(at))) {
          parts.add(routed.single(p.owner, p.stateKey, p.now, p.permits).toCompletableFuture());
        } else {
          parts.add(CompletableFuture.completedFuture(reply.subList(at, at + p.replySize)));
        }
        at += p.replySize;
      }
      return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0]))
          .thenApply(
              v -> {
                List<Object> all = new ArrayList<>();
                for (CompletableFuture<List<Object>> f : parts) {
                  all.addAll(f.join());
                }
                return all;
              });
    }

    /** A whole call refused: the node is not the master of its slots (now); its lane retires. */
    private void refusedCall(Throwable error) {
      if (lane.coalescer != null) {
        lane.coalescer = null;
        failed(lane, RETIRED_NANOS);
        LOG.info(
            "Redis '{}': Cluster node {} refused a call ({}); its decisions go through normal routing"
                + " until the next topology refresh",
            name, nodeId, RedisConnection.unwrap(error).getMessage());
      }
    }
  }
}
