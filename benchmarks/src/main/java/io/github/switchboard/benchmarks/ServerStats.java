package io.github.switchboard.benchmarks;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/*
 * What the Redis servers of a trial did, read from outside: INFO cpu (used_cpu_sys + used_cpu_user, the
 * server process's CPU time in seconds with microsecond precision) and INFO commandstats (calls per
 * command), summed over every master, on connections of this object's own that are opened before the first
 * snapshot, so that only its INFO calls (left out of the counts) run on them between two snapshots.
 *
 * Commands count every command Redis ran, those a script ran with redis.call included (Redis 7 counts them
 * in commandstats too), and the library's own housekeeping (a Cluster client's topology refresh): all of
 * it is work the server does for the decisions. Scripts count EVAL, EVALSHA (and their _RO forms) and
 * FCALL.
 */
/** The CPU time and commands of a set of Redis servers, as snapshots to subtract. */
final class ServerStats implements AutoCloseable {
  /** One reading of every server, summed. */
  record Snapshot(long cpuMicros, long commands, long scripts) {
    Snapshot minus(Snapshot before) {
      return new Snapshot(cpuMicros - before.cpuMicros, commands - before.commands, scripts - before.scripts);
    }
  }

  private final List<RedisClient> clients = new ArrayList<>();
  private final List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();

  ServerStats(List<RedisURI> servers) {
    try {
      for (RedisURI uri : servers) {
        RedisClient c = RedisClient.create(uri);
        clients.add(c);
        connections.add(c.connect());
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Reads every server once.
   *
   * @return the sums
   */
  Snapshot snapshot() {
    long cpu = 0;
    long commands = 0;
    long scripts = 0;
    for (StatefulRedisConnection<String, String> c : connections) {
      for (String line : c.sync().info("cpu").split("\r?\n")) {
        if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
          cpu += Math.round(Double.parseDouble(line.substring(line.indexOf(':') + 1)) * 1e6);
        }
      }
      for (String line : c.sync().info("commandstats").split("\r?\n")) {
        if (!line.startsWith("cmdstat_") || line.startsWith("cmdstat_info:")) {
          continue;
        }
        int at = line.indexOf("calls=") + "calls=".length();
        int end = line.indexOf(',', at);
        long calls = Long.parseLong(line.substring(at, end < 0 ? line.length() : end));
        commands += calls;
        String name = line.substring("cmdstat_".length(), line.indexOf(':'));
        if (name.startsWith("eval") || name.startsWith("fcall")) {
          scripts += calls;
        }
      }
    }
    return new Snapshot(cpu, commands, scripts);
  }

  /**
   * Runs commands on a connection of its own to one server, closed after.
   *
   * @param uri the server
   * @param work what to run
   * @param <T> its result
   * @return the result
   */
  static <T> T call(RedisURI uri, Function<StatefulRedisConnection<String, String>, T> work) {
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      return work.apply(c);
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  @Override
  public void close() {
    connections.forEach(StatefulRedisConnection::close);
    clients.forEach(c -> c.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
  }
}
