package io.github.switchboard.cache;

import io.github.switchboard.core.BackendState;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A cache of decoder results, shared through Redis by every instance built with the same name, or local
 * to this process when built without Redis. Built by {@link TranslationCaches#builder(String)}.
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li><b>One load per key.</b> Concurrent {@link #getOrLoad} calls of one key, on any number of instances
 *       that share a Redis, run the loader once; the others receive its value. A failed load caches
 *       nothing: the callers waiting for it in the same process receive the failure, instances elsewhere
 *       try again. A load that outlives {@code loadTimeout} lets another instance load.
 *   <li><b>Near cache.</b> Up to {@code nearCacheSize} results are kept in the process; a {@link #put},
 *       {@link #invalidate} or {@link #invalidateAll} on any instance reaches every near cache within 1 s.
 *       After the connection to Redis comes back, no near cache serves an entry that may have changed
 *       while it was cut off.
 *   <li><b>Redis gone.</b> Every call still answers: gets from the near cache, {@code getOrLoad} from the
 *       near cache then the loader (one load per key per process); no call throws because of Redis, and
 *       the cache returns to Redis by itself. Invalidations made meanwhile are sent to Redis when it is
 *       back.
 *   <li><b>Bounds.</b> Every Redis key has a time to live; a value above {@code maxValueBytes} is returned
 *       but not cached; a value in Redis that cannot be read is a miss, reported once and replaced.
 * </ul>
 *
 * <p>Thread-safe. Asynchronous calls complete on a Redis I/O thread or on the cache's executor: do not
 * block in their continuations. Synchronous calls wait for Redis at most twice the command timeout per
 * round trip, and for another instance's load at most {@code loadTimeout} before loading themselves.
 */
public interface TranslationCache extends AutoCloseable {

  /**
   * Returns the cached result of a key, from the near cache or Redis.
   *
   * @param key the key
   * @return the result, or empty on a miss
   * @throws NullPointerException if key is null
   */
  Optional<String> get(TranslationKey key);

  /**
   * Asynchronous twin of {@link #get}.
   *
   * @param key the key
   * @return the result, or empty on a miss
   * @throws NullPointerException if key is null
   */
  CompletionStage<Optional<String>> getAsync(TranslationKey key);

  /**
   * Stores a result (replacing any), and drops the other instances' near copies of the key. A value above
   * {@code maxValueBytes} is not stored (logged once).
   *
   * @param key the key
   * @param value the result
   * @throws NullPointerException if an argument is null
   */
  void put(TranslationKey key, String value);

  /**
   * Asynchronous twin of {@link #put}.
   *
   * @param key the key
   * @param value the result
   * @return completes when Redis has the value (or the fallback took it)
   * @throws NullPointerException if an argument is null
   */
  CompletionStage<Void> putAsync(TranslationKey key, String value);

  /**
   * Removes a key's result here, in Redis and in every instance's near cache.
   *
   * @param key the key
   * @throws NullPointerException if key is null
   */
  void invalidate(TranslationKey key);

  /**
   * Asynchronous twin of {@link #invalidate}.
   *
   * @param key the key
   * @return completes when Redis has removed it (or, Redis gone, when it is queued to be removed)
   * @throws NullPointerException if key is null
   */
  CompletionStage<Void> invalidateAsync(TranslationKey key);

  /**
   * Makes every entry of this cache unreachable on every instance at once, in O(1) however many entries
   * there are (the entries of the old generation expire with their time to live).
   */
  void invalidateAll();

  /**
   * Asynchronous twin of {@link #invalidateAll}.
   *
   * @return completes when Redis has the new generation (or, Redis gone, when it is queued)
   */
  CompletionStage<Void> invalidateAllAsync();

  /**
   * Returns the cached result of a key or, on a miss, loads it once across the fleet and caches it. The
   * loader runs on the calling thread when this instance loads.
   *
   * @param key the key
   * @param loader computes the result on a miss
   * @return the result
   * @throws NullPointerException if an argument is null
   * @throws TranslationLoadException if the load failed with a checked exception or returned null, or
   *     the wait for a load was interrupted
   * @throws RuntimeException the loader's own unchecked exception, as it threw it (here or in another
   *     caller of the same key in this process)
   */
  String getOrLoad(TranslationKey key, TranslationLoader loader);

  /**
   * Asynchronous twin of {@link #getOrLoad}: the loader is called on the cache's executor.
   *
   * @param key the key
   * @param loader starts computing the result on a miss
   * @return the result, or the load's failure
   * @throws NullPointerException if an argument is null
   */
  CompletionStage<String> getOrLoadAsync(TranslationKey key, AsyncTranslationLoader loader);

  /**
   * Returns what this instance has done since it was built.
   *
   * @return the counters
   */
  CacheStats stats();

  /**
   * Returns this cache's name (the builder's).
   *
   * @return the name
   */
  String name();

  /**
   * Returns which backend answers now: {@link BackendState#PRIMARY} when Redis does (and always for a
   * cache without Redis), {@link BackendState#FALLBACK} while the circuit breaker is open, {@link
   * BackendState#PROBING} while it tries Redis again.
   *
   * @return the backend state
   */
  BackendState backendState();

  /**
   * Returns how many results the near cache holds now (approximately).
   *
   * @return the near cache's size
   */
  long nearCacheEntries();

  /** Releases the cache's resources: a Redis connection it opened (never one handed in), its memory. */
  @Override
  void close();
}
