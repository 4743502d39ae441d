package io.github.switchboard.micrometer.internal;

import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.DecisionListener;
import java.util.Objects;

/**
 * Records every decision in the meters of one limiter name: outcome {@code allowed}, {@code denied}, or
 * {@code shadow_denied} (allowed only because the policy is in shadow mode). Allocates nothing per call.
 */
public final class MeterDecisionListener implements DecisionListener {
  private final DecisionMeters meters;

  /**
   * Creates the listener.
   *
   * @param meters where decisions are recorded
   */
  public MeterDecisionListener(DecisionMeters meters) {
    this.meters = Objects.requireNonNull(meters, "meters");
  }

  @Override
  public void onDecision(String key, boolean allowed, boolean degraded, long latencyNanos) {
    meters.record(allowed, degraded, latencyNanos);
  }

  @Override
  public void onDecision(String key, Decision decision, long latencyNanos) {
    meters.record(decision.allowed(), decision.shadowDenied(), decision.degraded(), latencyNanos);
  }
}
