package io.github.switchboard.core.testing;

import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Redis Cluster of three masters (with no replicas, or with replicas for failover tests), created with
 * {@code redis-cli --cluster create}, ready when every node reports {@code cluster_state:ok} with all 16384
 * slots assigned and ok.
 */
public final class RedisCluster implements RedisDeployment {
  private static final Logger LOG = LoggerFactory.getLogger(RedisCluster.class);
  static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final List<RedisServer> nodes;
  private final Lifecycle lifecycle = new Lifecycle();

  private RedisCluster(List<RedisServer> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  static RedisCluster launch(Node.Runtime rt) {
    return launch(rt, 0);
  }

  /**
   * Starts three masters, each with {@code replicas} replicas ({@code redis-cli --cluster create
   * --cluster-replicas}), and waits until every node is ok and knows all the others.
   */
  static RedisCluster launch(Node.Runtime rt, int replicas) {
    List<RedisServer> started = new ArrayList<>();
    try {
      for (int i = 1; i <= 3 * (1 + replicas); i++) {
        RedisServer.Spec spec = new RedisServer.Spec("cluster-node-" + i);
        spec.topology = Topology.CLUSTER;
        spec.clusterBus = true;
        spec.extraArgs =
            p ->
                List.of(
                    "--cluster-enabled", "yes",
                    "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "2000");
        started.add(RedisServer.launch(rt, spec));
      }
      RedisCluster c = new RedisCluster(started);
      Processes.opened(c);
      List<String> create = new ArrayList<>(List.of("--cluster", "create"));
      for (RedisServer n : started) {
        create.add("127.0.0.1:" + n.port());
      }
      if (replicas > 0) {
        create.add("--cluster-replicas");
        create.add(Integer.toString(replicas));
      }
      create.add("--cluster-yes");
      String out = started.get(0).rawCli(create);
      if (!out.contains("All 16384 slots covered")) {
        throw new IllegalStateException("redis-cli --cluster create failed:\n" + out);
      }
      c.awaitHealthy(READY_TIMEOUT);
      LOG.info("Cluster ready: {}", c.target().redactedUrl());
      return c;
    } catch (RuntimeException e) {
      for (RedisServer s : started) {
        s.closeNow();
      }
      throw e;
    }
  }

  /**
   * Waits until every running node reports {@code cluster_state:ok}, 16384 slots assigned and ok, and
   * knows every node; every replica has synced with its master.
   *
   * @param timeout the bound
   */
  public void awaitHealthy(Duration timeout) {
    await("cluster_state:ok with 16384 slots on every node")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(
            () -> {
              for (RedisServer n : nodes) {
                Map<String, String> info = Resp.parseInfo(n.call("CLUSTER", "INFO"));
                if (!"ok".equals(info.get("cluster_state"))
                    || !"16384".equals(info.get("cluster_slots_assigned"))
                    || !"16384".equals(info.get("cluster_slots_ok"))
                    || !Integer.toString(nodes.size()).equals(info.get("cluster_known_nodes"))) {
                  return false;
                }
                Map<String, String> repl = n.info("replication");
                if ("slave".equals(repl.get("role")) && !"up".equals(repl.get("master_link_status"))) {
                  return false; // a replica that has not synced yet could not take over
                }
              }
              return true;
            });
  }

  void markShared() {
    lifecycle.share();
    nodes.forEach(RedisServer::markShared);
  }

  @Override
  public Topology topology() {
    return Topology.CLUSTER;
  }

  /**
   * Returns every node (the three masters, and their replicas if it has any), in the order started.
   *
   * @return the nodes
   */
  public List<RedisServer> nodes() {
    return nodes;
  }

  /**
   * Returns the node that serves a key's slot now.
   *
   * @param key the key
   * @return the node
   */
  public RedisServer nodeFor(String key) {
    int slot = SlotHash.getSlot(key);
    for (RedisServer n : nodes) {
      if (!n.isRunning() || n.isPaused()) {
        continue;
      }
      Object slots = n.call("CLUSTER", "SLOTS");
      if (slots instanceof List<?> ranges) {
        for (Object r : ranges) {
          List<?> range = (List<?>) r;
          long from = (Long) range.get(0);
          long to = (Long) range.get(1);
          if (slot >= from && slot <= to) {
            long port = (Long) ((List<?>) range.get(2)).get(1);
            for (RedisServer m : nodes) {
              if (m.port() == port) {
                return m;
              }
            }
          }
        }
      }
    }
    throw new IllegalStateException("no running node knows who serves slot " + slot);
  }

  /**
   * Returns a node's Cluster id ({@code CLUSTER MYID}).
   *
   * @param node a node of this Cluster
   * @return its id
   */
  public String nodeId(RedisServer node) {
    return (String) java.util.Objects.requireNonNull(node.call("CLUSTER", "MYID"));
  }

  /**
   * Returns a replica of the master that serves a key's slot now.
   *
   * @param key the key
   * @return the replica
   * @throws IllegalStateException if that master has none
   */
  public RedisServer replicaFor(String key) {
    String masterId = nodeId(nodeFor(key));
    for (RedisServer n : nodes) {
      if (n.isRunning() && !n.isPaused()) {
        Map<String, String> repl = n.info("replication");
        if ("slave".equals(repl.get("role")) && masterId.equals(myMasterId(n))) {
          return n;
        }
      }
    }
    throw new IllegalStateException("the master of " + key + " has no replica");
  }

  private String myMasterId(RedisServer replica) {
    for (String line : String.valueOf(replica.call("CLUSTER", "NODES")).split("\n")) {
      if (line.contains("myself")) {
        return line.split(" ")[3];
      }
    }
    return "";
  }

  /**
   * Waits until every running node agrees on who serves a key's slot: the given node.
   *
   * @param key the key
   * @param owner the node that must serve its slot
   * @param timeout the bound
   */
  public void awaitOwner(String key, RedisServer owner, Duration timeout) {
    await("every node sees port " + owner.port() + " serving " + key)
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions()
        .until(
            () -> {
              int slot = SlotHash.getSlot(key);
              for (RedisServer n : nodes) {
                if (n.isRunning() && !n.isPaused() && ownerPort(n, slot) != owner.port()) {
                  return false;
                }
              }
              return true;
            });
  }

  /**
   * Waits until a replica to which {@code CLUSTER FAILOVER} was sent (coordinated: no write lost) serves a
   * key on every node's view. The masters refuse to vote for a replica of the same master again within
   * twice the node timeout, so a failover asked for too soon after another of that shard does not happen:
   * it is asked for again every 6 s until it does.
   *
   * @param replica the replica being promoted
   * @param key a key its master serves
   * @param timeout the bound
   */
  public void awaitFailover(RedisServer replica, String key, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        awaitOwner(key, replica, Duration.ofSeconds(6));
        return;
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        LOG.info("failover to port {} not done yet; asking again", replica.port());
        replica.call("CLUSTER", "FAILOVER");
      }
    }
  }

