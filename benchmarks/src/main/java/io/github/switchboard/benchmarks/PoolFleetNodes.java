package io.github.switchboard.benchmarks;

import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.registration.RegistrationClient;
import io.github.switchboard.registration.RegistrationClients;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/*
 * Why a second JVM: a fleet's nodes are other machines. With the 20,000 simulated keep-alives in the
 * coordinators' JVM, that JVM allocated about 300 MB/s and its young pauses (35-54 ms) were the p99 of the
 * propagation probes; none of that is the coordinators' work. The child is driven over its stdin/stdout by
 * one-word commands, each answered by one line starting with "fleet-nodes " (anything else on its stdout,
 * a library writing to the console, is passed on to stderr):
 *
 *   start   starts the keep-alives (evenly over one interval, or all at once)   -> "fleet-nodes started"
 *   stats   heartbeats, attempts, failed, registered twice, most, CPU nanos   -> "fleet-nodes stats 1 2 3 4 5 6"
 *   close   closes the clients (each node drained and removed) and exits      -> "fleet-nodes closed"
 *
 * End of input is a close: a parent that dies takes its nodes with it.
 */
/**
 * The simulated decoder nodes of {@link PoolFleetBenchmark}: {@code nodes} keep-alives spread round-robin
 * over {@code clients} registration clients, each heartbeat reporting a new random load, in this JVM
 * ({@link #inProcess}) or in a child JVM started on the same class path ({@link #childProcess}, the default
 * of the harness).
 */
abstract class PoolFleetNodes implements AutoCloseable {
  static final String POOL = "fleet";
  private static final String PREFIX = "fleet-nodes ";
  /**
   * The child runs at the lowest priority, when there is one: a fleet's nodes are other machines, so they
   * must not take the cores the coordinators' JVM (its collector's threads above all) and Redis need.
   */
  private static final Path NICE = Path.of("/usr/bin/nice");

  /**
   * Starts the keep-alives and returns once every one of them is started (not registered).
   *
   * @param coldStart true to start every keep-alive at once, false evenly over one interval
   */
  abstract void start(boolean coldStart);

  /**
   * Returns the nodes' counters so far.
   *
   * @return heartbeats sent, then the keep-alives' attempts, failed attempts, nodes registered more than
   *     once and most registrations of one node ({@link PoolFleetPhases.KeepAliveCounts#read()}), then the
   *     CPU time of the JVM the nodes run in (nanoseconds; 0 if unknown, or if they share the harness's)
   */
  abstract long[] stats();

  /** Whether the nodes run in a JVM of their own. */
  abstract boolean separate();

  @Override
  public abstract void close();

  /**
   * Nodes in this JVM, beside the coordinators.
   *
   * @param target the Redis
   * @param nodes how many
   * @param clients registration clients
   * @param interval heartbeat interval
   * @return the nodes, not started
   */
  static PoolFleetNodes inProcess(RedisTarget target, int nodes, int clients, Duration interval) {
    return new Local(target, nodes, clients, interval);
  }

  /**
   * Nodes in a child JVM: {@code java} of this JVM's {@code java.home} under {@code nice -n 19} (where
   * {@code /usr/bin/nice} exists), this JVM's class path, the given options, then this class's
   * {@code main}; its stderr goes to this JVM's.
   *
   * @param redisUrl the Redis URL
   * @param nodes how many
   * @param clients registration clients
   * @param interval heartbeat interval
   * @param jvmOptions the child's JVM options
   * @return the nodes, not started
   * @throws IllegalStateException if the child does not start or says nothing within 60 s
   */
  static PoolFleetNodes childProcess(String redisUrl, int nodes, int clients, Duration interval,
      List<String> jvmOptions) {
    return new Child(redisUrl, nodes, clients, interval, jvmOptions);
  }

  /** The keep-alives themselves, wherever they run. */
  private static final class Local extends PoolFleetNodes {
    private final int nodes;
    private final Duration interval;
    private final List<RegistrationClient> clients = new ArrayList<>();
    private final LongAdder heartbeats = new LongAdder();
    private final PoolFleetPhases.KeepAliveCounts counts = new PoolFleetPhases.KeepAliveCounts();
    private final boolean separate;

    Local(RedisTarget target, int nodes, int clients, Duration interval) {
      this(target, nodes, clients, interval, false);
    }

    Local(RedisTarget target, int nodes, int clients, Duration interval, boolean separate) {
      this.nodes = nodes;
      this.interval = interval;
      this.separate = separate;
      for (int i = 0; i < clients; i++) {
        this.clients.add(RegistrationClients.builder().redis(target, POOL).listener(counts).build());
      }
    }

