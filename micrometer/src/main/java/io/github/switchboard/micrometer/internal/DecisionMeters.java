package io.github.switchboard.micrometer.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The decision counters and the latency timer of one limiter name, registered once.
 *
 * <p>Hot path: {@link #record} picks one of six counters built in the constructor and records the
 * latency; it looks nothing up by tag and allocates nothing of its own (the registry's counter and timer
 * implementations decide the rest: {@code SimpleMeterRegistry} and the Prometheus registry add to striped
 * adders).
 */
public final class DecisionMeters {

  /** The meter counting decisions. */
  public static final String DECISIONS = "switchboard.ratelimit.decisions";

  /** The meter timing decisions. */
  public static final String LATENCY = "switchboard.ratelimit.latency";

  /**
   * The upper bounds of the latency histogram's buckets: from an in-memory decision (well under 100 µs) to
   * past the default Redis command timeout (250 ms) and its synchronous bound (about twice that).
   */
  static final Duration[] BUCKETS =
      Buckets.millis(0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000);

  private final Counter allowed;
  private final Counter denied;
  private final Counter allowedDegraded;
  private final Counter deniedDegraded;
  private final Counter shadowDenied;
  private final Counter shadowDeniedDegraded;
  private final Timer latency;

  /**
   * Registers (or finds, if already registered) the meters of one limiter name.
   *
   * @param registry the registry
   * @param name the value of the {@code name} tag
   */
  public DecisionMeters(MeterRegistry registry, String name) {
    this.allowed = counter(registry, name, "allowed", "false");
    this.denied = counter(registry, name, "denied", "false");
    this.allowedDegraded = counter(registry, name, "allowed", "true");
    this.deniedDegraded = counter(registry, name, "denied", "true");
    this.shadowDenied = counter(registry, name, "shadow_denied", "false");
    this.shadowDeniedDegraded = counter(registry, name, "shadow_denied", "true");
    this.latency =
        Timer.builder(LATENCY)
            .description("The time a rate limit decision took, fallback included")
            .tag("name", name)
            .serviceLevelObjectives(BUCKETS)
            .register(registry);
  }

  private static Counter counter(MeterRegistry registry, String name, String outcome, String degraded) {
    return Counter.builder(DECISIONS)
        .description(
            "Rate limit decisions (outcome allowed, denied, or shadow_denied: allowed only because the"
                + " policy is in shadow mode); degraded=true when a fallback answered instead of Redis")
        .tag("name", name)
        .tag("outcome", outcome)
        .tag("degraded", degraded)
        .register(registry);
  }

  /**
   * Records one decision.
   *
   * @param isAllowed whether it was allowed
   * @param degraded whether a fallback answered
   * @param latencyNanos how long it took, in nanoseconds
   */
  public void record(boolean isAllowed, boolean degraded, long latencyNanos) {
    record(isAllowed, false, degraded, latencyNanos);
  }

  /**
   * Records one decision, telling a shadow denial (allowed only because the policy is in shadow mode) from
   * a plain allowed one.
   *
   * @param isAllowed whether it was allowed
   * @param isShadowDenied whether a shadow policy would have denied it ({@code Decision.shadowDenied()})
   * @param degraded whether a fallback answered
   * @param latencyNanos how long it took, in nanoseconds
   */
  public void record(boolean isAllowed, boolean isShadowDenied, boolean degraded, long latencyNanos) {
    Counter c;
    if (isShadowDenied) {
      c = degraded ? shadowDeniedDegraded : shadowDenied;
    } else if (isAllowed) {
      c = degraded ? allowedDegraded : allowed;
    } else {
      c = degraded ? deniedDegraded : denied;
    }
    c.increment();
    latency.record(latencyNanos, TimeUnit.NANOSECONDS);
  }
}
