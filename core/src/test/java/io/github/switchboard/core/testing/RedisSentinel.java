package io.github.switchboard.core.testing;

import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Sentinel deployment: a master, one replica and three Sentinels (quorum 2, down-after 1000 ms,
 * failover-timeout 5000 ms), each Sentinel with its own config file in its own directory. Ready when
 * every Sentinel knows the replica and the two other Sentinels.
 */
public final class RedisSentinel implements RedisDeployment {
  private static final Logger LOG = LoggerFactory.getLogger(RedisSentinel.class);

  /** The name of the monitored master. */
  public static final String MASTER_NAME = "mymaster";

  static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final List<RedisServer> sentinels;
  private volatile RedisServer master;
  private volatile RedisServer replica;
  private final Lifecycle lifecycle = new Lifecycle();

  private RedisSentinel(RedisServer master, RedisServer replica, List<RedisServer> sentinels) {
    this.master = master;
    this.replica = replica;
    this.sentinels = List.copyOf(sentinels);
  }

  static RedisSentinel launch(Node.Runtime rt) {
    List<RedisServer> started = new ArrayList<>();
    try {
      RedisServer.Spec ms = new RedisServer.Spec("sentinel-master");
      ms.topology = Topology.SENTINEL;
      RedisServer master = RedisServer.launch(rt, ms);
      started.add(master);
      RedisServer.Spec rs = new RedisServer.Spec("sentinel-replica");
      rs.topology = Topology.SENTINEL;
      rs.extraArgs = p -> List.of("--replicaof", "127.0.0.1", Integer.toString(master.port()));
      RedisServer replica = RedisServer.launch(rt, rs);
      started.add(replica);
      await("replica of port " + master.port() + " in sync")
          .atMost(READY_TIMEOUT)
          .pollInterval(Duration.ofMillis(50))
          .ignoreExceptions()
          .until(() -> "up".equals(replica.info("replication").get("master_link_status")));

      List<RedisServer> sentinels = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        RedisServer.Spec ss = new RedisServer.Spec("sentinel-" + i);
        ss.topology = Topology.SENTINEL;
        ss.sentinelConfig = (dir, port) -> writeConfig(dir, port, master.port());
        RedisServer s = RedisServer.launch(rt, ss);
        started.add(s);
        sentinels.add(s);
      }
      RedisSentinel d = new RedisSentinel(master, replica, sentinels);
      Processes.opened(d);
      d.awaitReady();
      LOG.info("Sentinel deployment ready: {}", d.target().redactedUrl());
      return d;
    } catch (RuntimeException e) {
      for (RedisServer s : started) {
        s.closeNow();
      }
      throw e;
    }
  }

  private static Path writeConfig(Path dir, int port, int masterPort) throws IOException {
    Path conf = dir.resolve("sentinel.conf");
    String text =
        String.join(
            "\n",
            "port " + port,
            "bind 127.0.0.1",
            "daemonize no",
            "dir \"" + dir + "\"",
            "logfile \"" + dir.resolve("redis.log") + "\"",
            "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + masterPort + " 2",
            "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
            "sentinel failover-timeout " + MASTER_NAME + " 5000",
            "sentinel parallel-syncs " + MASTER_NAME + " 1",
            "");
    Files.writeString(conf, text, StandardCharsets.UTF_8);
    return conf;
  }

  private void awaitReady() {
    await("every Sentinel knows the master, the replica and the other Sentinels")
        .atMost(READY_TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(
            () -> {
              for (RedisServer s : sentinels) {
                Map<String, String> m = Resp.pairs(s.call("SENTINEL", "MASTER", MASTER_NAME));
                if (!"master".equals(m.get("flags"))
                    || !Integer.toString(master.port()).equals(m.get("port"))
                    || !"1".equals(m.get("num-slaves"))
                    || !"2".equals(m.get("num-other-sentinels"))) {
                  return false;
                }
              }
              return true;
            });
  }

  void markShared() {
    lifecycle.share();
    master.markShared();
    replica.markShared();
    sentinels.forEach(RedisServer::markShared);
  }

  @Override
  public Topology topology() {
    return Topology.SENTINEL;
  }

  /**
   * Returns the current master (after {@link #failover()}, the promoted replica).
   *
   * @return the master
   */
  public RedisServer master() {
    return master;
  }

  /**
   * Returns the current replica (after {@link #failover()}, the killed former master).
   *
   * @return the replica
   */
  public RedisServer replica() {
    return replica;
  }

  /**
   * Returns the three Sentinels.
   *
   * @return the Sentinels
   */
  public List<RedisServer> sentinels() {
    return sentinels;
  }

  /**
   * Returns the master name, {@value #MASTER_NAME}.
   *
   * @return the master name
   */
  public String masterName() {
    return MASTER_NAME;
  }

  @Override
  public RedisTarget target() {
    return RedisTarget.parse(
        "redis-sentinel://"
            + sentinels.stream().map(s -> "127.0.0.1:" + s.port()).collect(Collectors.joining(","))
            + "#"
            + MASTER_NAME);
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
    master.flushAll();
  }

  @Override
  public void scriptFlush() {
    master.scriptFlush();
    if (replica.isRunning()) {
      replica.scriptFlush();
    }
  }

  @Override
  public StatefulRedisConnection<String, String> connect() {
    RedisURI uri = target().toRedisUris().get(0);
    uri.setTimeout(Duration.ofSeconds(5));
    RedisClient c = RedisClient.create(RedisHarness.clientResources(), uri);
    lifecycle.track(c);
    return c.connect(StringCodec.UTF8);
  }

  /**
   * Kills the master (SIGKILL) and waits until every Sentinel reports the replica as the master and the
   * replica says it is one. Afterwards {@link #master()} is the promoted server and {@link #replica()} the
   * killed one (which {@link RedisServer#restart()} brings back; the Sentinels then make it a replica).
   *
   * @return the new master
   */
  public RedisServer failover() {
    RedisServer oldMaster = master;
    RedisServer newMaster = replica;
    if (!newMaster.isRunning()) {
      throw new IllegalStateException("cannot fail over: the replica is not running");
    }
    long start = System.nanoTime();
    oldMaster.kill();
    String newPort = Integer.toString(newMaster.port());
    await("Sentinels promote 127.0.0.1:" + newPort)
        .atMost(READY_TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(
            () -> {
              for (RedisServer s : sentinels) {
                Object addr = s.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
                if (!(addr instanceof List<?> l) || l.size() != 2 || !newPort.equals(l.get(1))) {
                  return false;
                }
              }
              return "master".equals(newMaster.info("replication").get("role"));
            });
    master = newMaster;
    replica = oldMaster;
    LOG.info(
        "Sentinel failover to port {} done in {} ms",
        newPort,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    return newMaster;
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
    for (RedisServer s : sentinels) {
      s.closeNow();
    }
    replica.closeNow();
    master.closeNow();
    Processes.closed(this);
  }

  @Override
  public String toString() {
    return "RedisSentinel[" + target().redactedUrl() + ", master port " + master.port() + "]";
  }
}
