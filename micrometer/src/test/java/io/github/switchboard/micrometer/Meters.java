package io.github.switchboard.micrometer;

import io.micrometer.core.instrument.MeterRegistry;

/** Reads the meters of a registry by name and tags, failing if one is missing. */
final class Meters {
  private final MeterRegistry registry;
  private final String name;

  Meters(MeterRegistry registry, String name) {
    this.registry = registry;
    this.name = name;
  }

  long decisions(String outcome, boolean degraded) {
    return (long)
        registry
            .get(RateLimiterMetrics.DECISIONS)
            .tags("name", name, "outcome", outcome, "degraded", Boolean.toString(degraded))
            .counter()
            .count();
  }

  long allDecisions() {
    return decisions("allowed", false)
        + decisions("denied", false)
        + decisions("allowed", true)
        + decisions("denied", true)
        + decisions("shadow_denied", false)
        + decisions("shadow_denied", true);
  }

  long latencyCount() {
    return registry.get(RateLimiterMetrics.LATENCY).tags("name", name).timer().count();
  }

  double limiterBackend() {
    return registry.get(RateLimiterMetrics.BACKEND).tags("name", name).gauge().value();
  }

  double poolNodes(String state) {
    return registry.get(DecoderPoolMetrics.NODES).tags("name", name, "state", state).gauge().value();
  }

  io.micrometer.core.instrument.Timer poolPropagation() {
    return registry.get(DecoderPoolMetrics.PROPAGATION).tags("name", name).timer();
  }

  double poolBackend() {
    return registry.get(DecoderPoolMetrics.BACKEND).tags("name", name).gauge().value();
  }

  long cacheGets(String result) {
    return cacheCount(TranslationCacheMetrics.GETS, result);
  }

  long cacheLoads(String result) {
    return cacheCount(TranslationCacheMetrics.LOADS, result);
  }

  private long cacheCount(String meter, String result) {
    return (long) registry.get(meter).tags("name", name, "result", result).functionCounter().count();
  }

  io.micrometer.core.instrument.FunctionTimer cacheLoadLatency() {
    return registry.get(TranslationCacheMetrics.LOAD_LATENCY).tags("name", name).functionTimer();
  }

  double cacheBackend() {
    return registry.get(TranslationCacheMetrics.BACKEND).tags("name", name).gauge().value();
  }

  /** Asserts that every meter of the cache reads what the stats say (taken with nothing in flight). */
  void assertCacheMetersRead(io.github.switchboard.cache.CacheStats stats) {
    org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
    soft.assertThat(cacheGets("near")).as("gets near").isEqualTo(stats.nearHits());
    soft.assertThat(cacheGets("hit")).as("gets hit").isEqualTo(stats.hits());
    soft.assertThat(cacheGets("miss")).as("gets miss").isEqualTo(stats.misses());
    soft.assertThat(cacheLoads("success")).as("loads success").isEqualTo(stats.loadSuccesses());
    soft.assertThat(cacheLoads("failure")).as("loads failure").isEqualTo(stats.loadFailures());
    soft.assertThat(cacheLoads("shared")).as("loads shared").isEqualTo(stats.sharedLoads());
    soft.assertThat(Math.round(cacheLoadLatency().count())).as("load latency count").isEqualTo(stats.loads());
    soft.assertThat(Math.round(cacheLoadLatency().totalTime(java.util.concurrent.TimeUnit.NANOSECONDS)))
        .as("load latency total (ns)")
        .isEqualTo(stats.totalLoadNanos());
    soft.assertAll();
  }
}
