package io.github.switchboard.cache.internal;

import io.github.switchboard.cache.AsyncTranslationLoader;
import io.github.switchboard.cache.CacheStats;
import io.github.switchboard.cache.TranslationCache;
import io.github.switchboard.cache.TranslationKey;
import io.github.switchboard.cache.TranslationLoadException;
import io.github.switchboard.cache.TranslationLoader;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * What every cache does the same way, whatever holds the entries:
 *
 * - the near tier first (nearGet: no allocation on a hit; the digest is computed once per key object);
 * - one load per key in the process: the first getOrLoad of a key puts its future into `inflight`, later
 *   callers of the key share it (sync callers wait for it, bounded);
 * - the owner asks the shared tier for a Step (acquire): the value, or the right to load (a lease). How
 *   a shared tier waits for another instance's load is its own business; acquire completes with HIT,
 *   SHARED or LOAD;
 * - the owner loads (sync: on the calling thread; async: on the executor), then hands the result back
 *   (stored) or gives the lease up (failed);
 * - counting: every get or getOrLoad counts one of near hit, hit, miss; a getOrLoad miss then counts a
 *   load (success or failure) or a shared load.
 */
/** The parts of a cache common to every backend. */
abstract class AbstractTranslationCache implements TranslationCache {
  static final Logger LOG = LoggerFactory.getLogger(TranslationCache.class);

  /** Where a getOrLoad stands after the near cache missed. */
  static final class Step {
    enum Kind {
      HIT,
      SHARED,
      LOAD
    }

    final Kind kind;
    final @Nullable String value;
    final @Nullable String lease;

    private Step(Kind kind, @Nullable String value, @Nullable String lease) {
      this.kind = kind;
      this.value = value;
      this.lease = lease;
    }

    static Step hit(String value) {
      return new Step(Kind.HIT, value, null);
    }

    static Step shared(String value) {
      return new Step(Kind.SHARED, value, null);
    }

    /** The right to load; {@code lease} null: no lease is held in Redis (local load). */
    static Step load(@Nullable String lease) {
      return new Step(Kind.LOAD, null, lease);
    }
  }

  final CacheSettings settings;
  final Counters counters = new Counters();
  private final ConcurrentHashMap<String, CompletableFuture<String>> inflight = new ConcurrentHashMap<>();
  private final OnceLog oversized = new OnceLog(LOG);

  AbstractTranslationCache(CacheSettings settings) {
    this.settings = settings;
  }

  // ---- what a backend provides ----

  /** The near tier's value of a digest, or null; counts nothing and allocates nothing. */
  abstract @Nullable String nearGet(String digest);

  /** The shared tier's value after a near miss, counted (see {@link #counted}); fills the near tier on a hit. */
  abstract CompletionStage<Optional<String>> lookup(TranslationKey key);

  /** The value, or the right to load (waiting, as the backend does, for another instance's load). */
  abstract CompletionStage<Step> acquire(TranslationKey key);

  /** A load succeeded: keep the value (if cacheable) and free the lease. */
  abstract void stored(TranslationKey key, @Nullable String lease, String value, int utf8Length, boolean cacheable);

  /** A load failed: free the lease so that another caller may load. */
  abstract void failed(TranslationKey key, @Nullable String lease);

  abstract CompletionStage<Void> store(TranslationKey key, String value, int utf8Length);

  abstract CompletionStage<Void> remove(TranslationKey key);

  abstract CompletionStage<Void> removeAll();

  /** The longest a synchronous call waits for a stage of the shared tier. */
  abstract long maxWaitNanos();

  // ---- the contract ----

  @Override
  public final Optional<String> get(TranslationKey key) {
    return await(getAsync(key));
  }

  @Override
  public final CompletionStage<Optional<String>> getAsync(TranslationKey key) {
    Objects.requireNonNull(key, "key");
    String v = nearGet(key.digest());
    if (v != null) {
      counters.nearHits.increment();
      return CompletableFuture.completedFuture(Optional.of(v));
    }
    return lookup(key); // counts the hit or miss itself: one dependent stage less per call
  }

  @Override
  public final void put(TranslationKey key, String value) {
    await(putAsync(key, value));
  }

  @Override
  public final CompletionStage<Void> putAsync(TranslationKey key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    int length = ValueCodec.utf8Length(value);
    if (length > settings.maxValueBytes()) {
      tooLarge(key, length);
      return remove(key); // the old value is no longer the key's result
    }
    return store(key, value, length);
  }

  @Override
  public final void invalidate(TranslationKey key) {
    await(invalidateAsync(key));
  }

  @Override
  public final CompletionStage<Void> invalidateAsync(TranslationKey key) {
    return remove(Objects.requireNonNull(key, "key"));
  }

  @Override
  public final void invalidateAll() {
    await(invalidateAllAsync());
  }

  @Override
  public final CompletionStage<Void> invalidateAllAsync() {
    return removeAll();
  }

  @Override
  public final String getOrLoad(TranslationKey key, TranslationLoader loader) {
    Objects.requireNonNull(loader, "loader");
    String d = key.digest();
    String v = nearGet(d);
    if (v != null) {
      counters.nearHits.increment();
      return v;
    }
    CompletableFuture<String> mine = new CompletableFuture<>();
    CompletableFuture<String> running = inflight.putIfAbsent(d, mine);
    if (running != null) {
      counters.misses.increment();
      String value = await(running);
      counters.sharedLoads.increment();
      return value;
    }
    try {
      Step step;
      try {
        step = await(acquire(key));
      } catch (RuntimeException e) {
        mine.completeExceptionally(e);
        throw e;
      }
      if (step.kind != Step.Kind.LOAD) {
        countFound(step);
        mine.complete(Objects.requireNonNull(step.value));
        return step.value;
      }
      counters.misses.increment();
      long start = System.nanoTime();
      String value;
      try {
        value = loader.load(key);
        if (value == null) {
          throw new TranslationLoadException("the loader of " + key + " returned null", null);
        }
      } catch (Throwable e) {
        loadFailed(key, step.lease, start);
        mine.completeExceptionally(e);
        throw rethrow(e, key);
      }
      loaded(key, step.lease, value, start);
      mine.complete(value);
      return value;
    } finally {
      inflight.remove(d, mine);
    }
  }

