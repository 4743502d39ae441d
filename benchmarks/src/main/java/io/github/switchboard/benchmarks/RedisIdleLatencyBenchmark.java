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
 * The latency of one decision when the limiter is idle: one thread, synchronous, one decision at a time
 * on 10,000 keys (sample time: JMH reports p50, p90, p99 and more). Coalescing must add nothing here: a
 * decision that finds no call in flight is sent at once, alone. Same limiters as {@link
 * RedisSyncBenchmark}; each trial starts its own {@code redis-server} (or uses {@code REDIS_URL}).
 *
 * <p>Build once, from the repository root: {@code ./mvnw -B -pl benchmarks -am package -DskipTests}.
 *
 * <p>Quick mode (about 1 minute for the Switchboard token bucket, Bucket4j and Redisson):
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar RedisIdleLatencyBenchmark -f 1 -wi 2 -w 1s -i 3 -r 1s \
 *     -p limiter=SWITCHBOARD_REDIS_TOKEN_BUCKET,BUCKET4J_LETTUCE,REDISSON
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class RedisIdleLatencyBenchmark {
  /** The limiter under test. */
  @Param({
    "SWITCHBOARD_REDIS_TOKEN_BUCKET",
    "SWITCHBOARD_REDIS_FIXED_WINDOW",
    "SWITCHBOARD_REDIS_SLIDING_WINDOW_COUNTER",
    "SWITCHBOARD_REDIS_SLIDING_WINDOW_LOG",
    "SWITCHBOARD_REDIS_TOKEN_BUCKET_UNCOALESCED",
    "SWITCHBOARD_REDIS_TOKEN_BUCKET_SHARED_CONNECTION",
    "EVALSHA_TOKEN_BUCKET",
    "BUCKET4J_LETTUCE",
    "REDISSON"
  })
  public LimiterType limiter;

  private Trial trial;
  private int next;

  /** Starts Redis and builds the limiter over 10,000 keys. */
  @Setup(Level.Trial)
  public void open() {
    trial = Trial.open(limiter, 10_000);
  }

  /** Closes the limiter and stops Redis; fails the trial if a request was denied or degraded. */
  @TearDown(Level.Trial)
  public void close() {
    trial.close();
  }

  /**
   * One synchronous decision, one thread.
   *
   * @return whether it was granted
   */
  @Benchmark
  @Threads(1)
  public boolean oneThread() {
    int k = next;
    next = k + 1 == trial.keys.length ? 0 : k + 1;
    return trial.check(trial.limiter.tryAcquire(k));
  }
}
