package io.github.switchboard.benchmarks;

import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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
 * One client far over its limit on Redis (1 permit per hour, used up before the trial), four threads
 * asking at once: every answer is a denial. With the local deny cache (the default) the instance answers
 * itself until the retry-after has passed; without it ({@code localDenyCache=false}, what every call cost
 * before the cache) each denial is one script call. The trial fails if a single request is allowed or
 * degraded; its tear-down prints the script calls Redis ran during the trial.
 *
 * <p>Build once, from the repository root: {@code ./mvnw -B -pl benchmarks -am package -DskipTests}.
 *
 * <p>Quick mode (about 40 s):
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar RedisOverLimitBenchmark -prof gc -f 1 -wi 2 -w 1s -i 3 -r 1s
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class RedisOverLimitBenchmark {
  /** The algorithm. */
  @Param({"TOKEN_BUCKET", "FIXED_WINDOW", "SLIDING_WINDOW_COUNTER", "SLIDING_WINDOW_LOG"})
  public Algorithm algorithm;

  /** Whether the local deny cache is on (the default) or off (one script call per denial). */
  @Param({"true", "false"})
  public boolean localDenyCache;

  private RedisFixture redis;
  private RateLimiter limiter;
  private final LongAdder wrong = new LongAdder();
  private long scriptCallsBefore;

  /** Starts Redis, builds the limiter and uses up the one permit of the hot key. */
  @Setup(Level.Trial)
  public void open() {
    redis = RedisFixture.startOrConnect();
    limiter =
        RateLimiters.builder(
                RateLimitPolicy.builder().algorithm(algorithm).limit(1, Duration.ofHours(1)).build())
            .redis(RedisTarget.parse(redis.url()))
            .keyPrefix(SwitchboardLimiter.PREFIX)
            .localDenyCache(localDenyCache)
            .build();
    if (!limiter.tryAcquire("hot").allowed()) {
      throw new IllegalStateException("the hot key's first request must be allowed");
    }
    scriptCallsBefore = redis.scriptCalls();
  }

  /** Prints the script calls of the trial, closes the limiter and stops Redis. */
  @TearDown(Level.Trial)
  public void close() {
    try {
      System.out.println(
          "\nscript calls during the trial ("
              + algorithm
              + ", localDenyCache="
              + localDenyCache
              + "): "
              + (redis.scriptCalls() - scriptCallsBefore));
      limiter.close();
    } finally {
      redis.close();
    }
    if (wrong.sum() > 0) {
      throw new IllegalStateException(wrong.sum() + " request(s) were allowed or degraded");
    }
  }

  /**
   * One synchronous decision on the over-limit key, four threads at once.
   *
   * @return the decision
   */
  @Benchmark
  @Threads(4)
  public Decision fourThreads() {
    Decision d = limiter.tryAcquire("hot");
    if (d.allowed() || d.degraded()) {
      wrong.increment();
    }
    return d;
  }
}
