package io.github.switchboard.benchmarks;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/*
 * Everything one cache trial owns: the data, the Redis server (for Redis-backed caches), the cache, and
 * the counter that makes a trial fail instead of reporting a flattering number: a read that missed or
 * failed, a load that answered something else. After the measurement the cache itself is asked whether
 * every call took the scenario's path (CachePeer.verify: Switchboard's counters, Redisson's local cache).
 */
/** The state of one cache benchmark trial. */
final class CacheTrial implements AutoCloseable, AsyncWindow.Calls {
  /** What a trial measures. */
  enum Scenario {
    /** Synchronous reads answered by the process's memory. */
    NEAR_HIT,
    /** Asynchronous reads answered by Redis. */
    REDIS_HIT,
    /** Get-or-load of keys never asked before, the loader answering at once. */
    MISS
  }

  final CachePeer peer;
  private final Scenario scenario;
  private final @Nullable RedisFixture redis;
  private final LongAdder refused = new LongAdder();

  private CacheTrial(CachePeer peer, Scenario scenario, @Nullable RedisFixture redis) {
    this.peer = peer;
    this.scenario = scenario;
    this.redis = redis;
  }

  /**
   * Opens a trial: starts (or connects to and flushes) Redis if the cache needs it, builds the cache,
   * fills it with the keys and prints the Redis memory one entry takes.
   *
   * @param type the cache under test
   * @param scenario what is measured
   * @param keyCount how many keys are filled before measuring (0 for misses)
   * @return the trial, to be closed in the trial's tear-down
   */
  static CacheTrial open(CacheType type, Scenario scenario, int keyCount) {
    CacheData data = CacheData.of(keyCount);
    RedisFixture redis = type.usesRedis() ? RedisFixture.startOrConnect() : null;
    CachePeer peer = RedisFixture.buildOrStop(redis, () -> type.create(redis));
    CacheTrial trial = new CacheTrial(peer, scenario, redis);
    try {
      peer.fill(data);
      if (redis != null && keyCount > 0) {
        peer.printMemoryUsage(redis);
      }
    } catch (RuntimeException | Error e) {
      trial.closeQuietly();
      throw e;
    }
    return trial;
  }

  /**
   * Prints {@code MEMORY USAGE} of the first key that matches a pattern.
   *
   * @param redis the server
   * @param what what the key is
   * @param match the SCAN pattern
   * @param entries how many cache entries the key holds
   */
  static void printMemoryUsage(RedisFixture redis, String what, String match, int entries) {
    List<String> found = redis.keys(match);
    if (found.isEmpty()) {
      System.out.println("\nMEMORY USAGE, " + what + ": no key matches " + match);
      return;
    }
    String key = found.get(0);
    long bytes = redis.memoryUsage(key);
    System.out.println(
        "\nMEMORY USAGE, "
            + what
            + " ("
            + key.length()
            + "-character key "
            + key
            + "): "
            + bytes
            + " bytes"
            + (entries > 1 ? " for " + entries + " entries, " + bytes / entries + " bytes per entry" : ""));
  }

  /**
   * Reads a key synchronously, counting a miss.
   *
   * @param key the key index
   * @return the result
   */
  @Nullable String get(int key) {
    String v = peer.get(key);
    if (v == null) {
      refused.increment();
    }
    return v;
  }

  /** Starts a remote read, or for {@link Scenario#MISS} a get-or-load of fresh key number {@code key}. */
  @Override
  public CompletionStage<?> start(int key) {
    return scenario == Scenario.MISS ? peer.loadFresh(key) : peer.getAsync(key);
  }

  @Override
  public boolean succeeded(Object result) {
    return peer.found(result);
  }

  @Override
  public void refuse() {
    refused.increment();
  }

  private void closeQuietly() {
    try {
      RedisFixture.closeThenStop(peer::close, redis);
    } catch (RuntimeException e) {
      // the setup failure is what matters
    }
  }

  /** Checks the calls took the scenario's path, closes the cache and stops Redis. */
  @Override
  public void close() {
    try {
      peer.verify(scenario);
    } finally {
      RedisFixture.closeThenStop(peer::close, redis);
    }
    long n = refused.sum();
    if (n > 0) {
      throw new IllegalStateException(
          n + " call(s) missed, failed or answered another value: this trial's number is not valid");
    }
  }
}
