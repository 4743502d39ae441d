package io.github.switchboard.benchmarks;

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
 * In-memory decisions per second: one hot key and 10,000 keys chosen at random, on 1 and 2 threads, for
 * each Switchboard algorithm, Bucket4j (lock-free and synchronized), Guava and resilience4j.
 *
 * <p>Build once, from the repository root: {@code ./mvnw -B -pl benchmarks -am package -DskipTests}.
 *
 * <p>Full mode (about 18 minutes):
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar InMemoryBenchmark -prof gc \
 *     -rf json -rff benchmarks/results/in-memory.json
 * }</pre>
 *
 * <p>Quick mode (about 2.5 minutes; {@code benchmarks/run-quick.sh} runs the headline subset):
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar InMemoryBenchmark -prof gc -f 1 -wi 2 -w 1s -i 3 -r 1s
 * }</pre>
 *
 * <p>Read {@code gc.alloc.rate.norm} for the bytes allocated per decision. A trial fails if one request is
 * denied: the policies ({@link BenchmarkPolicy}) are real but never limit, so every call does the full
 * check-and-record work.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class InMemoryBenchmark {
  /** The limiter under test. */
  @Param({
    "SWITCHBOARD_TOKEN_BUCKET",
    "SWITCHBOARD_TOKEN_BUCKET_ALLOW",
    "SWITCHBOARD_FIXED_WINDOW",
    "SWITCHBOARD_FIXED_WINDOW_ALLOW",
    "SWITCHBOARD_SLIDING_WINDOW_COUNTER",
    "SWITCHBOARD_SLIDING_WINDOW_LOG",
    "GUAVA",
    "RESILIENCE4J",
    "BUCKET4J_LOCK_FREE",
    "BUCKET4J_SYNCHRONIZED"
  })
  public LimiterType limiter;

  /** How many client keys: one hot key, or 10,000 chosen at random. */
  @Param({"1", "10000"})
  public int keys;

  private Trial trial;

  /** Builds the limiter and touches every key once. */
  @Setup(Level.Trial)
  public void open() {
    trial = Trial.open(limiter, keys);
  }

  /** Closes the limiter; fails the trial if a request was denied. */
  @TearDown(Level.Trial)
  public void close() {
    trial.close();
  }

  /**
   * One decision on one thread.
   *
   * @param picker this thread's key picker
   * @return whether it was granted
   */
  @Benchmark
  @Threads(1)
  public boolean oneThread(KeyPicker picker) {
    return trial.check(trial.limiter.tryAcquire(picker.next(keys)));
  }

  /**
   * One decision, two threads at once.
   *
   * @param picker this thread's key picker
   * @return whether it was granted
   */
  @Benchmark
  @Threads(2)
  public boolean twoThreads(KeyPicker picker) {
    return trial.check(trial.limiter.tryAcquire(picker.next(keys)));
  }
}
