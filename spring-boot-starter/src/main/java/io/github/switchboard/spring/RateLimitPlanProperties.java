package io.github.switchboard.spring;

import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code switchboard.rate-limit.plans.NAME.*}: one plan, put into the limiter's {@code LimitPlans} at
 * start. Its name is the map key (1 to 64 of {@code A-Z a-z 0-9 . _ -}).
 */
public class RateLimitPlanProperties {
  /** The plan's algorithm. */
  private Algorithm algorithm = Algorithm.SLIDING_WINDOW_LOG;

  /** The plan's limits, each COUNT/DURATION (60/1m, 1000/1h, 10/PT1S); at least one. */
  private List<String> limits = new ArrayList<>();

  /** Shadow mode: the plan decides and counts but never denies (meter outcome shadow_denied). */
  private boolean shadow;

  /**
   * Returns the algorithm.
   *
   * @return the algorithm
   */
  public Algorithm getAlgorithm() {
    return algorithm;
  }

  /**
   * Sets the algorithm.
   *
   * @param algorithm the algorithm
   */
  public void setAlgorithm(Algorithm algorithm) {
    this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
  }

  /**
   * Returns the limits as written.
   *
   * @return the limits, {@code COUNT/DURATION} each
   */
  public List<String> getLimits() {
    return limits;
  }

  /**
   * Sets the limits (checked when the plans are built, naming the property).
   *
   * @param limits one or more {@code COUNT/DURATION}
   */
  public void setLimits(List<String> limits) {
    this.limits = new ArrayList<>(Objects.requireNonNull(limits, "limits"));
  }

  /**
   * Returns whether the plan is in shadow mode.
   *
   * @return true for shadow mode
   */
  public boolean isShadow() {
    return shadow;
  }

  /**
   * Sets shadow mode.
   *
   * @param shadow true: decide and count, never deny
   */
  public void setShadow(boolean shadow) {
    this.shadow = shadow;
  }

  /**
   * Builds the plan's policy.
   *
   * @param name the plan's name (the map key), for the messages
   * @return the policy
   * @throws IllegalArgumentException naming {@code switchboard.rate-limit.plans.NAME.limits[i]} and the
   *     rule if the limits break one
   */
  public RateLimitPolicy toPolicy(String name) {
    String field = "switchboard.rate-limit.plans." + name + ".limits";
    if (limits.isEmpty()) {
      throw new IllegalArgumentException(field + " must name at least one limit, such as 60/1m");
    }
    RateLimitPolicy.Builder b = RateLimitPolicy.builder().algorithm(algorithm).shadow(shadow);
    try {
      for (int i = 0; i < limits.size(); i++) {
        RateLimitPolicy.Limit l = SwitchboardProperties.RateLimit.parseLimit(field + "[" + i + "]", limits.get(i));
        b.limit(l.count(), l.window());
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      String m = String.valueOf(e.getMessage());
      throw new IllegalArgumentException(m.startsWith(field) ? m : field + ": " + m, e);
    }
  }
}
