package io.github.switchboard.benchmarks;

import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/*
 * The facade every cache under test is seen through, as Limiter is for the rate limiters. Keys are passed
 * by index into the trial's CacheData, so that an adapter may precompute what its library needs per key (a
 * Redisson RBucket, a Redis key name) and the harness allocates nothing per call. Futures are returned as
 * the library makes them, so that the harness adds nothing to what the library allocates.
 */
/** One cache under test, whatever its library. */
interface CachePeer extends AutoCloseable {

  /**
   * Fills the cache with every key of the trial's data (before measuring).
   *
   * @param data the keys and results
   */
  void fill(CacheData data);

  /**
   * Reads a key synchronously: for a near cache, from the process's memory.
   *
   * @param key the index of the key in the trial's data
   * @return the result, or null on a miss
   * @throws UnsupportedOperationException if the peer has no synchronous read that is measured
   */
  default @Nullable String get(int key) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " has no near read");
  }

  /**
   * Reads a key asynchronously from Redis.
   *
   * @param key the index of the key in the trial's data
   * @return the library's future
   * @throws UnsupportedOperationException if the peer has no asynchronous read
   */
  default CompletionStage<?> getAsync(int key) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " has no asynchronous read");
  }

  /**
   * Tells whether the result of {@link #getAsync(int)} or {@link #loadFresh(int)} is a hit (or the
   * loaded value).
   *
   * @param result the value the future completed with
   * @return true if it is
   */
  default boolean found(@Nullable Object result) {
    return result != null;
  }

  /**
   * Gets or loads a key never asked before, with a loader that answers at once.
   *
   * @param n the sequence number of the fresh key
   * @return the library's future
   * @throws UnsupportedOperationException if the peer has no get-or-load
   */
  default CompletionStage<?> loadFresh(int n) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " has no get-or-load");
  }

  /**
   * Prints the Redis memory that one entry takes ({@code MEMORY USAGE}), for a peer on Redis.
   *
   * @param redis the trial's server
   */
  default void printMemoryUsage(RedisFixture redis) {}

  /**
   * Checks, after the measurement, that every call took the path the scenario measures.
   *
   * @param scenario what was measured
   * @throws IllegalStateException if a call did not, so that the trial's number is not valid
   */
  default void verify(CacheTrial.Scenario scenario) {}

  @Override
  void close();
}
