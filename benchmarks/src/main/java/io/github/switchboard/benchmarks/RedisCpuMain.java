package io.github.switchboard.benchmarks;

import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.ratelimit.Algorithm;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Redis CPU per decision (issue 22): for each limiter and peer, on a standalone redis-server and on a local
 * 3-master Redis Cluster that it starts itself, asynchronous decisions with a window in flight on random
 * keys for a number of seconds, and per decision: decisions per second, Redis CPU (microseconds of {@code
 * INFO cpu} used_cpu_sys + used_cpu_user, summed over every master), commands and scripts ({@code INFO
 * commandstats}; see {@link ServerStats}), and this JVM's CPU. Not JMH: one process, every server its own,
 * the figures read from the servers around the measured seconds. Needs {@code redis-server} and {@code
 * redis-cli} on the PATH.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar io.github.switchboard.benchmarks.RedisCpuMain \
 *     [--seconds=10] [--warmup=5] [--keys=10000] [--window=128] [--runs=1] \
 *     [--targets=standalone,cluster] [--limiters=SWITCHBOARD_TOKEN_BUCKET,...,BUCKET4J,REDISSON]
 * }</pre>
 *
 * <p>It prints one Markdown table per run, then the ratios: per algorithm, Cluster against
 * standalone (Redis CPU per decision), Switchboard against the raw EVALSHA of the same algorithm on the
 * same target (decisions per second), and Bucket4j's and Redisson's Redis CPU per decision against
 * Switchboard's.
 */
public final class RedisCpuMain {
  /** The limiters and peers it measures. */
  enum Peer {
    SWITCHBOARD_TOKEN_BUCKET(Algorithm.TOKEN_BUCKET),
    SWITCHBOARD_FIXED_WINDOW(Algorithm.FIXED_WINDOW),
    SWITCHBOARD_SLIDING_WINDOW_COUNTER(Algorithm.SLIDING_WINDOW_COUNTER),
    SWITCHBOARD_SLIDING_WINDOW_LOG(Algorithm.SLIDING_WINDOW_LOG),
    EVALSHA_TOKEN_BUCKET(Algorithm.TOKEN_BUCKET),
    EVALSHA_FIXED_WINDOW(Algorithm.FIXED_WINDOW),
    EVALSHA_SLIDING_WINDOW_COUNTER(Algorithm.SLIDING_WINDOW_COUNTER),
    EVALSHA_SLIDING_WINDOW_LOG(Algorithm.SLIDING_WINDOW_LOG),
    BUCKET4J(Algorithm.TOKEN_BUCKET),
    REDISSON(Algorithm.TOKEN_BUCKET);

    final Algorithm algorithm;

    Peer(Algorithm algorithm) {
      this.algorithm = algorithm;
    }

    boolean switchboard() {
      return name().startsWith("SWITCHBOARD_");
    }

    boolean rawEvalSha() {
      return name().startsWith("EVALSHA_");
    }

    Limiter create(String[] keys, @Nullable RedisFixture single, @Nullable ClusterFixture cluster) {
      if (switchboard()) {
        RedisTarget target =
            RedisTarget.parse(cluster != null ? cluster.url() : java.util.Objects.requireNonNull(single).url());
        return SwitchboardLimiter.onRedis(algorithm, keys, target);
      }
      if (rawEvalSha()) {
        return cluster != null
            ? new RawEvalSha(algorithm, keys, cluster)
            : new RawEvalSha(algorithm, keys, java.util.Objects.requireNonNull(single));
      }
      if (this == BUCKET4J) {
        return cluster != null
            ? new Bucket4jRedis(keys, cluster)
            : new Bucket4jRedis(keys, java.util.Objects.requireNonNull(single));
      }
      return cluster != null
          ? new RedissonPeer(keys, cluster)
          : new RedissonPeer(keys, java.util.Objects.requireNonNull(single));
    }
  }

  /** One measured trial. */
  record Row(
      Peer peer,
      String target,
      double perSecond,
      double cpuMicros,
      double commands,
      double scripts,
      double clientCpuMicros) {}

  private final int seconds;
  private final int warmup;
  private final int window;
  private final String[] keys;

  private RedisCpuMain(int seconds, int warmup, int window, int keyCount) {
    this.seconds = seconds;
    this.warmup = warmup;
    this.window = window;
    this.keys = KeySpace.clients(keyCount);
  }