  @Override
  public final CompletionStage<String> getOrLoadAsync(TranslationKey key, AsyncTranslationLoader loader) {
    Objects.requireNonNull(loader, "loader");
    String d = key.digest();
    String v = nearGet(d);
    if (v != null) {
      counters.nearHits.increment();
      return CompletableFuture.completedFuture(v);
    }
    CompletableFuture<String> mine = new CompletableFuture<>();
    CompletableFuture<String> running = inflight.putIfAbsent(d, mine);
    if (running != null) {
      counters.misses.increment();
      return running.thenApply(
          value -> {
            counters.sharedLoads.increment();
            return value;
          });
    }
    acquire(key)
        .thenCompose(
            step -> {
              if (step.kind != Step.Kind.LOAD) {
                countFound(step);
                return CompletableFuture.completedFuture(Objects.requireNonNull(step.value));
              }
              counters.misses.increment();
              return loadAsync(key, step.lease, loader);
            })
        .whenComplete(
            (value, error) -> {
              inflight.remove(d, mine);
              if (error != null) {
                mine.completeExceptionally(unwrap(error));
              } else {
                mine.complete(value);
              }
            });
    return mine.minimalCompletionStage();
  }

  private CompletionStage<String> loadAsync(
      TranslationKey key, @Nullable String lease, AsyncTranslationLoader loader) {
    CompletableFuture<String> result = new CompletableFuture<>();
    long start = System.nanoTime();
    try {
      settings
          .executor()
          .execute(
              () -> {
                CompletionStage<String> stage;
                try {
                  stage = Objects.requireNonNull(loader.load(key), "the loader returned a null stage");
                } catch (Throwable e) {
                  result.completeExceptionally(e);
                  return;
                }
                stage.whenComplete(
                    (value, error) -> {
                      if (error == null && value == null) {
                        error = new TranslationLoadException("the loader of " + key + " returned null", null);
                      }
                      if (error != null) {
                        result.completeExceptionally(unwrap(error));
                      } else {
                        result.complete(value);
                      }
                    });
              });
    } catch (RuntimeException e) {
      result.completeExceptionally(e); // the executor refused
    }
    return result.whenComplete(
        (value, error) -> {
          if (error != null) {
            loadFailed(key, lease, start);
          } else {
            loaded(key, lease, value, start);
          }
        });
  }

  /** Counts a lookup's result as a hit or a miss, and returns it. */
  final Optional<String> counted(Optional<String> found) {
    (found.isPresent() ? counters.hits : counters.misses).increment();
    return found;
  }

  private void countFound(Step step) {
    if (step.kind == Step.Kind.HIT) {
      counters.hits.increment();
    } else {
      counters.misses.increment();
      counters.sharedLoads.increment();
    }
  }

  private void loaded(TranslationKey key, @Nullable String lease, String value, long start) {
    counters.loadNanos.add(System.nanoTime() - start);
    counters.loadSuccesses.increment();
    int length = ValueCodec.utf8Length(value);
    boolean cacheable = length <= settings.maxValueBytes();
    if (!cacheable) {
      tooLarge(key, length);
    }
    try {
      stored(key, lease, value, length, cacheable);
    } catch (RuntimeException e) {
      LOG.warn("Cache '{}': keeping a loaded value failed; it is returned uncached", settings.name(), e);
    }
  }

  private void loadFailed(TranslationKey key, @Nullable String lease, long start) {
    counters.loadNanos.add(System.nanoTime() - start);
    counters.loadFailures.increment();
    try {
      failed(key, lease);
    } catch (RuntimeException e) {
      LOG.debug("Cache '{}': giving a lease back failed", settings.name(), e);
    }
  }

  private void tooLarge(TranslationKey key, int length) {
    counters.notCached.increment();
    oversized.warn(
        "Cache '{}': a value of {} bytes (for {}) exceeds maxValueBytes {}; returned but not cached",
        settings.name(),
        length,
        key,
        settings.maxValueBytes());
  }

  @Override
  public final CacheStats stats() {
    return counters.snapshot();
  }

  @Override
  public final String name() {
    return settings.name();
  }

  /** Waits for a stage within {@link #maxWaitNanos()}, rethrowing its failure as the contract says. */
  final <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(maxWaitNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TranslationLoadException("interrupted while waiting for the cache", e);
    } catch (ExecutionException e) {
      throw rethrow(e.getCause() == null ? e : e.getCause(), null);
    } catch (TimeoutException e) {
      throw new TranslationLoadException(
          "cache '" + settings.name() + "' did not answer within " + TimeUnit.NANOSECONDS.toMillis(maxWaitNanos()) + " ms", e);
    }
  }

  private static RuntimeException rethrow(Throwable e, @Nullable TranslationKey key) {
    Throwable cause = unwrap(e);
    if (cause instanceof RuntimeException r) {
      return r;
    }
    if (cause instanceof Error err) {
      throw err;
    }
    return new TranslationLoadException(
        "the load " + (key == null ? "" : "of " + key + " ") + "failed: " + cause, cause);
  }

  static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }
}
