package io.github.switchboard.benchmarks;

import java.util.concurrent.CompletionStage;

/*
 * The facade every limiter under test is seen through (Caffeine's BasicCache plays this part in its
 * benchmarks). Keys are passed by index into the benchmark's precomputed key array, so that an adapter may
 * precompute what its library needs per key (a Bucket4j proxy, a Redisson object, the KEYS array of a raw
 * EVALSHA) and the harness allocates nothing per call. Adapters over a library that takes the client's key
 * as a string (Switchboard, and the in-memory peers behind a per-client map) look the string up per call,
 * as an application would.
 */
/** One rate limiter under test, whatever its library. */
interface Limiter extends AutoCloseable {

  /**
   * Asks for one permit, synchronously.
   *
   * @param key the index of the key in the benchmark's key array
   * @return true if the limiter's primary backend granted the permit
   */
  boolean tryAcquire(int key);

  /**
   * Asks for one permit without blocking; the library's own future is returned as it is, so that the
   * harness adds nothing to what the library allocates.
   *
   * @param key the index of the key in the benchmark's key array
   * @return the library's future
   * @throws UnsupportedOperationException if the library has no asynchronous API
   */
  default CompletionStage<?> tryAcquireAsync(int key) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " has no asynchronous API");
  }

  /**
   * Tells whether the result of {@link #tryAcquireAsync(int)} is a grant by the primary backend.
   *
   * @param result the value the future completed with
   * @return true if granted
   */
  default boolean granted(Object result) {
    return Boolean.TRUE.equals(result);
  }

  @Override
  void close();
}
