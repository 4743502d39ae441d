package io.github.switchboard.micrometer;

import io.github.switchboard.cache.CacheStats;
import io.github.switchboard.cache.TranslationCache;
import io.github.switchboard.cache.TranslationCaches;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.micrometer.internal.Names;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * Micrometer meters for a {@link TranslationCache}, each tagged {@code name}:
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>meter</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@value #GETS}</td><td>counter</td><td>{@code result} = {@code near}/{@code hit}/{@code
 *       miss}</td><td>every {@code get} and {@code getOrLoad}, by where its answer came from: the near cache,
 *       Redis (or the memory of a cache without Redis), or nowhere ({@link CacheStats#nearHits()}, {@link
 *       CacheStats#hits()}, {@link CacheStats#misses()})</td></tr>
 *   <tr><td>{@value #LOADS}</td><td>counter</td><td>{@code result} = {@code success}/{@code failure}/{@code
 *       shared}</td><td>what each {@code getOrLoad} miss did: ran the loader here and it returned a value or
 *       failed, or received the value of a load run by another caller, here or on another instance ({@link
 *       CacheStats#loadSuccesses()}, {@link CacheStats#loadFailures()}, {@link
 *       CacheStats#sharedLoads()})</td></tr>
 *   <tr><td>{@value #LOAD_LATENCY}</td><td>timer (count and total)</td><td></td><td>the loads this instance
 *       ran, successful or not, and the time spent in them ({@link CacheStats#loads()}, {@link
 *       CacheStats#totalLoadNanos()})</td></tr>
 *   <tr><td>{@value #BACKEND}</td><td>gauge</td><td></td><td>1 while Redis answers (and always for a cache
 *       without Redis), 0 while the fallback does or the breaker probes Redis</td></tr>
 * </table>
 *
 * <pre>{@code
 * TranslationCache cache = TranslationCacheMetrics.monitor(
 *     registry, TranslationCaches.builder("translations").redis(target).build(), "translations");
 * }</pre>
 *
 * <p>The cache has no listener: every meter reads {@link TranslationCache#stats()} when the registry is
 * scraped (a {@link FunctionCounter}, a {@link FunctionTimer}, a {@link Gauge}), so the cache pays nothing
 * per call for being monitored and the meters count what the cache did before {@code monitor} too. The
 * load timer therefore has a count and a total (hence a mean) but no histogram. The meters hold the cache
 * weakly, as Micrometer's gauges do: one that is no longer used reports {@code NaN} once collected.
 */
public final class TranslationCacheMetrics {

  /** The counter of gets by result. */
  public static final String GETS = "switchboard.cache.gets";

  /** The counter of loads by result. */
  public static final String LOADS = "switchboard.cache.loads";

  /** The timer of the loads this instance ran. */
  public static final String LOAD_LATENCY = "switchboard.cache.load.latency";

  /** The gauge of the backend. */
  public static final String BACKEND = "switchboard.cache.backend";

  private TranslationCacheMetrics() {}

  /**
   * Registers the cache's meters in a registry. The counters start at what the cache has already counted.
   *
   * @param registry where the meters go
   * @param cache the cache to watch
   * @param name the value of the {@code name} tag, usually the cache's name given to {@link
   *     TranslationCaches#builder(String)}
   * @return the cache itself (it needs no wrapper: the meters read its stats)
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the name is empty or blank
   */
  public static TranslationCache monitor(MeterRegistry registry, TranslationCache cache, String name) {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(cache, "cache");
    Names.check(name);
    String gets = "Gets of the translation cache, by where the answer came from (near cache, Redis, none)";
    counter(registry, GETS, gets, name, "near", CacheStats::nearHits, cache);
    counter(registry, GETS, gets, name, "hit", CacheStats::hits, cache);
    counter(registry, GETS, gets, name, "miss", CacheStats::misses, cache);
    String loads = "Misses of the translation cache, by whether this instance loaded (and how it went) or "
        + "received another caller's load";
    counter(registry, LOADS, loads, name, "success", CacheStats::loadSuccesses, cache);
    counter(registry, LOADS, loads, name, "failure", CacheStats::loadFailures, cache);
    counter(registry, LOADS, loads, name, "shared", CacheStats::sharedLoads, cache);
    FunctionTimer.builder(
            LOAD_LATENCY, cache, c -> c.stats().loads(), c -> c.stats().totalLoadNanos(), TimeUnit.NANOSECONDS)
        .description("Loads that this instance of the translation cache ran, successful or not, and their time")
        .tag("name", name)
        .register(registry);
    Gauge.builder(BACKEND, cache, c -> c.backendState() == BackendState.PRIMARY ? 1 : 0)
        .description("1 while Redis answers the translation cache (or it has no Redis), 0 while its fallback does")
        .tag("name", name)
        .register(registry);
    return cache;
  }

  private static void counter(
      MeterRegistry registry,
      String meter,
      String description,
      String name,
      String result,
      ToLongFunction<CacheStats> field,
      TranslationCache cache) {
    FunctionCounter.builder(meter, cache, c -> field.applyAsLong(c.stats()))
        .description(description)
        .tag("name", name)
        .tag("result", result)
        .register(registry);
  }
}
