package io.github.switchboard.benchmarks;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.registration.RegistrationListener;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;
import org.slf4j.LoggerFactory;

/**
 * The fleet harness's scale phases (issue 23), beside {@link PoolFleetBenchmark}'s steady window: what the
 * keep-alives did while the nodes started (failed attempts, nodes registered more than once), a coordinator
 * started into the full pool, and a registration storm through one coordinator (throughput, the time until
 * every coordinator has it, and the JVM's CPU per registration over the steady rate).
 */
final class PoolFleetPhases {
  private static final String KEEP_ALIVE_LOGGER = "io.github.switchboard.registration.internal.DefaultKeepAlive";
  private static final int STORM_IN_FLIGHT = 64;

  private PoolFleetPhases() {}

  /**
   * What the keep-alives did: every attempt that failed (a registration client's listener), and the
   * registrations of each node, counted from the keep-alives' own log lines ({@code registered via ...} for
   * the first, {@code ... registered it again} or {@code registered via ... after: ...} for another).
   */
  static final class KeepAliveCounts implements RegistrationListener {
    private final LongAdder failed = new LongAdder();
    private final LongAdder attempts = new LongAdder();
    private final Map<String, Integer> registrations = new ConcurrentHashMap<>();
    private volatile boolean counting;

    /**
     * Starts counting the keep-alives' registrations: an appender on their logger at INFO, kept off the
     * console (WARN and above still go to stderr). Logback is only on the runtime class path of this
     * module, so the appender is a proxy of its {@code Appender} interface, wired by reflection; if that
     * fails, the registrations are not counted (-1).
     */
    KeepAliveCounts() {
      try {
        Object logger = LoggerFactory.getLogger(KEEP_ALIVE_LOGGER);
        Class<?> appender = Class.forName("ch.qos.logback.core.Appender");
        Class<?> level = Class.forName("ch.qos.logback.classic.Level");
        Object proxy = Proxy.newProxyInstance(appender.getClassLoader(), new Class<?>[] {appender},
            (self, method, args) -> switch (method.getName()) {
              case "doAppend" -> {
                count(args[0]);
                yield null;
              }
              case "getName" -> "fleet-registrations";
              case "isStarted" -> true;
              case "hashCode" -> System.identityHashCode(self);
              case "equals" -> self == args[0];
              case "toString" -> "fleet-registrations";
              default -> method.getReturnType() == boolean.class ? false : null;
            });
        logger.getClass().getMethod("addAppender", appender).invoke(logger, proxy);
        logger.getClass().getMethod("setLevel", level).invoke(logger, level.getField("INFO").get(null));
        logger.getClass().getMethod("setAdditive", boolean.class).invoke(logger, false);
        counting = true;
      } catch (ReflectiveOperationException | RuntimeException e) {
        System.err.println("PoolFleetBenchmark: registrations not counted (" + e + ")");
      }
    }

    private void count(Object event) throws ReflectiveOperationException {
      Method formatted = event.getClass().getMethod("getFormattedMessage");
      String m = String.valueOf(formatted.invoke(event));
      int open = m.indexOf('\'');
      int close = open < 0 ? -1 : m.indexOf('\'', open + 1);
      if (close > open && m.contains("registered")) {
        registrations.merge(m.substring(open + 1, close), 1, Integer::sum);
      }
      String lvl = String.valueOf(event.getClass().getMethod("getLevel").invoke(event));
      if (lvl.equals("WARN") || lvl.equals("ERROR")) {
        System.err.println(lvl + " " + m);
      }
    }

    @Override
    public void onAttempt(String channel, boolean success) {
      attempts.increment();
      if (!success) {
        failed.increment();
      }
    }

    /**
     * Returns the counts so far.
     *
     * @return attempts, failed attempts, nodes registered more than once, the most registrations of a node
     */
    long[] read() {
      int twice = 0;
      int most = 0;
      for (int n : registrations.values()) {
        twice += n > 1 ? 1 : 0;
        most = Math.max(most, n);
      }
      return counting ? new long[] {attempts.sum(), failed.sum(), twice, most}
          : new long[] {attempts.sum(), failed.sum(), -1, -1};
    }
  }

  /**
   * A coordinator started into the full pool.
   *
   * @param seconds until it sees every node, NaN if it did not within the deadline
   * @param backend its backend state then (PRIMARY: it read the pool from Redis, not its fallback)
   */
  record Late(double seconds, BackendState backend) {}

  /**
   * Starts one more coordinator and times its first full read of the pool.
   *
   * @param target the Redis
   * @param pool the pool's name
   * @param nodes how many nodes it must see
   * @param deadline the longest wait
   * @return the time and backend state
   */
  static Late lateCoordinator(RedisTarget target, String pool, int nodes, Duration deadline) {
    long start = System.nanoTime();
    try (DecoderPool late = DecoderPools.builder(pool).redis(target).build()) {
      double seconds = awaitCount(() -> late.nodes().size(), nodes, start, deadline);
      return new Late(seconds, late.backendState());
    }
  }