  private static long ownerPort(RedisServer asked, int slot) {
    Object slots = asked.call("CLUSTER", "SLOTS");
    if (slots instanceof List<?> ranges) {
      for (Object r : ranges) {
        List<?> range = (List<?>) r;
        if (slot >= (Long) range.get(0) && slot <= (Long) range.get(1)) {
          return (Long) ((List<?>) range.get(2)).get(1);
        }
      }
    }
    return -1;
  }

  @Override
  public RedisTarget target() {
    return RedisTarget.parse(
        "redis-cluster://"
            + nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(",")));
  }

  @Override
  public RedisOptions options() {
    return RedisOptions.defaults();
  }

  @Override
  public RedisOptions.Builder optionsBuilder() {
    return RedisOptions.builder();
  }

  @Override
  public void flushAll() {
    for (RedisServer n : nodes) {
      if (n.isRunning() && !n.isPaused()) {
        n.flushAll();
      }
    }
  }

  @Override
  public void scriptFlush() {
    scriptFlushAll();
  }

  /** Sends SCRIPT FLUSH to every running node. */
  public void scriptFlushAll() {
    for (RedisServer n : nodes) {
      if (n.isRunning() && !n.isPaused()) {
        n.scriptFlush();
      }
    }
  }

  /**
   * Returns one INFO section of every running node.
   *
   * @param section the section
   * @return per node address ("127.0.0.1:port"), its fields
   */
  public Map<String, Map<String, String>> info(String section) {
    Map<String, Map<String, String>> m = new LinkedHashMap<>();
    for (RedisServer n : nodes) {
      if (n.isRunning() && !n.isPaused()) {
        m.put("127.0.0.1:" + n.port(), n.info(section));
      }
    }
    return m;
  }

  /**
   * Returns CLUSTER INFO of every running node.
   *
   * @return per node address, its fields
   */
  public Map<String, Map<String, String>> clusterInfo() {
    Map<String, Map<String, String>> m = new LinkedHashMap<>();
    for (RedisServer n : nodes) {
      if (n.isRunning() && !n.isPaused()) {
        m.put("127.0.0.1:" + n.port(), Resp.parseInfo(n.call("CLUSTER", "INFO")));
      }
    }
    return m;
  }

  @Override
  public StatefulRedisClusterConnection<String, String> connect() {
    List<RedisURI> uris = target().toRedisUris();
    for (RedisURI u : uris) {
      u.setTimeout(Duration.ofSeconds(5));
    }
    RedisClusterClient c = RedisClusterClient.create(RedisHarness.clientResources(), uris);
    lifecycle.track(c);
    return c.connect(StringCodec.UTF8);
  }

  @Override
  public void close() {
    if (lifecycle.closeRequested()) {
      closeNow();
    }
  }

  void closeNow() {
    if (!lifecycle.beginClose()) {
      return;
    }
    for (RedisServer n : nodes) {
      n.closeNow();
    }
    Processes.closed(this);
  }

  @Override
  public String toString() {
    return "RedisCluster[" + target().redactedUrl() + "]";
  }
}
