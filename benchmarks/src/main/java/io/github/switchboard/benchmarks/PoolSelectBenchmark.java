package io.github.switchboard.benchmarks;

import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.RoutingRequest;
import io.github.switchboard.pool.Selection;
import java.net.URI;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code DecoderPool.select} (and one heartbeat) on an in-memory pool of 100, 1,000 and 10,000 nodes, of
 * which 100 serve the requested pair (en->es; the others serve de->fr), every node with a heartbeat and a
 * load. Cost should follow the candidates, not the pool.
 *
 * <p>Build once, from the repository root: {@code ./mvnw -B -pl benchmarks -am package -DskipTests}.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar PoolSelectBenchmark -prof gc -f 1 -wi 2 -w 1s -i 3 -r 1s
 * }</pre>
 *
 * <p>Read the average time per call and {@code gc.alloc.rate.norm} (bytes allocated per call).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PoolSelectBenchmark {
  /** Nodes in the pool. */
  @Param({"100", "1000", "10000"})
  public int nodes;

  private DecoderPool pool;
  private RoutingRequest request;
  private int beat;

  /** Fills the pool. */
  @Setup(Level.Trial)
  public void setUp() {
    pool = DecoderPools.builder("bench").random(42).build();
    for (int i = 0; i < nodes; i++) {
      boolean serves = i < 100;
      DecoderNode n = DecoderNode.builder("n" + i, URI.create("http://n" + i + ".bench:8001"))
          .languages(serves ? new String[] {"en", "es"} : new String[] {"de", "fr"})
          .region(i % 2 == 0 ? "us-east-1" : "eu-west-1").capacity(100).build();
      pool.register(n);
      pool.heartbeat(n.nodeId(), NodeLoad.of(i % 50));
    }
    request = RoutingRequest.of("en", "es");
  }

  /** Closes the pool. */
  @TearDown(Level.Trial)
  public void tearDown() {
    pool.close();
  }

  /**
   * One selection.
   *
   * @return the selection
   */
  @Benchmark
  public Optional<Selection> select() {
    return pool.select(request);
  }

  /**
   * One heartbeat of a node that serves the pair.
   *
   * @return whether the pool knew the node
   */
  @Benchmark
  public boolean heartbeat() {
    int i = beat++ % 100;
    return pool.heartbeat("n" + i, NodeLoad.of(i % 50));
  }
}