  /**
   * A registration storm through one coordinator.
   *
   * @param count nodes registered
   * @param seconds until the last registration returned
   * @param perSecond registrations a second
   * @param allSeenSeconds until every coordinator saw every one of them
   * @param cpuMicrosPerRegistration this JVM's CPU per registration above its steady rate, microseconds
   */
  record Storm(int count, double seconds, double perSecond, double allSeenSeconds, double cpuMicrosPerRegistration) {}

  /**
   * Registers {@code count} new nodes through {@code via}, {@value #STORM_IN_FLIGHT} at a time, times
   * them and the propagation to every coordinator, then removes them (untimed).
   *
   * @param coordinators every coordinator; the first one writes
   * @param count nodes to register
   * @param steadyCpu this JVM's CPU rate in the steady window (cores)
   * @return the figures
   */
  static Storm storm(List<DecoderPool> coordinators, int count, double steadyCpu) {
    DecoderPool via = coordinators.get(0);
    int before = via.nodes().size();
    List<DecoderNode> nodes = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      nodes.add(DecoderNode.builder(String.format(Locale.ROOT, "storm-%05d", i),
          URI.create("http://10.9." + (i / 250) + "." + (i % 250 + 1) + ":8001"))
          .region(i % 2 == 0 ? "us-east-1" : "eu-west-1").languages("en", "es").build());
    }
    long cpu0 = jvmCpuNanos();
    long t0 = System.nanoTime();
    writeAll(nodes, n -> via.registerAsync(n).toCompletableFuture());
    long t1 = System.nanoTime();
    long cpu1 = jvmCpuNanos();
    double allSeen = Double.NaN;
    for (DecoderPool c : coordinators) {
      allSeen = awaitCount(() -> c.nodes().size(), before + count, t0, Duration.ofSeconds(60));
    }
    double seconds = (t1 - t0) / 1e9;
    double cpu = ((cpu1 - cpu0) / 1e9 - steadyCpu * seconds) / count * 1e6;
    writeAll(nodes, n -> via.deregisterAsync(n.nodeId()).toCompletableFuture());
    return new Storm(count, seconds, count / seconds, allSeen, cpu);
  }

  private static void writeAll(List<DecoderNode> nodes,
      java.util.function.Function<DecoderNode, CompletableFuture<Boolean>> write) {
    Semaphore room = new Semaphore(STORM_IN_FLIGHT);
    List<CompletableFuture<Boolean>> all = new ArrayList<>(nodes.size());
    for (DecoderNode n : nodes) {
      room.acquireUninterruptibly();
      all.add(write.apply(n).whenComplete((ok, err) -> room.release()));
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).join();
  }

  /** Seconds from {@code startNanos} until {@code count} reaches {@code target}; NaN past the deadline. */
  static double awaitCount(IntSupplier count, int target, long startNanos, Duration deadline) {
    long end = startNanos + deadline.toNanos();
    while (count.getAsInt() < target) {
      if (System.nanoTime() > end) {
        return Double.NaN;
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // a harness polling a count
    }
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /**
   * Returns this JVM's CPU time.
   *
   * @return nanoseconds, 0 if unknown
   */
  static long jvmCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
  }

  /**
   * The phases' rows of the Markdown table.
   *
   * @param s where the rows go
   * @param startupSeconds from the first keep-alive to every coordinator seeing every node
   * @param coldStart whether every keep-alive started at once
   * @param counts the keep-alives' counts (attempts, failed, registered twice, most registrations)
   * @param late the late coordinator, or null if not run
   * @param storm the storm, or null if not run
   */
  static void rows(StringBuilder s, double startupSeconds, boolean coldStart, long[] counts, Late late, Storm storm) {
    row(s, (coldStart ? "cold start (every keep-alive at once)" : "start (keep-alives over one interval)")
        + ": until every coordinator sees every node, s", "%.1f", startupSeconds);
    row(s, "keep-alive attempts / failed (registrations and heartbeats, to the end of the window)", "%s",
        counts[0] + " / " + counts[1]);
    row(s, "nodes registered more than once / most registrations of one node", "%s", counts[2] + " / " + counts[3]);
    if (late != null) {
      row(s, "a coordinator started into the pool: until it sees every node, s (backend)", "%s",
          String.format(Locale.ROOT, "%.2f (%s)", late.seconds(), late.backend()));
    }
    if (storm != null) {
      row(s, "registration storm through one coordinator: nodes, registrations/s", "%s",
          String.format(Locale.ROOT, "%,d, %,.0f", storm.count(), storm.perSecond()));
      row(s, "  until every coordinator sees all of them, s", "%.2f", storm.allSeenSeconds());
      row(s, "  JVM CPU per registration above the steady rate (writer + every coordinator), µs", "%.0f",
          storm.cpuMicrosPerRegistration());
    }
  }

  private static void row(StringBuilder s, String name, String format, Object value) {
    s.append("| ").append(name).append(" | ").append(String.format(Locale.ROOT, format, value)).append(" |\n");
  }
}
