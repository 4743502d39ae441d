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
        + decisions("denied", true);
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
}