    @Override
    void start(boolean coldStart) {
      long start = System.nanoTime();
      long step = coldStart ? 0 : interval.toNanos() / nodes;
      for (int i = 0; i < nodes; i++) {
        parkUntil(start + i * step);
        DecoderNode node = DecoderNode.builder(
                String.format(Locale.ROOT, "node-%05d", i),
                URI.create("http://10.0." + (i / 250) + "." + (i % 250 + 1) + ":8001"))
            .region(i % 2 == 0 ? "us-east-1" : "eu-west-1")
            .gpuType("T4")
            .capacity(100)
            .languages("en", "es", "fr", "de")
            .build();
        clients.get(i % clients.size()).keepAlive(node, interval, () -> {
          heartbeats.increment();
          return NodeLoad.of(ThreadLocalRandom.current().nextInt(100));
        });
      }
    }

    @Override
    long[] stats() {
      long[] c = counts.read();
      return new long[] {heartbeats.sum(), c[0], c[1], c[2], c[3], separate ? PoolFleetPhases.jvmCpuNanos() : 0};
    }

    @Override
    boolean separate() {
      return separate;
    }

    /** Closes the clients side by side: keep-alives drain and deregister their nodes on close. */
    @Override
    public void close() {
      List<Thread> closers = new ArrayList<>();
      for (RegistrationClient c : clients) {
        Thread t = new Thread(c::close, "fleet-close");
        t.start();
        closers.add(t);
      }
      for (Thread t : closers) {
        try {
          t.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** The parent's side of a child JVM running {@link #main}. */
  private static final class Child extends PoolFleetNodes {
    private final Process process;
    private final BufferedReader in;
    private final Writer out;

    Child(String redisUrl, int nodes, int clients, Duration interval, List<String> jvmOptions) {
      List<String> command = new ArrayList<>();
      if (Files.isExecutable(NICE)) {
        command.addAll(List.of(NICE.toString(), "-n", "19"));
      }
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(jvmOptions);
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(PoolFleetNodes.class.getName());
      command.add(redisUrl);
      command.add(Integer.toString(nodes));
      command.add(Integer.toString(clients));
      command.add(Long.toString(interval.toMillis()));
      try {
        process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the nodes' JVM: " + command, e);
      }
      in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      out = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      answer("ready");
    }

    @Override
    void start(boolean coldStart) {
      ask(coldStart ? "start-cold" : "start", "started");
    }

    @Override
    long[] stats() {
      String[] f = ask("stats", "stats").split(" ");
      long[] v = new long[f.length - 1];
      for (int i = 1; i < f.length; i++) {
        v[i - 1] = Long.parseLong(f[i]);
      }
      return v;
    }

    @Override
    boolean separate() {
      return true;
    }

    @Override
    public void close() {
      try {
        ask("close", "closed");
      } catch (RuntimeException e) {
        System.err.println("PoolFleetBenchmark: the nodes' JVM did not close cleanly (" + e.getMessage() + ")");
      }
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }

    private String ask(String command, String reply) {
      try {
        out.write(command + "\n");
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("the nodes' JVM is gone", e);
      }
      return answer(reply);
    }

    /** The next line of the child that starts with the prefix; its other lines go to stderr. */
    private String answer(String reply) {
      try {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          if (line.startsWith(PREFIX + reply)) {
            return line.substring(PREFIX.length());
          }
          System.err.println("[nodes] " + line);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("the nodes' JVM is gone", e);
      }
      throw new IllegalStateException("the nodes' JVM ended before '" + reply + "' (exit "
          + (process.isAlive() ? "none yet" : process.exitValue()) + ")");
    }
  }

  /**
   * The child JVM: {@code REDIS_URL NODES CLIENTS INTERVAL_MS}, then the commands of this file's design
   * note on stdin.
   *
   * @param args the Redis URL, the node count, the client count, the heartbeat interval in milliseconds
   */
  public static void main(String[] args) throws IOException {
    PrintStream reply = System.out;
    System.setOut(System.err); // the protocol owns stdout
    Local nodes = new Local(RedisTarget.parse(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
        Duration.ofMillis(Long.parseLong(args[3])), true);
    reply.println(PREFIX + "ready");
    reply.flush();
    BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String c = commands.readLine(); c != null && !c.equals("close"); c = commands.readLine()) {
      switch (c) {
        case "start", "start-cold" -> {
          nodes.start(c.equals("start-cold"));
          reply.println(PREFIX + "started");
        }
        case "stats" -> {
          StringBuilder s = new StringBuilder(PREFIX + "stats");
          for (long v : nodes.stats()) {
            s.append(' ').append(v);
          }
          reply.println(s);
        }
        default -> reply.println(PREFIX + "unknown " + c);
      }
      reply.flush();
    }
    nodes.close();
    reply.println(PREFIX + "closed");
    reply.flush();
    System.exit(0); // a client library's stray non-daemon threads must not keep the child alive
  }

  private static void parkUntil(long deadline) {
    for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
      LockSupport.parkNanos(left); // pacing a load generator by the clock is the point here
    }
  }
}
