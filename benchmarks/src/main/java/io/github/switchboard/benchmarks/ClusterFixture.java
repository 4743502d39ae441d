package io.github.switchboard.benchmarks;

import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/*
 * A local Redis Cluster of three masters and no replicas, for the benchmarks jar (which cannot use core's
 * test harness): three redis-server processes started by RedisFixture with cluster mode on (each in its
 * own directory, where it writes nodes.conf), joined with `redis-cli --cluster create`, ready once every
 * node reports cluster_state:ok with all 16384 slots. Closing it stops the three servers.
 */
/** A local 3-master Redis Cluster started for one benchmark run. */
final class ClusterFixture implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  private static final int MASTERS = 3;

  private final List<RedisFixture> nodes;

  private ClusterFixture(List<RedisFixture> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  /**
   * Starts three cluster-enabled servers and creates the Cluster.
   *
   * @return the Cluster, ready
   */
  static ClusterFixture start() {
    List<RedisFixture> started = new ArrayList<>();
    try {
      for (int i = 0; i < MASTERS; i++) {
        started.add(
            RedisFixture.start(
                List.of(
                    "--cluster-enabled", "yes",
                    "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "5000")));
      }
      ClusterFixture cluster = new ClusterFixture(started);
      cluster.create();
      cluster.awaitReady();
      return cluster;
    } catch (RuntimeException | Error e) {
      started.forEach(RedisFixture::close);
      throw e;
    }
  }

  private void create() {
    List<String> cmd = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
    for (RedisFixture n : nodes) {
      cmd.add(n.uri().getHost() + ":" + n.uri().getPort());
    }
    cmd.add("--cluster-yes");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.contains("All 16384 slots covered")) {
        throw new IllegalStateException("redis-cli --cluster create failed:\n" + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run redis-cli (is it on the PATH?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating the Cluster", e);
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      boolean ready = true;
      for (RedisFixture n : nodes) {
        String info = ServerStats.call(n.uri(), c -> c.sync().clusterInfo());
        ready &=
            info.contains("cluster_state:ok")
                && info.contains("cluster_slots_ok:16384")
                && info.contains("cluster_known_nodes:" + MASTERS);
      }
      if (ready) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the Cluster is not ready after " + READY_TIMEOUT);
      }
      try {
        Thread.sleep(100); // polling the Cluster's own convergence: nothing to wait on instead
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the Cluster", e);
      }
    }
  }

  /**
   * The masters' addresses.
   *
   * @return one URI per master
   */
  List<RedisURI> masters() {
    return nodes.stream().map(RedisFixture::uri).collect(Collectors.toList());
  }

  /**
   * The Cluster as a Switchboard target URL: {@code redis-cluster://host:port,host:port,host:port}.
   *
   * @return the URL
   */
  String url() {
    return "redis-cluster://"
        + nodes.stream()
            .map(n -> n.uri().getHost() + ":" + n.uri().getPort())
            .collect(Collectors.joining(","));
  }

  /** Empties every master (FLUSHALL) and drops its cached scripts. */
  void flushAll() {
    for (RedisFixture n : nodes) {
      ServerStats.call(
          n.uri(),
          (StatefulRedisConnection<String, String> c) -> {
            c.sync().flushall();
            return c.sync().scriptFlush();
          });
    }
  }

  @Override
  public void close() {
    nodes.forEach(RedisFixture::close);
  }
}
