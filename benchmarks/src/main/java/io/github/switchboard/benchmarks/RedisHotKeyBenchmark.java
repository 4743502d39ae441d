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
 * One hot key on Redis, four threads deciding on it at once: where a compare-and-swap limiter (Bucket4j's
 * Lettuce proxy manager) retries and a one-script limiter does not. Same limiters as
 * {@link RedisSyncBenchmark}; each trial starts its own {@code redis-server} (or uses {@code REDIS_URL}).
 *
 * <p>Build once, from the repository root: {@code ./mvnw -B -pl benchmarks -am package -DskipTests}.
 *
 * <p>Full mode (about 6 minutes):
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar RedisHotKeyBenchmark -prof gc \
 *     -rf json -rff benchmarks/results/redis-hot-key.json
 * }</pre>
 *
 * <p>Quick mode (about 1 minute):
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar RedisHotKeyBenchmark -prof gc -f 1 -wi 2 -w 1s -i 3 -r 1s
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class RedisHotKeyBenchmark {
  /** The limiter under test. */
  @Param({
    "SWITCHBOARD_REDIS_TOKEN_BUCKET",
    "SWITCHBOARD_REDIS_FIXED_WINDOW",
    "SWITCHBOARD_REDIS_SLIDING_WINDOW_COUNTER",
    "SWITCHBOARD_REDIS_SLIDING_WINDOW_LOG",
    "EVALSHA_TOKEN_BUCKET",
    "EVALSHA_FIXED_WINDOW",
    "EVALSHA_SLIDING_WINDOW_COUNTER",
    "EVALSHA_SLIDING_WINDOW_LOG",
    "BUCKET4J_LETTUCE",
    "REDISSON"
  })
  public LimiterType limiter;

  private Trial trial;

  /** Starts Redis and builds the limiter over the one key. */
  @Setup(Level.Trial)
  public void open() {
    trial = Trial.open(limiter, 1);
  }

  /** Closes the limiter and stops Redis; fails the trial if a request was denied or degraded. */
  @TearDown(Level.Trial)
  public void close() {
    trial.close();
  }

  /**
   * One synchronous decision on the hot key, four threads at once.
   *
   * @return whether it was granted
   */
  @Benchmark
  @Threads(4)
  public boolean fourThreads() {
    return trial.check(trial.limiter.tryAcquire(0));
  }
}
