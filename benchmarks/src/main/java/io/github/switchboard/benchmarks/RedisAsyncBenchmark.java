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
 * Asynchronous decisions on Redis with a window of 128 in flight, over 10,000 keys chosen at random:
 * completed decisions per second (each invocation waits for a free slot in the window, then starts one
 * decision; see {@link AsyncWindow}). The raw EVALSHA rows are the ceiling each Switchboard algorithm's
 * overhead is measured from. Each trial starts its own {@code redis-server} (or uses {@code REDIS_URL}).
 *
 * <p>Build once, from the repository root: {@code ./mvnw -B -pl benchmarks -am package -DskipTests}.
 *
 * <p>Full mode (about 6 minutes):
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar RedisAsyncBenchmark -prof gc \
 *     -rf json -rff benchmarks/results/redis-async.json
 * }</pre>
 *
 * <p>Quick mode (about 1 minute):
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar RedisAsyncBenchmark -prof gc -f 1 -wi 2 -w 1s -i 3 -r 1s
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class RedisAsyncBenchmark {
  /** The limiter under test. */
  @Param({
    "SWITCHBOARD_REDIS_TOKEN_BUCKET",
    "SWITCHBOARD_REDIS_FIXED_WINDOW",
    "SWITCHBOARD_REDIS_SLIDING_WINDOW_COUNTER",
    "SWITCHBOARD_REDIS_SLIDING_WINDOW_LOG",
    "SWITCHBOARD_REDIS_TOKEN_BUCKET_UNCOALESCED",
    "EVALSHA_TOKEN_BUCKET",
    "EVALSHA_FIXED_WINDOW",
    "EVALSHA_SLIDING_WINDOW_COUNTER",
    "EVALSHA_SLIDING_WINDOW_LOG",
    "BUCKET4J_LETTUCE",
    "REDISSON"
  })
  public LimiterType limiter;

  /** How many client keys, chosen at random. */
  @Param({"10000"})
  public int keys;

  /** How many decisions may be in flight. */
  @Param({"128"})
  public int window;

  private Trial trial;
  private AsyncWindow inFlight;

  /** Starts Redis and builds the limiter. */
  @Setup(Level.Trial)
  public void open() {
    trial = Trial.open(limiter, keys);
    inFlight = new AsyncWindow(trial, window);
  }

  /** Waits for the decisions in flight, closes the limiter and stops Redis. */
  @TearDown(Level.Trial)
  public void close() {
    inFlight.drainThen(trial::close);
  }

  /**
   * Starts one decision once fewer than {@code window} are in flight.
   *
   * @param picker the key picker
   * @throws InterruptedException if interrupted while the window is full
   */
  @Benchmark
  @Threads(1)
  public void completed(KeyPicker picker) throws InterruptedException {
    inFlight.submit(picker.next(keys));
  }
}
