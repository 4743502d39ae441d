package io.github.switchboard.examples.coordinator;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.switchboard.cache.TranslationCache;
import io.github.switchboard.micrometer.DecoderPoolMetrics;
import io.github.switchboard.micrometer.RateLimiterMetrics;
import io.github.switchboard.micrometer.TranslationCacheMetrics;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.ratelimit.RateLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;

/*
 * GET /metrics: the coordinator's meters (switchboard-micrometer) in the Prometheus text format, from a
 * PrometheusMeterRegistry of its own. The limiter is tagged name="route" (it limits POST /api/v1/route), the
 * pool with its POOL_NAME, the decode cache name="decode" (switchboard.cache.*). With Redis, the circuit breakers (switchboard-route, switchboard-<POOL_NAME>) are
 * created in a CircuitBreakerRegistry that resilience4j-micrometer reports (resilience4j_circuitbreaker_*).
 * Nothing is logged per scrape. The endpoint is open like /health: it shows counts, no node endpoint and no client
 * key; put it behind the proxy's access rules if even counts are private.
 */
/** The coordinator's meters and the endpoint that serves them to Prometheus. */
final class MetricsEndpoint {
  /** The endpoint's path. */
  static final String PATH = "/metrics";

  /** The {@code name} tag of the coordinator's rate limiter. */
  static final String LIMITER_NAME = "route";

  /** The Prometheus text exposition format, version 0.0.4. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();

  MetricsEndpoint() {
    TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
  }

  /** The registry the limiter's and the pool's circuit breakers are created in. */
  CircuitBreakerRegistry breakers() {
    return breakers;
  }

  /** Returns the limiter to use from now on: the one given, recording its decisions. */
  RateLimiter monitor(RateLimiter limiter) {
    return RateLimiterMetrics.monitor(registry, limiter, LIMITER_NAME);
  }

  /**
   * Returns the limiter's decisions so far with this {@code outcome} tag ({@code allowed}, {@code denied} or
   * {@code shadow_denied}): what the event streams' once-a-second summary counts from.
   */
  long decisions(String outcome) {
    double sum = 0;
    for (Counter c : registry.find(RateLimiterMetrics.DECISIONS).tag("name", LIMITER_NAME)
        .tag("outcome", outcome).counters()) {
      sum += c.count();
    }
    return (long) sum;
  }

  /** Registers the decode cache's meters (switchboard.cache.*, tagged name="decode"). */
  void monitor(TranslationCache cache) {
    TranslationCacheMetrics.monitor(registry, cache, DecodeHandler.CACHE_NAME);
  }

  /** Registers the pool's gauges; returns the pool. */
  DecoderPool monitor(DecoderPool pool, String poolName) {
    return DecoderPoolMetrics.monitor(registry, pool, poolName);
  }

  /** Answers a scrape. */
  void serve(Exchange ex) throws IOException {
    ex.respond(200, CONTENT_TYPE, registry.scrape());
  }

  /** Releases the registry. */
  void close() {
    registry.close();
  }
}
