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
 * Limits as data (issue 21): decisions with {@code LimitPlans} configured against the same limiter without
 * plans, in memory and on Redis, in one run. With plans: 100 plans (each its own never-limiting policy of
 * the same algorithm), 10,000 keys chosen at random, every other key assigned to a plan, so half the
 * decisions go through a plan's limiter and half through the default (see {@link
 * SwitchboardLimiter#withPlans}, which also checks, before the trial, that a key on a plan is decided under
 * it). {@code TOKEN_BUCKET}, the cheapest algorithm, so the plans' own cost shows the most. The target:
 * with plans at least 0.95x without, on both.
 *
 * <ul>
 *   <li>{@code inMemory}: one synchronous {@code tryAcquire}, one thread.
 *   <li>{@code redisAsync}: {@code tryAcquireAsync} with 128 in flight ({@link AsyncWindow}); each trial
 *       starts its own {@code redis-server} (or uses {@code REDIS_URL}, which it FLUSHALLs). The plans live
 *       on the same Redis (its pub/sub subscription and the revision check every second run during the
 *       trial, as in production).
 * </ul>
 *
 * <p>A trial fails if one request is denied or degraded.
 *
 * <p>Build once, from the repository root: {@code ./mvnw -B -pl benchmarks -am package -DskipTests}.
 *
 * <p>Full mode (about 3 minutes: 2 forks, 4 x 2 s warm-up, 5 x 2 s measured):
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar PlansBenchmark -prof gc \
 *     -rf json -rff benchmarks/results/plans.json
 * }</pre>
 *
 * <p>Quick mode (about 1.5 minutes):
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar PlansBenchmark -prof gc -f 1 -i 3 -r 2s
 * }</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class PlansBenchmark {

  /** An in-memory trial: the limiter without plans, or with them. */
  @State(Scope.Benchmark)
  public static class InMemory {
    /** The limiter under test. */
    @Param({"SWITCHBOARD_TOKEN_BUCKET", "SWITCHBOARD_TOKEN_BUCKET_PLANS"})
    public LimiterType memoryLimiter;

    /** How many client keys, chosen at random. */
    @Param({"10000"})
    public int memoryKeys;

    Trial trial;

    /** Builds the limiter (and its plans) and touches every key once. */
    @Setup(Level.Trial)
    public void open() {
      trial = Trial.open(memoryLimiter, memoryKeys);
    }

    /** Closes the limiter; fails the trial if a request was denied. */
    @TearDown(Level.Trial)
    public void close() {
      trial.close();
    }
  }

  /** A Redis trial: the limiter without plans, or with them on the same Redis. */
  @State(Scope.Benchmark)
  public static class OnRedis {
    /** The limiter under test. */
    @Param({"SWITCHBOARD_REDIS_TOKEN_BUCKET", "SWITCHBOARD_REDIS_TOKEN_BUCKET_PLANS"})
    public LimiterType redisLimiter;

    /** How many client keys, chosen at random. */
    @Param({"10000"})
    public int redisKeys;

    Trial trial;
    AsyncWindow inFlight;

    /** Starts Redis, builds the limiter (and its plans) and touches every key once. */
    @Setup(Level.Trial)
    public void open() {
      trial = Trial.open(redisLimiter, redisKeys);
      inFlight = new AsyncWindow(trial, AsyncWindow.SIZE);
    }

    /** Waits for the decisions in flight, closes the limiter and stops Redis. */
    @TearDown(Level.Trial)
    public void close() {
      inFlight.drainThen(trial::close);
    }
  }

  /**
   * One in-memory decision on one thread.
   *
   * @param s the trial
   * @param picker this thread's key picker
   * @return whether it was granted
   */
  @Benchmark
  @Threads(1)
  public boolean inMemory(InMemory s, KeyPicker picker) {
    return s.trial.check(s.trial.limiter.tryAcquire(picker.next(s.memoryKeys)));
  }

  /**
   * Starts one decision on Redis once fewer than 128 are in flight.
   *
   * @param s the trial
   * @param picker the key picker
   * @throws InterruptedException if interrupted while the window is full
   */
  @Benchmark
  @Threads(1)
  public void redisAsync(OnRedis s, KeyPicker picker) throws InterruptedException {
    s.inFlight.submit(picker.next(s.redisKeys));
  }
}
