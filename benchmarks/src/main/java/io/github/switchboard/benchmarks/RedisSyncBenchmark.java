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
 * Synchronous decisions per second on Redis over 10,000 keys chosen at random, on 1 and 4 threads: each
 * Switchboard algorithm, the raw EVALSHA of its script (the ceiling), Bucket4j's Lettuce proxy manager
 * and Redisson's {@code RRateLimiter}. Every trial starts its own {@code redis-server} on a free port (or
 * uses {@code REDIS_URL}, which it FLUSHALLs), and stops it after.
 *
 * <p>Build once, from the repository root: {@code ./mvnw -B -pl benchmarks -am package -DskipTests}.
 *
 * <p>Full mode (about 12 minutes):
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar RedisSyncBenchmark -prof gc \
 *     -rf json -rff benchmarks/results/redis-sync.json
 * }</pre>
 *
 * <p>Quick mode (about 2 minutes):
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar RedisSyncBenchmark -prof gc -f 1 -wi 2 -w 1s -i 3 -r 1s
 * }</pre>
 *
 * <p>The JVM and redis-server share the machine's cores, as they would on a small host; compare numbers
 * within one run only.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class RedisSyncBenchmark {
  /** The limiter under test. */
  @Param({
    "SWITCHBOARD_REDIS_TOKEN_BUCKET",
    "SWITCHBOARD_REDIS_FIXED_WINDOW",
    "SWITCHBOARD_REDIS_SLIDING_WINDOW_COUNTER",
    "SWITCHBOARD_REDIS_SLIDING_WINDOW_LOG",
    "SWITCHBOARD_REDIS_TOKEN_BUCKET_UNCOALESCED",
    "SWITCHBOARD_REDIS_TOKEN_BUCKET_SHARED_CONNECTION",
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

  private Trial trial;

  /** Starts Redis and builds the limiter. */
  @Setup(Level.Trial)
  public void open() {
    trial = Trial.open(limiter, keys);
  }

  /** Closes the limiter and stops Redis; fails the trial if a request was denied or degraded. */
  @TearDown(Level.Trial)
  public void close() {
    trial.close();
  }

  /**
   * One synchronous decision on one thread.
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
   * One synchronous decision, four threads at once.
   *
   * @param picker this thread's key picker
   * @return whether it was granted
   */
  @Benchmark
  @Threads(4)
  public boolean fourThreads(KeyPicker picker) {
    return trial.check(trial.limiter.tryAcquire(picker.next(keys)));
  }
}
