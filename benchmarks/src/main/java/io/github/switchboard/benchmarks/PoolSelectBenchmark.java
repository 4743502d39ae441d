package io.github.switchboard.benchmarks;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.RoutingRequest;
import io.github.switchboard.pool.Selection;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code DecoderPool.select} and heartbeats on an in-memory pool of 100, 1,000, 10,000 and 20,000 nodes, of
 * which either exactly 100 serve the requested pairs (en->es and en->it; the others serve de->fr) or all do
 * ({@code serving=all}: a fleet where every node serves every pair), every node with a heartbeat and a
 * load. The cost of {@code select} should not follow the pool, nor the candidates (issue 23: the indexes
 * count classes of nodes, not nodes); a heartbeat should cost the same whatever the pool's size.
 *
 * <p>Build once, from the repository root: {@code ./mvnw -B -pl benchmarks -am package -DskipTests}.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar PoolSelectBenchmark -prof gc -f 1 -wi 2 -w 1s -i 3 -r 1s
 * java -jar benchmarks/target/benchmarks.jar 'PoolSelectBenchmark.select$' -p nodes=10000,20000 -p serving=all \
 *     -bm sample -prof gc -f 1 -wi 2 -w 1s -i 3 -r 1s
 * }</pre>
 *
 * <p>Read, per pool size: {@code select} (average time, and its median {@code p0.50} in the sample-time
 * rows); {@code selectEveryStep} (en->it, through an A/B test, a preferred region and a preferred hot
 * adapter); {@code gc.alloc.rate.norm} (bytes allocated per call); {@code heartbeat} (average time of one
 * heartbeat of a node that serves the pair); and {@code heartbeatThroughput} (heartbeats a second one
 * pool absorbs from two threads heartbeating every node of the pool in turn; the pool applies them one at
 * a time, so this is the ceiling of one coordinator).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PoolSelectBenchmark {
  /** Nodes in the pool. */
  @Param({"100", "1000", "10000", "20000"})
  public int nodes;

  /** How many nodes serve the requested pairs: {@code 100}, or {@code all} of them. */
  @Param({"100", "all"})
  public String serving;

  private int servingCount;

  private DecoderPool pool;
  private RoutingRequest request;
  private RoutingRequest everyStep;
  private String[] ids;
  private NodeLoad[] loads;
  private int beat;

  /** Fills the pool and checks that exactly {@code serving} nodes serve the pair. */
  @Setup(Level.Trial)
  public void setUp() {
    servingCount = "all".equals(serving) ? nodes : Math.min(Integer.parseInt(serving), nodes);
    pool = DecoderPools.builder("bench").random(42).build();
    ids = new String[nodes];
    loads = new NodeLoad[50];
    for (int i = 0; i < loads.length; i++) {
      loads[i] = NodeLoad.of(i);
    }
    for (int i = 0; i < nodes; i++) {
      boolean serves = i < servingCount;
      DecoderNode n = DecoderNode.builder("n" + i, URI.create("http://n" + i + ".bench:8001"))
          .languages(serves ? new String[] {"en", "es", "it"} : new String[] {"de", "fr"})
          .region(i % 2 == 0 ? "us-east-1" : "eu-west-1").capacity(100)
          .tags(i % 4 == 1 ? "exp" : "stable").build();
      ids[i] = n.nodeId();
      pool.register(n);
      pool.heartbeat(n.nodeId(), i % 3 == 0 ? loads[i % 50].withHotAdapters(List.of("legal")) : loads[i % 50]);
    }
    request = RoutingRequest.of("en", "es");
    // every step: an A/B test on en->it, a region and a hot adapter preferred
    pool.putAbTest(new AbTest("it-v2", true, "en-it", 20, List.of("stable"), List.of("exp")));
    everyStep = RoutingRequest.of("en", "it").preferRegion("eu-west-1").preferAdapter("legal");
    long serves = pool.nodes().stream().filter(v -> v.node().servesPair("en", "es")).count();
    if (serves != servingCount) {
      throw new IllegalStateException(serves + " nodes serve en->es, expected " + servingCount);
    }
  }

  /** Closes the pool. */
  @TearDown(Level.Trial)
  public void tearDown() {
    pool.close();
  }

  /**
   * One selection among the nodes that serve the pair.
   *
   * @return the selection
   */
  @Benchmark
  @BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
  public Optional<Selection> select() {
    return pool.select(request);
  }

  /**
   * One selection through every step (A/B test, region, adapter) among the nodes that serve en->it.
   *
   * @return the selection
   */
  @Benchmark
  public Optional<Selection> selectEveryStep() {
    return pool.select(everyStep);
  }

  /**
   * One heartbeat of a node that serves the pair.
   *
   * @return whether the pool knew the node
   */
  @Benchmark
  public boolean heartbeat() {
    int i = beat++ % servingCount;
    return pool.heartbeat(ids[i], loads[i % 50]);
  }

  /** A heartbeating thread's position in the pool. */
  @State(Scope.Thread)
  public static class Beater {
    int next;
  }

  /**
   * Heartbeats a second that one pool absorbs from two threads, each heartbeating every node in turn.
   *
   * @param b the thread's position
   * @return whether the pool knew the node
   */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(2)
  public boolean heartbeatThroughput(Beater b) {
    int i = b.next++;
    if (b.next == nodes) {
      b.next = 0;
    }
    return pool.heartbeat(ids[i], loads[i % 50]);
  }
}
