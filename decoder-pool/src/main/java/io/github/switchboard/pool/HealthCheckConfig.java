package io.github.switchboard.pool;

import java.time.Duration;
import java.util.Objects;

/**
 * How a pool checks its nodes' health: an HTTP GET of each node's health URL every {@code interval},
 * bounded by {@code timeout}; {@code fall} consecutive failures mark a node unhealthy and {@code rise}
 * consecutive successes mark it healthy again. A node whose check is still running when its next round comes
 * is skipped for that round. A 2xx answer is a success; a JSON body with {@code load} or
 * {@code inflight} also updates the node's load. A node whose health URL's host lies outside
 * {@link #networks()} is never contacted: its check fails at once. Checks are spread over the interval, at
 * most 1,024 run at once, and nodes whose last check failed never take more than 768 of them, so dead nodes'
 * timeouts cannot delay the check of a node that answers. Immutable; build one with {@link #builder()}.
 */
public final class HealthCheckConfig {

  /** Health checks turned off. */
  public static final HealthCheckConfig DISABLED = new HealthCheckConfig(false, new Builder());

  /** The default interval between two checks of a node, in seconds. */
  public static final int DEFAULT_INTERVAL_SECONDS = 10;

  /** The default bound on one check, in milliseconds. */
  public static final int DEFAULT_TIMEOUT_MILLIS = 2000;

  /** The default number of consecutive failures that mark a node unhealthy. */
  public static final int DEFAULT_FALL = 3;

  /** The default number of consecutive successes that mark a node healthy. */
  public static final int DEFAULT_RISE = 2;

  private final boolean enabled;
  private final Duration interval;
  private final Duration timeout;
  private final int fall;
  private final int rise;
  private final NodeNetworks networks;

  private HealthCheckConfig(boolean enabled, Builder b) {
    this.enabled = enabled;
    this.interval = b.interval;
    this.timeout = b.timeout;
    this.fall = b.fall;
    this.rise = b.rise;
    this.networks = b.networks;
  }

  /**
   * Returns enabled health checks with the defaults (every {@value #DEFAULT_INTERVAL_SECONDS} s, timeout
   * {@value #DEFAULT_TIMEOUT_MILLIS} ms, fall {@value #DEFAULT_FALL}, rise {@value #DEFAULT_RISE}).
   *
   * @return the configuration
   */
  public static HealthCheckConfig defaults() {
    return builder().build();
  }

  /**
   * Returns a builder of enabled health checks, starting from the defaults.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns whether health checks run.
   *
   * @return true if enabled
   */
  public boolean enabled() {
    return enabled;
  }

  /**
   * Returns the time between two checks of a node.
   *
   * @return the interval
   */
  public Duration interval() {
    return interval;
  }

  /**
   * Returns the bound on one check, connection included.
   *
   * @return the timeout
   */
  public Duration timeout() {
    return timeout;
  }

  /**
   * Returns how many consecutive failures mark a node unhealthy.
   *
   * @return at least 1
   */
  public int fall() {
    return fall;
  }

  /**
   * Returns how many consecutive successes mark an unhealthy node healthy.
   *
   * @return at least 1
   */
  public int rise() {
    return rise;
  }

  /**
   * Returns the networks a node's health URL must resolve into to be checked ({@link NodeNetworks#ANY}
   * by default).
   *
   * @return the networks
   */
  public NodeNetworks networks() {
    return networks;
  }

  @Override
  public String toString() {
    return enabled
        ? "HealthCheckConfig[interval=" + interval + ", timeout=" + timeout + ", fall=" + fall + ", rise="
            + rise + (networks.isAny() ? "" : ", networks=" + networks) + "]"
        : "HealthCheckConfig[disabled]";
  }

  /** Builds a {@link HealthCheckConfig}; setters check their argument at once. */
  public static final class Builder {
    private Duration interval = Duration.ofSeconds(DEFAULT_INTERVAL_SECONDS);
    private Duration timeout = Duration.ofMillis(DEFAULT_TIMEOUT_MILLIS);
    private int fall = DEFAULT_FALL;
    private int rise = DEFAULT_RISE;
    private NodeNetworks networks = NodeNetworks.ANY;

    private Builder() {}

    /**
     * Sets the networks a node's health URL must resolve into; a node outside is never contacted and
     * counts as failing.
     *
     * @param value the networks ({@link NodeNetworks#ANY}: no restriction, the default)
     * @return this builder
     */
    public Builder networks(NodeNetworks value) {
      this.networks = Objects.requireNonNull(value, "networks");
      return this;
    }

    /**
     * Sets the time between two checks of a node.
     *
     * @param value a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder interval(Duration value) {
      this.interval = positive(value, "interval");
      return this;
    }

    /**
     * Sets the bound on one check.
     *
     * @param value a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder timeout(Duration value) {
      this.timeout = positive(value, "timeout");
      return this;
    }

    /**
     * Sets how many consecutive failures mark a node unhealthy.
     *
     * @param value at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     */
    public Builder fall(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("fall must be >= 1, was " + value);
      }
      this.fall = value;
      return this;
    }

    /**
     * Sets how many consecutive successes mark an unhealthy node healthy.
     *
     * @param value at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     */
    public Builder rise(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("rise must be >= 1, was " + value);
      }
      this.rise = value;
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @return the configuration
     */
    public HealthCheckConfig build() {
      return new HealthCheckConfig(true, this);
    }

    private static Duration positive(Duration d, String field) {
      Objects.requireNonNull(d, field);
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(field + " must be positive, was " + d);
      }
      return d;
    }
  }
}
