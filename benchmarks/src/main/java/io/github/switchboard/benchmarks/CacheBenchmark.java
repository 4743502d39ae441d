package io.github.switchboard.benchmarks;

import java.util.concurrent.TimeUnit;
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
 * The translation cache (issue 20) beside its peers, three scenarios in one run:
 *
 * <ul>
 *   <li>{@code nearHit}: {@code TranslationCache.getOrLoad(key, loader)} answered by the near cache, one
 *       thread, 64 keys already loaded (the same {@code TranslationKey} objects every time); against
 *       Redisson's {@code RLocalCachedMap.get} and Caffeine's {@code getIfPresent} (the ceiling).
 *   <li>{@code redisHit}: {@code getAsync} with the near cache off, 128 in flight, over 10,000 keys of
 *       200-byte results chosen at random; against Redisson's {@code RMap.getAsync} and {@code
 *       RBucket.getAsync} and a raw Lettuce {@code GET} of the same keys and bytes (the ceiling).
 *   <li>{@code miss}: {@code getOrLoadAsync} of a key never asked before (a new one every call), the loader
 *       answering at once, 128 in flight; near cache off and on.
 * </ul>
 *
 * <p>Each Redis-backed trial starts its own {@code redis-server} (or uses {@code REDIS_URL}, which it
 * FLUSHALLs) and prints {@code MEMORY USAGE} of one entry after filling it. A trial fails if one read
 * misses or one load answers another value, and Switchboard's own counters must show that every call took
 * the scenario's path (all near hits; all Redis hits; every miss a load of its own).
 *
 * <p>Warm-up: a near hit is steady within a second, but on 2 cores, where the JIT compiles beside the
 * run, the Redis scenarios keep speeding up for 10 to 15 s (Redisson's reads the longest: 18,000/s after
 * 6 s, 52,000/s after 14 s), so {@code redisHit} and {@code miss} warm up for 8 x 2 s; a shorter warm-up
 * flatters Switchboard against Redisson. The quick mode keeps these warm-ups and shortens the rest.
 *
 * <p>Build once, from the repository root: {@code ./mvnw -B -pl benchmarks -am package -DskipTests}.
 *
 * <p>Full mode (about 7 minutes: 2 forks; near 3 x 1 s warm-up and 5 x 1 s measured, Redis 8 x 2 s
 * warm-up and 5 x 1 s measured):
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar CacheBenchmark -prof gc \
 *     -rf json -rff benchmarks/results/cache.json
 * }</pre>
 *
 * <p>Quick mode (about 3.5 minutes; also in {@code benchmarks/run-quick.sh}):
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar CacheBenchmark -prof gc -f 1 -i 3 -r 1s
 * }</pre>
 *
 * <p>Read {@code gc.alloc.rate.norm} for the bytes allocated per call, by every thread of the JVM (on
 * Redis, the clients' I/O threads too).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class CacheBenchmark {

  /** A near-hit trial: the cache filled with a few keys, each already near. */
  @State(Scope.Benchmark)
  public static class NearHit {
    /** The cache under test. */
    @Param({"SWITCHBOARD_NEAR", "REDISSON_LOCAL_CACHED_MAP", "REDISSON_LOCAL_CACHED_MAP_OBJECT_KEY", "CAFFEINE"})
    public CacheType cache;

    /** How many keys are read, chosen at random. */
    @Param({"64"})
    public int keys;

    CacheTrial trial;

    /** Starts Redis, builds and fills the cache. */
    @Setup(Level.Trial)
    public void open() {
      trial = CacheTrial.open(cache, CacheTrial.Scenario.NEAR_HIT, keys);
    }

    /** Checks every read was near, closes the cache and stops Redis. */
    @TearDown(Level.Trial)
    public void close() {
      trial.close();
    }
  }

  /** What the asynchronous trials share: the trial and its window of calls in flight. */
  public abstract static class InFlight {
    CacheTrial trial;
    AsyncWindow inFlight;

    final void open(CacheType cache, CacheTrial.Scenario scenario, int keys, int window) {
      trial = CacheTrial.open(cache, scenario, keys);
      inFlight = new AsyncWindow(trial, window);
    }

    /** Waits for the calls in flight, checks them, closes the cache and stops Redis. */
    @TearDown(Level.Trial)
    public void close() {
      inFlight.drainThen(trial::close);
    }
  }

  /** A remote-hit trial: 10,000 keys in Redis, read 128 at a time. */
  @State(Scope.Benchmark)
  public static class RedisHit extends InFlight {
    /** The cache under test. */
    @Param({"SWITCHBOARD_REMOTE", "REDISSON_MAP", "REDISSON_BUCKET", "LETTUCE_GET"})
    public CacheType cache;

    /** How many keys are read, chosen at random. */
    @Param({"10000"})
    public int keys;

    /** How many reads may be in flight. */
    @Param({"128"})
    public int window;

    /** Starts Redis, builds and fills the cache. */
    @Setup(Level.Trial)
    public void open() {
      open(cache, CacheTrial.Scenario.REDIS_HIT, keys, window);
    }
  }

  /** A miss trial: an empty cache, every call on a new key. */
  @State(Scope.Benchmark)
  public static class Miss extends InFlight {
    /** The cache under test. */
    @Param({"SWITCHBOARD_REMOTE", "SWITCHBOARD_NEAR"})
    public CacheType cache;

    /** How many get-or-loads may be in flight. */
    @Param({"128"})
    public int window;

    int next;

    /** Starts Redis and builds the cache, empty. */
    @Setup(Level.Trial)
    public void open() {
      open(cache, CacheTrial.Scenario.MISS, 0, window);
    }
  }

  /**
   * One near-cache read on one thread.
   *
   * @param state the trial
   * @param picker this thread's key picker
   * @return the result
   */
  @Benchmark
  @Threads(1)
  @Warmup(iterations = 3, time = 1)
  @Measurement(iterations = 5, time = 1)
  public @Nullable String nearHit(NearHit state, KeyPicker picker) {
    return state.trial.get(picker.next(state.keys));
  }

  /**
   * Starts one remote read once fewer than {@code window} are in flight.
   *
   * @param state the trial
   * @param picker the key picker
   * @throws InterruptedException if interrupted while the window is full
   */
  @Benchmark
  @Threads(1)
  @Warmup(iterations = 8, time = 2)
  @Measurement(iterations = 5, time = 1)
  public void redisHit(RedisHit state, KeyPicker picker) throws InterruptedException {
    state.inFlight.submit(picker.next(state.keys));
  }

  /**
   * Starts one get-or-load of a new key once fewer than {@code window} are in flight.
   *
   * @param state the trial
   * @throws InterruptedException if interrupted while the window is full
   */
  @Benchmark
  @Threads(1)
  @Warmup(iterations = 8, time = 2)
  @Measurement(iterations = 5, time = 1)
  public void miss(Miss state) throws InterruptedException {
    state.inFlight.submit(state.next++);
  }
}