  /**
   * Runs the trials and prints the tables.
   *
   * @param args {@code --name=value} options (see the class comment)
   */
  public static void main(String[] args) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("seconds", "10");
    o.put("warmup", "5");
    o.put("keys", "10000");
    o.put("window", Integer.toString(AsyncWindow.SIZE));
    o.put("runs", "1");
    o.put("targets", "standalone,cluster");
    List<String> all = new ArrayList<>();
    for (Peer p : Peer.values()) {
      all.add(p.name());
    }
    o.put("limiters", String.join(",", all));
    for (String a : args) {
      int eq = a.indexOf('=');
      String name = a.startsWith("--") && eq > 2 ? a.substring(2, eq) : "";
      if (!o.containsKey(name)) {
        System.err.println("unknown option " + a + "; options: " + o.keySet());
        System.exit(2);
      }
      o.put(name, a.substring(eq + 1));
    }
    List<Peer> peers = new ArrayList<>();
    for (String p : o.get("limiters").split(",")) {
      peers.add(Peer.valueOf(p.strip().toUpperCase(Locale.ROOT)));
    }
    List<String> targets = List.of(o.get("targets").split(","));
    RedisCpuMain main =
        new RedisCpuMain(
            Integer.parseInt(o.get("seconds")),
            Integer.parseInt(o.get("warmup")),
            Integer.parseInt(o.get("window")),
            Integer.parseInt(o.get("keys")));
    System.out.println("# RedisCpuMain " + String.join(" ", args) + "  (" + o + ")");
    int runs = Integer.parseInt(o.get("runs"));
    try (RedisFixture single = targets.contains("standalone") ? RedisFixture.start(List.of()) : null;
        ClusterFixture cluster = targets.contains("cluster") ? ClusterFixture.start() : null) {
      for (int r = 1; r <= runs; r++) {
        List<Row> rows = new ArrayList<>();
        for (Peer p : peers) {
          if (single != null) {
            single.flushAll();
            rows.add(main.trial(p, "standalone", single, null));
          }
          if (cluster != null) {
            cluster.flushAll();
            rows.add(main.trial(p, "Cluster (3 masters)", null, cluster));
          }
        }
        System.out.println();
        System.out.println("## Run " + r + " of " + runs);
        print(rows);
      }
    }
    System.exit(0); // the peers' client threads are not all daemons
  }

  private Row trial(Peer peer, String target, @Nullable RedisFixture single, @Nullable ClusterFixture cluster) {
    List<io.lettuce.core.RedisURI> servers = cluster != null ? cluster.masters() : List.of(single.uri());
    LongAdder done = new LongAdder();
    LongAdder refused = new LongAdder();
    Limiter limiter = peer.create(keys, single, cluster);
    try (ServerStats stats = new ServerStats(servers)) {
      AsyncWindow calls =
          new AsyncWindow(
              new AsyncWindow.Calls() {
                @Override
                public CompletionStage<?> start(int key) {
                  return limiter.tryAcquireAsync(key);
                }

                @Override
                public boolean succeeded(Object result) {
                  done.increment();
                  return limiter.granted(result);
                }

                @Override
                public void refuse() {
                  refused.increment();
                }
              },
              window);
      SplittableRandom random = new SplittableRandom(42);
      for (int i = 0; i < keys.length; i++) {
        calls.submit(i); // every key touched once before measuring
      }
      load(calls, random, warmup);
      ServerStats.Snapshot s0 = stats.snapshot();
      long d0 = done.sum();
      long cpu0 = processCpuNanos();
      long t0 = System.nanoTime();
      load(calls, random, seconds);
      ServerStats.Snapshot s1 = stats.snapshot();
      long d1 = done.sum();
      long cpu1 = processCpuNanos();
      long t1 = System.nanoTime();
      calls.drain();
      if (refused.sum() > 0) {
        throw new IllegalStateException(
            peer + " on " + target + ": " + refused.sum()
                + " decision(s) denied, degraded or failed: the figures would not be Redis's");
      }
      ServerStats.Snapshot d = s1.minus(s0);
      double n = d1 - d0;
      Row row =
          new Row(
              peer,
              target,
              n / ((t1 - t0) / 1e9),
              d.cpuMicros() / n,
              d.commands() / n,
              d.scripts() / n,
              (cpu1 - cpu0) / 1e3 / n);
      System.out.printf(
          Locale.ROOT, "%s on %s: %,.0f decisions/s, %.2f us Redis CPU, %.3f scripts per decision%n",
          peer, target, row.perSecond(), row.cpuMicros(), row.scripts());
      return row;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      limiter.close();
    }
  }

  private void load(AsyncWindow calls, SplittableRandom random, int forSeconds) throws InterruptedException {
    long end = System.nanoTime() + forSeconds * 1_000_000_000L;
    while (System.nanoTime() < end) {
      for (int i = 0; i < 256; i++) {
        calls.submit(random.nextInt(keys.length));
      }
    }
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static void print(List<Row> rows) {
    System.out.println(
        "| limiter | target | decisions/s | Redis CPU per decision | commands per decision"
            + " | scripts per decision | client CPU per decision |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|");
    for (Row r : rows) {
      System.out.printf(
          Locale.ROOT, "| %s | %s | %,.0f | %.2f us | %.2f | %.3f | %.2f us |%n",
          r.peer(), r.target(), r.perSecond(), r.cpuMicros(), r.commands(), r.scripts(), r.clientCpuMicros());
    }
    System.out.println();
    Map<Peer, Map<String, Row>> by = new EnumMap<>(Peer.class);
    for (Row r : rows) {
      by.computeIfAbsent(r.peer(), k -> new LinkedHashMap<>()).put(r.target(), r);
    }
    for (Peer p : Peer.values()) {
      Map<String, Row> mine = by.get(p);
      if (!p.switchboard() || mine == null) {
        continue;
      }
      Row single = mine.get("standalone");
      Row cluster = mine.get("Cluster (3 masters)");
      StringBuilder line = new StringBuilder(p.algorithm.name());
      if (single != null && cluster != null) {
        line.append(String.format(
            Locale.ROOT, ": Redis CPU on Cluster / standalone %.2fx", cluster.cpuMicros() / single.cpuMicros()));
      }
      for (Row r : mine.values()) {
        Row raw = by.getOrDefault(Peer.valueOf("EVALSHA_" + p.algorithm.name()), Map.of()).get(r.target());
        if (raw != null) {
          line.append(String.format(
              Locale.ROOT, "; %s: %.2fx raw EVALSHA's decisions/s", r.target(), r.perSecond() / raw.perSecond()));
        }
        for (Peer peer : List.of(Peer.BUCKET4J, Peer.REDISSON)) {
          Row other = by.getOrDefault(peer, Map.of()).get(r.target());
          if (other != null) {
            line.append(String.format(
                Locale.ROOT, ", %s uses %.1fx its Redis CPU", peer, other.cpuMicros() / r.cpuMicros()));
          }
        }
      }
      System.out.println("- " + line);
    }
  }
}
