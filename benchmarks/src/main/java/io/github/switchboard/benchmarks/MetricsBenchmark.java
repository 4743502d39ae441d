package io.github.switchboard.benchmarks;

import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.micrometer.RateLimiterMetrics;
import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
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
 * The cost of Micrometer per decision: the same token-bucket limiter (in memory, and on Redis) with no
 * meters, monitored into a {@code SimpleMeterRegistry}, and monitored into a {@code PrometheusMeterRegistry}
 * (what the example coordinator scrapes), side by side in one run; 10,000 keys chosen at random, one
 * thread. {@code tryAcquire} returns a {@code Decision}; {@code allow} only the verdict (the in-memory
 * limiter then allocates nothing without meters, and a monitored one builds the {@code Decision} it needs
 * for the {@code degraded} tag).
 *
 * <p>Build once, from the repository root: {@code ./mvnw -B -pl benchmarks -am package -DskipTests}.
 *
 * <p>Quick mode (about 3.5 minutes; the figures in {@code docs/benchmarks.md}, "Metrics"):
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar MetricsBenchmark -prof gc -f 1 -wi 3 -w 1s -i 5 -r 1s
 * }</pre>
 *
 * <p>Full mode (about 10 minutes): {@code java -jar benchmarks/target/benchmarks.jar MetricsBenchmark -prof gc}.
 * A trial fails if one request is denied or degraded (the policy never limits; see {@link
 * BenchmarkPolicy}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class MetricsBenchmark {
  /** Where the limiter keeps its state. */
  @Param({"MEMORY", "REDIS"})
  public String backend;

  /** Which registry the limiter is monitored into, if any. */
  @Param({"NONE", "SIMPLE", "PROMETHEUS"})
  public String metrics;

  private static final int KEYS = 10_000;

  private String[] keys;
  private @Nullable RedisFixture redis;
  private @Nullable MeterRegistry registry;
  private RateLimiter limiter;
  private final LongAdder refused = new LongAdder();

  /** Starts Redis if needed, builds the limiter, attaches the meters and touches every key once. */
  @Setup(Level.Trial)
  public void open() {
    keys = KeySpace.clients(KEYS);
    RateLimiters.Builder b = RateLimiters.builder(BenchmarkPolicy.switchboard(Algorithm.TOKEN_BUCKET));
    if (backend.equals("REDIS")) {
      RedisFixture r = RedisFixture.startOrConnect();
      redis = r;
      b.redis(RedisTarget.parse(r.url()));
    } else if (!backend.equals("MEMORY")) {
      throw new IllegalArgumentException("backend must be MEMORY or REDIS, was " + backend);
    }
    RateLimiter plain = b.build();
    MeterRegistry reg =
        switch (metrics) {
          case "NONE" -> null;
          case "SIMPLE" -> new SimpleMeterRegistry();
          case "PROMETHEUS" -> new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
          default -> throw new IllegalArgumentException(
              "metrics must be NONE, SIMPLE or PROMETHEUS, was " + metrics);
        };
    registry = reg;
    limiter = reg == null ? plain : RateLimiterMetrics.monitor(reg, plain, "bench");
    for (String key : keys) {
      check(limiter.tryAcquire(key));
    }
  }

  private boolean check(Decision d) {
    boolean ok = d.allowed() && !d.degraded();
    if (!ok) {
      refused.increment();
    }
    return ok;
  }

  /** Closes the limiter and Redis; fails the trial if a request was denied or degraded. */
  @TearDown(Level.Trial)
  public void close() {
    limiter.close();
    MeterRegistry reg = registry;
    if (reg != null) {
      reg.close();
    }
    RedisFixture r = redis;
    if (r != null) {
      r.close();
    }
    if (refused.sum() > 0) {
      throw new IllegalStateException(
          refused.sum() + " requests were denied or degraded: the figures would not measure the full path");
    }
  }

  /**
   * One decision, with its {@code Decision}.
   *
   * @param picker this thread's key picker
   * @return whether it was granted
   */
  @Benchmark
  @Threads(1)
  public boolean tryAcquire(KeyPicker picker) {
    return check(limiter.tryAcquire(keys[picker.next(KEYS)]));
  }

  /**
   * One decision, the verdict only.
   *
   * @param picker this thread's key picker
   * @return whether it was granted
   */
  @Benchmark
  @Threads(1)
  public boolean allow(KeyPicker picker) {
    boolean ok = limiter.allow(keys[picker.next(KEYS)]);
    if (!ok) {
      refused.increment();
    }
    return ok;
  }
}
