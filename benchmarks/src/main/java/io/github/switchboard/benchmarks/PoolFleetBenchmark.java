package io.github.switchboard.benchmarks;

import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.PoolEvent;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The decoder pool at fleet scale (issue 9): coordinators and simulated decoder nodes on one local Redis,
 * measured per second over a steady window. Not a JMH benchmark: a scale harness with a {@code main}.
 *
 * <p>This JVM holds {@code coordinators} pools built with {@code DecoderPools.builder(..).redis(..)} (each
 * its own {@link DecoderPool}, as separate coordinator processes would have). The {@code nodes} decoder
 * nodes ({@link PoolFleetNodes}) run in a child JVM it starts on the same class path ({@code --node-jvm=1},
 * the default; {@code --node-jvm=0} runs them here, as before issue 23's last runs, when their allocation
 * made the young pauses of this JVM the tail of the probes): each kept alive through the registration
 * client's Redis channel ({@code RegistrationClients.builder().redis(target, pool)...keepAlive(node,
 * interval, load)}), spread round-robin over {@code clients} registration clients (each client has one
 * worker thread) and started evenly over one interval, so the heartbeats are spread over each second as a
 * fleet's are. Every heartbeat reports a new random load. Redis is a {@code redis-server} started on a free loopback port
 * without persistence and stopped at the end (or the server {@code REDIS_URL} names, FLUSHALLed first).
 *
 * <p>After the warm-up (every coordinator sees every node, then {@code warmup} more), the steady window
 * measures, from {@code INFO} deltas: Redis commands per second ({@code total_commands_processed}, and
 * {@code commandstats} calls, which also count the commands a script runs), bytes in and out, Redis CPU
 * ({@code used_cpu_sys + used_cpu_user}), connected clients; pub/sub messages published (an observer
 * {@code PSUBSCRIBE *} counts them per channel) and delivered per coordinator (each channel's messages
 * times its {@code PUBSUB NUMSUB}, divided by the coordinators); the pool events each coordinator's
 * listener receives; the CPU of this JVM and of the nodes' JVM. The observer's own bytes and the harness's two connections are taken
 * off the Redis figures. Then, with the heartbeats still running, {@code samples} probes: a node
 * registered by one coordinator (rotating), then drained by it ({@code setStatus(id, DRAINING)}), each
 * timed with {@code System.nanoTime()} from just before the write to each other coordinator's listener
 * seeing the change; the node is removed after each probe (untimed).
 *
 * <p>Build once, from the repository root, then run (defaults shown; each also as {@code -Dfleet.NAME=}):
 *
 * <pre>{@code
 * ./mvnw -B -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar io.github.switchboard.benchmarks.PoolFleetBenchmark \
 *     --nodes=1000 --coordinators=4 --clients=10 --interval-ms=1000 --warmup=10 --seconds=20 --samples=100 \
 *     --cold-start=0 --late=0 --storm=0 --node-jvm=1
 * }</pre>
 *
 * <p>Issue 23's scale phases ({@link PoolFleetPhases}): the start-up (every keep-alive at once with
 * {@code --cold-start=1}) until every coordinator sees every node, and what the keep-alives did meanwhile
 * (failed attempts, nodes registered more than once); after the probes, a coordinator started into the
 * full pool ({@code --late=1}), and a storm of {@code --storm} registrations through one coordinator (its
 * rate, its propagation, and the JVM's CPU per registration above the steady rate).
 *
 * <p>It prints one Markdown table of the figures.
 */
public final class PoolFleetBenchmark {
  private static final String POOL = PoolFleetNodes.POOL;
  /**
   * The nodes' JVM: a small heap and the serial collector, so that its collections take at most one of the
   * cores the coordinators share with it.
   */
  private static final List<String> NODE_JVM_OPTIONS = List.of("-Xmx1g", "-XX:+UseSerialGC");
  /** The harness's own connections to Redis: the INFO connection and the pub/sub observer. */
  private static final int HARNESS_CONNECTIONS = 2;

  private PoolFleetBenchmark() {}

  /**
   * The run's parameters.
   *
   * @param nodes simulated decoder nodes, at least 1
   * @param coordinators coordinator pools, at least 2 (propagation goes from one to the others)
   * @param clients registration clients the nodes are spread over, 1 to {@code nodes}
   * @param interval each node's heartbeat interval, positive
   * @param warmup how long to run after every coordinator sees every node, before the window, not negative
   * @param window the measured window, positive
   * @param samples probes of each kind (registration, drain), at least 1
   * @param coldStart true to start every keep-alive at once (their own jitter spreads them over a second)
   * @param late true to time a coordinator started into the full pool
   * @param storm nodes registered in a burst through one coordinator after the probes, 0 for none
   * @param nodeJvm true to run the simulated nodes in a child JVM (as a fleet's nodes are other machines),
   *     false to run them in the coordinators' JVM
   */
  record Config(
      int nodes, int coordinators, int clients, Duration interval, Duration warmup, Duration window, int samples,
      boolean coldStart, boolean late, int storm, boolean nodeJvm) {
    Config {
      require(nodes >= 1, "nodes must be >= 1, was " + nodes);
      require(coordinators >= 2, "coordinators must be >= 2, was " + coordinators);
      require(clients >= 1 && clients <= nodes, "clients must be in 1.." + nodes + ", was " + clients);
      require(!interval.isNegative() && !interval.isZero(), "interval-ms must be > 0, was " + interval.toMillis());
      require(!warmup.isNegative(), "warmup must be >= 0, was " + warmup.toSeconds());
      require(!window.isNegative() && !window.isZero(), "seconds must be > 0, was " + window.toSeconds());
      require(samples >= 1, "samples must be >= 1, was " + samples);
      require(storm >= 0, "storm must be >= 0, was " + storm);
    }

    /** The parameters of the steady window alone: no cold start, no late coordinator, no storm. */
    Config(int nodes, int coordinators, int clients, Duration interval, Duration warmup, Duration window,
        int samples) {
      this(nodes, coordinators, clients, interval, warmup, window, samples, false, false, 0, true);
    }

    private static void require(boolean ok, String message) {
      if (!ok) {
        throw new IllegalArgumentException(message);
      }
    }

    /**
     * Reads the parameters: {@code --NAME=VALUE} arguments first, then {@code fleet.NAME} properties,
     * then the defaults (1000 nodes, 4 coordinators, 10 clients, 1000 ms, 10 s warm-up, 20 s, 100 samples,
     * cold-start 0, late 0, storm 0, node-jvm 1).
     *
     * @param args the command-line arguments
     * @param properties the system properties
     * @return the configuration
     * @throws IllegalArgumentException for an unknown argument, a non-number or a value out of range,
     *     naming the parameter
     */
    static Config parse(String[] args, Properties properties) {
      Map<String, String> given = new HashMap<>();
      for (String name : NAMES) {
        String p = properties.getProperty("fleet." + name);
        if (p != null) {
          given.put(name, p);
        }
      }
      for (String arg : args) {
        int eq = arg.indexOf('=');
        String name = arg.startsWith("--") && eq > 2 ? arg.substring(2, eq) : "";
        if (!NAMES.contains(name)) {
          throw new IllegalArgumentException(
              "unknown argument '" + arg + "': expected --NAME=VALUE with NAME one of " + NAMES);
        }
        given.put(name, arg.substring(eq + 1));
      }
      return new Config(
          number(given, "nodes", 1000),
          number(given, "coordinators", 4),
          number(given, "clients", 10),
          Duration.ofMillis(number(given, "interval-ms", 1000)),
          Duration.ofSeconds(number(given, "warmup", 10)),
          Duration.ofSeconds(number(given, "seconds", 20)),
          number(given, "samples", 100),
          number(given, "cold-start", 0) != 0,
          number(given, "late", 0) != 0,
          number(given, "storm", 0),
          number(given, "node-jvm", 1) != 0);
    }

    private static final List<String> NAMES = List.of("nodes", "coordinators", "clients", "interval-ms", "warmup",
        "seconds", "samples", "cold-start", "late", "storm", "node-jvm");

    private static int number(Map<String, String> given, String name, int fallback) {
      String v = given.get(name);
      if (v == null) {
        return fallback;
      }
      try {
        return Integer.parseInt(v.strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " must be a whole number, was '" + v + "'", e);
      }
    }
  }

  /**
   * Propagation times of one kind of change, over every (probe, other coordinator) pair.
   *
   * @param samples probes made
   * @param deliveries listener deliveries timed (probes times other coordinators, less the missed ones)
   * @param missed deliveries not seen within 5 s
   * @param p50Millis median
   * @param p99Millis 99th percentile
   * @param maxMillis the slowest
   * @param allSeenP99Millis 99th percentile, per probe, of the time until every other coordinator saw it
   */
  record Latency(
      int samples, int deliveries, int missed, double p50Millis, double p99Millis, double maxMillis,
      double allSeenP99Millis) {}

  /**
   * What one run measured; rates are per second of the window.
   *
   * @param config the parameters
   * @param seconds the window's actual length
   * @param heartbeatsPerSecond heartbeats the nodes sent (load supplier calls)
   * @param commandsPerSecond Redis {@code total_commands_processed} (commands from clients)
   * @param calledPerSecond Redis {@code commandstats} calls, including the commands scripts run
   * @param topCommands the busiest commands of {@code commandstats}, per second, busiest first
   * @param publishedPerSecond pub/sub messages published (all channels)
   * @param deliveredPerCoordinatorPerSecond pub/sub messages delivered, divided by the coordinators
   * @param eventsPerCoordinatorPerSecond pool events a coordinator's listener received, the mean
   * @param maxEventsPerCoordinatorPerSecond the same, the busiest coordinator
   * @param outBytesPerSecond Redis {@code total_net_output_bytes}, less the observer's messages
   * @param inBytesPerSecond Redis {@code total_net_input_bytes}
   * @param redisCpu Redis CPU time per second (1.0 is one core)
   * @param jvmCpu this JVM's CPU time per second (1.0 is one core): the coordinators, and the nodes too
   *     when they run here
   * @param nodesJvmCpu the nodes' JVM's CPU time per second, NaN when they run in this JVM
   * @param connectedClients Redis {@code connected_clients} at the end of the window, less the harness's
   * @param subscriptions pub/sub subscriptions (channels and patterns), less the observer's
   * @param threads this JVM's live threads at the end of the window
   * @param registration propagation of a registration
   * @param drain propagation of a drain
   * @param phases the scale phases: start-up, keep-alive counts, late coordinator, storm
   */
  record Result(
      Config config, double seconds, double heartbeatsPerSecond, double commandsPerSecond,
      double calledPerSecond, Map<String, Double> topCommands, double publishedPerSecond,
      double deliveredPerCoordinatorPerSecond, double eventsPerCoordinatorPerSecond,
      double maxEventsPerCoordinatorPerSecond, double outBytesPerSecond, double inBytesPerSecond,
      double redisCpu, double jvmCpu, double nodesJvmCpu, long connectedClients, long subscriptions, int threads,
      Latency registration, Latency drain, Phases phases) {}

  /**
   * The scale phases (issue 23).
   *
   * @param startupSeconds from the first keep-alive to every coordinator seeing every node
   * @param counts the keep-alives' attempts, failures, nodes registered twice, most registrations
   * @param late the late coordinator, null if not run
   * @param storm the storm, null if not run
   */
  record Phases(double startupSeconds, long[] counts, PoolFleetPhases.@Nullable Late late,
      PoolFleetPhases.@Nullable Storm storm) {}

  /**
   * Runs the harness and prints its table.
   *
   * @param args {@code --NAME=VALUE} parameters (see the class comment)
   */
  public static void main(String[] args) {
    Config config;
    try {
      config = Config.parse(args, System.getProperties());
    } catch (IllegalArgumentException e) {
      System.err.println("PoolFleetBenchmark: " + e.getMessage());
      System.exit(2);
      return;
    }
    Result r = run(config);
    System.out.println(table(r));
    System.exit(0); // stray non-daemon threads of a client library must not keep a finished run alive
  }

  /**
   * Runs one measurement.
   *
   * @param config the parameters
   * @return the figures
   */
  static Result run(Config config) {
    try (RedisFixture redis = RedisFixture.startOrConnect();
        Fleet fleet = new Fleet(config, redis)) {
      return fleet.measure();
    }
  }

  /** Everything one run opens, closed in reverse. */
  private static final class Fleet implements AutoCloseable {
    private final Config config;
    private final RedisClient statsClient;
    private final StatefulRedisConnection<String, String> stats;
    private final RedisClient observerClient;
    private final StatefulRedisPubSubConnection<byte[], byte[]> observer;
    private final Map<String, LongAdder> published = new ConcurrentHashMap<>();
    private final LongAdder observerBytes = new LongAdder();
    private final List<DecoderPool> coordinators = new ArrayList<>();
    private final LongAdder[] events;
    private final PoolFleetNodes nodes;
    private final RedisTarget target;
    private volatile @Nullable PoolFleetProbe probe;

    Fleet(Config config, RedisFixture redis) {
      this.config = config;
      this.events = new LongAdder[config.coordinators()];
      this.target = RedisTarget.parse(redis.url());
      statsClient = RedisClient.create(redis.uri());
      observerClient = RedisClient.create(redis.uri());
      stats = statsClient.connect();
      observer = observerClient.connectPubSub(ByteArrayCodec.INSTANCE);
      observer.addListener(new RedisPubSubAdapter<>() {
        @Override
        public void message(byte[] pattern, byte[] channel, byte[] message) {
          published.computeIfAbsent(new String(channel, StandardCharsets.UTF_8), k -> new LongAdder())
              .increment();
          observerBytes.add(4 + bulk(8) + bulk(pattern.length) + bulk(channel.length) + bulk(message.length));
        }
      });
      observer.sync().psubscribe("*".getBytes(StandardCharsets.UTF_8));
      for (int i = 0; i < config.coordinators(); i++) {
        int index = i;
        LongAdder seen = new LongAdder();
        events[i] = seen;
        DecoderPool pool = DecoderPools.builder(POOL).redis(target).build();
        coordinators.add(pool);
        pool.subscribe(event -> {
          seen.increment();
          PoolFleetProbe p = probe;
          if (p != null) {
            p.offer(index, event);
          }
        });
      }
      nodes = config.nodeJvm()
          ? PoolFleetNodes.childProcess(redis.url(), config.nodes(), config.clients(), config.interval(),
              NODE_JVM_OPTIONS)
          : PoolFleetNodes.inProcess(target, config.nodes(), config.clients(), config.interval());
    }

    /** The size of a RESP bulk string of {@code n} bytes: {@code $n\r\n<bytes>\r\n}. */
    private static int bulk(int n) {
      return 1 + Integer.toString(n).length() + 2 + n + 2;
    }

    Result measure() {
      long start = System.nanoTime();
      nodes.start(config.coldStart());
      awaitEveryNodeEverywhere();
      double startup = (System.nanoTime() - start) / 1e9;
      pause(config.warmup());
      Snapshot before = snapshot();
      pause(config.window());
      Snapshot after = snapshot();
      long connected = Long.parseLong(after.info.getOrDefault("connected_clients", "0")) - HARNESS_CONNECTIONS;
      long subscriptions = subscriptions();
      int threads = ManagementFactory.getThreadMXBean().getThreadCount();
      long[] keepAlives = java.util.Arrays.copyOfRange(after.nodeStats, 1, 5);
      Latency registration = probes(true);
      Latency drain = probes(false);
      PoolFleetPhases.Late late = config.late()
          ? PoolFleetPhases.lateCoordinator(target, POOL, config.nodes(), Duration.ofSeconds(60)) : null;
      double steadyCpu = (after.jvmCpuNanos - before.jvmCpuNanos) / 1e9 / ((after.nanos - before.nanos) / 1e9);
      PoolFleetPhases.Storm storm = config.storm() > 0
          ? PoolFleetPhases.storm(coordinators, config.storm(), steadyCpu) : null;
      return result(before, after, connected, subscriptions, threads, registration, drain,
          new Phases(startup, keepAlives, late, storm));
    }

    private void awaitEveryNodeEverywhere() {
      long deadline = System.nanoTime() + Duration.ofSeconds(30 + config.nodes() / 50).toNanos();
      for (DecoderPool pool : coordinators) {
        while (pool.nodes().size() < config.nodes()) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("a coordinator sees " + pool.nodes().size() + " of "
                + config.nodes() + " nodes after the start-up deadline");
          }
          pause(Duration.ofMillis(50)); // a harness polling a count; no event says "all nodes are in"
        }
      }
    }

    private Snapshot snapshot() {
      long[] perCoordinator = new long[events.length];
      for (int i = 0; i < events.length; i++) {
        perCoordinator[i] = events[i].sum();
      }
      Map<String, Long> channels = new HashMap<>();
      published.forEach((k, v) -> channels.put(k, v.sum()));
      long[] nodeStats = nodes.stats();
      return new Snapshot(System.nanoTime(), info(), nodeStats[0], perCoordinator, channels,
          observerBytes.sum(), PoolFleetPhases.jvmCpuNanos(), nodeStats);
    }

    private Map<String, String> info() {
      Map<String, String> map = new HashMap<>();
      for (String line : stats.sync().info("all").split("\r?\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && !line.startsWith("#")) {
          map.put(line.substring(0, colon), line.substring(colon + 1).strip());
        }
      }
      return map;
    }

    /** Subscriptions on channels and patterns, the observer's pattern left out. */
    private long subscriptions() {
      List<String> channels = stats.sync().pubsubChannels();
      long n = 0;
      if (!channels.isEmpty()) {
        for (Long c : stats.sync().pubsubNumsub(channels.toArray(new String[0])).values()) {
          n += c;
        }
      }
      return n + stats.sync().pubsubNumpat() - 1;
    }

    /** Registration probes ({@code true}) or drain probes: each registers a node, times, drains, removes. */
    private Latency probes(boolean registration) {
      List<Double> deliveries = new ArrayList<>();
      List<Double> allSeen = new ArrayList<>();
      int missed = 0;
      for (int s = 0; s < config.samples(); s++) {
        int origin = s % coordinators.size();
        DecoderPool pool = coordinators.get(origin);
        String id = "probe-" + (registration ? "r" : "d") + "-" + s;
        DecoderNode node = DecoderNode.builder(id, URI.create("http://probe-" + s + ":8001"))
            .languages("en", "es").build();
        PoolFleetProbe p;
        if (registration) {
          p = new PoolFleetProbe(origin, coordinators.size(), e -> isAbout(e, id)
              && (e.type() == PoolEvent.Type.NODE_REGISTERED || e.type() == PoolEvent.Type.NODE_UPDATED));
          probe = p;
          p.start();
          pool.register(node);
        } else {
          awaitQuietly(new PoolFleetProbe(origin, coordinators.size(), e -> isAbout(e, id)), "the registration of " + id,
              () -> pool.register(node));
          p = new PoolFleetProbe(origin, coordinators.size(), e -> isAbout(e, id)
              && e instanceof PoolEvent.StatusChanged c && c.status() == NodeStatus.DRAINING);
          probe = p;
          p.start();
          pool.setStatus(id, NodeStatus.DRAINING);
        }
        p.await();
        probe = null;
        missed += p.collect(deliveries, allSeen);
        awaitQuietly(new PoolFleetProbe(origin, coordinators.size(), e -> isAbout(e, id)
            && e.type() == PoolEvent.Type.NODE_REMOVED), "the removal of " + id, () -> pool.deregister(id));
      }
      return latency(config.samples(), deliveries, allSeen, missed);
    }

    /** Runs a write and waits for the other coordinators to see it; untimed. */
    private void awaitQuietly(PoolFleetProbe p, String what, Runnable write) {
      probe = p;
      write.run();
      if (!p.await()) {
        System.err.println("PoolFleetBenchmark: a coordinator did not see " + what + " within 5 s");
      }
      probe = null;
    }

    private Result result(
        Snapshot a, Snapshot b, long connected, long subscriptions, int threads, Latency registration,
        Latency drain, Phases phases) {
      double secs = (b.nanos - a.nanos) / 1e9;
      double events = 0;
      double maxEvents = 0;
      for (int i = 0; i < a.events.length; i++) {
        double rate = (b.events[i] - a.events[i]) / secs;
        events += rate;
        maxEvents = Math.max(maxEvents, rate);
      }
      events /= a.events.length;
      long publishedCount = 0;
      long delivered = 0;
      List<String> channels = new ArrayList<>(b.channels.keySet());
      Map<String, Long> numsub = channels.isEmpty()
          ? Map.of() : stats.sync().pubsubNumsub(channels.toArray(new String[0]));
      for (String c : channels) {
        long n = b.channels.get(c) - a.channels.getOrDefault(c, 0L);
        publishedCount += n;
        delivered += n * numsub.getOrDefault(c, 0L);
      }
      Map<String, Long> calls = new HashMap<>();
      long called = 0;
      for (Map.Entry<String, String> e : b.info.entrySet()) {
        if (e.getKey().startsWith("cmdstat_")) {
          long n = calls(e.getValue()) - calls(a.info.getOrDefault(e.getKey(), "calls=0"));
          if (e.getKey().equals("cmdstat_info")) {
            n = Math.max(0, n - 1); // the harness's own INFO
          }
          calls.put(e.getKey().substring("cmdstat_".length()), n);
          called += n;
        }
      }
      Map<String, Double> top = new LinkedHashMap<>();
      calls.entrySet().stream()
          .filter(e -> e.getValue() > 0)
          .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
          .limit(8)
          .forEach(e -> top.put(e.getKey(), e.getValue() / secs));
      double redisCpu = (cpu(b.info) - cpu(a.info)) / secs;
      double nodesCpu = nodes.separate() ? (b.nodeStats[5] - a.nodeStats[5]) / 1e9 / secs : Double.NaN;
      return new Result(config, secs, (b.heartbeats - a.heartbeats) / secs,
          (delta(a, b, "total_commands_processed") - 1) / secs, called / secs, top, publishedCount / secs,
          delivered / (double) a.events.length / secs, events, maxEvents,
          (delta(a, b, "total_net_output_bytes") - (b.observerBytes - a.observerBytes)) / secs,
          delta(a, b, "total_net_input_bytes") / secs, redisCpu, (b.jvmCpuNanos - a.jvmCpuNanos) / 1e9 / secs,
          nodesCpu, connected, subscriptions, threads, registration, drain, phases);
    }

    private static long delta(Snapshot a, Snapshot b, String key) {
      return Long.parseLong(b.info.getOrDefault(key, "0")) - Long.parseLong(a.info.getOrDefault(key, "0"));
    }

    private static long calls(String stat) {
      int at = stat.indexOf("calls=");
      int end = stat.indexOf(',', at);
      return Long.parseLong(stat.substring(at + "calls=".length(), end < 0 ? stat.length() : end));
    }

    private static double cpu(Map<String, String> info) {
      return Double.parseDouble(info.getOrDefault("used_cpu_sys", "0"))
          + Double.parseDouble(info.getOrDefault("used_cpu_user", "0"));
    }

    @Override
    public void close() {
      nodes.close(); // keep-alives drain and deregister their nodes on close
      coordinators.forEach(DecoderPool::close);
      observer.close();
      stats.close();
      observerClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      statsClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /** Counters at one instant. */
  private record Snapshot(
      long nanos, Map<String, String> info, long heartbeats, long[] events, Map<String, Long> channels,
      long observerBytes, long jvmCpuNanos, long[] nodeStats) {}

  private static boolean isAbout(PoolEvent e, String nodeId) {
    return e instanceof PoolEvent.NodeEvent n && n.nodeId().equals(nodeId);
  }

  private static Latency latency(int samples, List<Double> deliveries, List<Double> allSeen, int missed) {
    double[] d = deliveries.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double[] all = allSeen.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return new Latency(samples, d.length, missed, percentile(d, 50), percentile(d, 99),
        d.length == 0 ? Double.NaN : d[d.length - 1], percentile(all, 99));
  }

  /** Nearest-rank percentile of sorted values; NaN when there are none. */
  static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static void pause(Duration d) {
    parkUntil(System.nanoTime() + d.toNanos());
  }

  private static void parkUntil(long deadline) {
    for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
      LockSupport.parkNanos(left); // pacing a load generator by the clock is the point here
      if (Thread.currentThread().isInterrupted()) {
        throw new IllegalStateException("interrupted");
      }
    }
  }

  /**
   * The figures as a Markdown table.
   *
   * @param r the result
   * @return the table
   */
  static String table(Result r) {
    Config c = r.config();
    double hb = Math.max(r.heartbeatsPerSecond(), 1e-9);
    StringBuilder top = new StringBuilder();
    r.topCommands().forEach((k, v) -> top.append(top.length() == 0 ? "" : ", ").append(k).append(' ')
        .append(String.format(Locale.ROOT, "%,.0f", v)));
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT,
        "Decoder pool at fleet scale: %,d nodes (%d registration clients, %s), %d coordinators, "
            + "heartbeat every %d ms, %.1f s window%n%n",
        c.nodes(), c.clients(), c.nodeJvm() ? "a JVM of their own" : "in the coordinators' JVM",
        c.coordinators(), c.interval().toMillis(), r.seconds()));
    s.append("| figure | value |\n|---|---:|\n");
    row(s, "heartbeats sent per second", "%,.0f", r.heartbeatsPerSecond());
    row(s, "Redis commands per second (`total_commands_processed`; Redis 7 counts those scripts run)", "%,.0f",
        r.commandsPerSecond());
    row(s, "  per heartbeat", "%.1f", r.commandsPerSecond() / hb);
    s.append("| busiest commands per second (`commandstats`) | ").append(top).append(" |\n");
    row(s, "pub/sub messages published per second", "%,.0f", r.publishedPerSecond());
    row(s, "pub/sub messages delivered per coordinator per second", "%,.0f",
        r.deliveredPerCoordinatorPerSecond());
    row(s, "pool events per coordinator per second (listener; mean)", "%,.0f",
        r.eventsPerCoordinatorPerSecond());
    row(s, "pool events per coordinator per second (listener; busiest)", "%,.0f",
        r.maxEventsPerCoordinatorPerSecond());
    row(s, "Redis bytes out per second", "%,.0f", r.outBytesPerSecond());
    row(s, "  per heartbeat", "%,.0f", r.outBytesPerSecond() / hb);
    row(s, "Redis bytes in per second", "%,.0f", r.inBytesPerSecond());
    row(s, "  per heartbeat", "%,.0f", r.inBytesPerSecond() / hb);
    row(s, "Redis CPU (% of one core)", "%.1f", r.redisCpu() * 100);
    if (c.nodeJvm()) {
      row(s, "coordinators' JVM CPU (% of one core)", "%.1f", r.jvmCpu() * 100);
      row(s, "nodes' JVM CPU (% of one core)", "%.1f", r.nodesJvmCpu() * 100);
    } else {
      row(s, "JVM CPU, coordinators and nodes together (% of one core)", "%.1f", r.jvmCpu() * 100);
    }
    row(s, "Redis connected clients", "%d", r.connectedClients());
    row(s, "pub/sub subscriptions", "%d", r.subscriptions());
    row(s, "coordinators' JVM threads", "%d", r.threads());
    latencyRow(s, "registration", r.registration(), c.coordinators() - 1);
    latencyRow(s, "drain", r.drain(), c.coordinators() - 1);
    Phases p = r.phases();
    PoolFleetPhases.rows(s, p.startupSeconds(), c.coldStart(), p.counts(), p.late(), p.storm());
    return s.toString();
  }

  private static void row(StringBuilder s, String name, String format, Object value) {
    s.append("| ").append(name).append(" | ").append(String.format(Locale.ROOT, format, value)).append(" |\n");
  }

  private static void latencyRow(StringBuilder s, String name, Latency l, int others) {
    s.append(String.format(Locale.ROOT,
        "| %s propagation p50 / p99 / max, ms (%d probes × %d coordinators, %d missed) | "
            + "%.2f / %.2f / %.2f (all coordinators: p99 %.2f) |%n",
        name, l.samples(), others, l.missed(), l.p50Millis(), l.p99Millis(), l.maxMillis(),
        l.allSeenP99Millis()));
  }
}
