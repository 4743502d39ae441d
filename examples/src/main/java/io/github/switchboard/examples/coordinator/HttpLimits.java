package io.github.switchboard.examples.coordinator;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The bounds the coordinator's HTTP server puts on its clients' connections, so that clients that hold
 * connections open, send slowly or open many cannot take the server down (docs/http-api.md, "Bounds").
 * Immutable; part of {@link CoordinatorConfig}, read from the environment by {@link
 * CoordinatorConfig#fromEnvironment(Map)}.
 *
 * @param headerTimeout how long a request's line and headers may take from their first byte; past it,
 *     the connection is closed without an answer
 * @param minBodyRate the slowest average rate, in bytes per second, at which a request body may arrive
 *     once its headers are in, after a start of {@code headerTimeout}; a slower body is answered {@code
 *     408} and the connection closed
 * @param maxConnections the most connections open at once; past it, the server stops accepting until
 *     one closes
 * @param maxConnectionsPerAddress the most connections open at once from one client address (IPv6: one
 *     /64 network); one more is closed as soon as it is accepted
 */
public record HttpLimits(
    Duration headerTimeout, int minBodyRate, int maxConnections, int maxConnectionsPerAddress) {

  /** The variable holding the header timeout in seconds (default {@value #DEFAULT_HEADER_TIMEOUT_SECONDS}). */
  public static final String ENV_HTTP_HEADER_TIMEOUT_SECONDS = "HTTP_HEADER_TIMEOUT_SECONDS";
  /** The variable holding the slowest body rate in bytes per second (default {@value #DEFAULT_MIN_BODY_RATE}). */
  public static final String ENV_HTTP_MIN_BODY_BYTES_PER_SECOND = "HTTP_MIN_BODY_BYTES_PER_SECOND";
  /** The variable holding the most connections open at once (default {@value #DEFAULT_MAX_CONNECTIONS}). */
  public static final String ENV_HTTP_MAX_CONNECTIONS = "HTTP_MAX_CONNECTIONS";
  /**
   * The variable holding the most connections from one address (default {@value
   * #DEFAULT_MAX_CONNECTIONS_PER_ADDRESS}).
   */
  public static final String ENV_HTTP_MAX_CONNECTIONS_PER_ADDRESS = "HTTP_MAX_CONNECTIONS_PER_ADDRESS";

  /** The default header timeout, in seconds. */
  public static final int DEFAULT_HEADER_TIMEOUT_SECONDS = 10;
  /** The longest header timeout, in seconds (one hour). */
  public static final int MAX_HEADER_TIMEOUT_SECONDS = 3600;
  /** The default slowest body rate: 1 KiB per second. */
  public static final int DEFAULT_MIN_BODY_RATE = 1024;
  /** The highest slowest body rate: 1 GiB per second. */
  public static final int MAX_MIN_BODY_RATE = 1 << 30;
  /** The default bound on open connections. */
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
  /** The highest bound on open connections (each takes a file descriptor). */
  public static final int MAX_MAX_CONNECTIONS = 1_000_000;
  /** The default bound on open connections from one address. */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 256;

  /**
   * Checks the settings.
   *
   * @throws IllegalArgumentException if a setting is out of its range; the message names it
   */
  public HttpLimits {
    Objects.requireNonNull(headerTimeout, "headerTimeout");
    if (headerTimeout.toMillis() < 100 || headerTimeout.compareTo(Duration.ofSeconds(MAX_HEADER_TIMEOUT_SECONDS)) > 0) {
      throw new IllegalArgumentException("headerTimeout must be from 100 ms to " + MAX_HEADER_TIMEOUT_SECONDS
          + " s, was " + headerTimeout);
    }
    if (minBodyRate < 1 || minBodyRate > MAX_MIN_BODY_RATE) {
      throw new IllegalArgumentException("minBodyRate must be from 1 to " + MAX_MIN_BODY_RATE
          + " bytes per second, was " + minBodyRate);
    }
    if (maxConnections < 1 || maxConnections > MAX_MAX_CONNECTIONS) {
      throw new IllegalArgumentException("maxConnections must be from 1 to " + MAX_MAX_CONNECTIONS + ", was "
          + maxConnections);
    }
    if (maxConnectionsPerAddress < 1 || maxConnectionsPerAddress > maxConnections) {
      throw new IllegalArgumentException("maxConnectionsPerAddress must be from 1 to maxConnections ("
          + maxConnections + "), was " + maxConnectionsPerAddress);
    }
  }

  /**
   * Returns the defaults: headers within 10 s, bodies at 1 KiB/s at least, 10,000 connections, 256 from
   * one address.
   *
   * @return the defaults
   */
  public static HttpLimits defaults() {
    return builder().build();
  }

  /**
   * Starts settings from the defaults.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads the settings from environment variables; absent and empty ones take their defaults.
   *
   * @param env the variables
   * @return the settings
   * @throws ConfigException if a variable's value cannot be used; the message names the variable
   */
  static HttpLimits fromEnvironment(Map<String, String> env) {
    Builder b = builder();
    String header = CoordinatorConfig.value(env, ENV_HTTP_HEADER_TIMEOUT_SECONDS);
    if (header != null) {
      b.headerTimeout(Duration.ofSeconds(CoordinatorConfig.number(ENV_HTTP_HEADER_TIMEOUT_SECONDS, header, 1,
          MAX_HEADER_TIMEOUT_SECONDS)));
    }
    String rate = CoordinatorConfig.value(env, ENV_HTTP_MIN_BODY_BYTES_PER_SECOND);
    if (rate != null) {
      b.minBodyRate((int) CoordinatorConfig.number(ENV_HTTP_MIN_BODY_BYTES_PER_SECOND, rate, 1,
          MAX_MIN_BODY_RATE));
    }
    String max = CoordinatorConfig.value(env, ENV_HTTP_MAX_CONNECTIONS);
    if (max != null) {
      b.maxConnections((int) CoordinatorConfig.number(ENV_HTTP_MAX_CONNECTIONS, max, 1, MAX_MAX_CONNECTIONS));
    }
    String perAddress = CoordinatorConfig.value(env, ENV_HTTP_MAX_CONNECTIONS_PER_ADDRESS);
    if (perAddress != null) {
      b.maxConnectionsPerAddress((int) CoordinatorConfig.number(ENV_HTTP_MAX_CONNECTIONS_PER_ADDRESS,
          perAddress, 1, b.maxConnections));
    } else if (b.maxConnectionsPerAddress > b.maxConnections) {
      // a small HTTP_MAX_CONNECTIONS alone lowers the default per address with it
      b.maxConnectionsPerAddress(b.maxConnections);
    }
    return b.build();
  }

  @Override
  public String toString() {
    return "HttpLimits[headers within " + headerTimeout.toMillis() + " ms, bodies at least " + minBodyRate
        + " B/s, " + maxConnections + " connections, " + maxConnectionsPerAddress + " per address]";
  }

  /** Builds {@link HttpLimits}; {@link #build()} checks the settings. */
  public static final class Builder {
    private Duration headerTimeout = Duration.ofSeconds(DEFAULT_HEADER_TIMEOUT_SECONDS);
    private int minBodyRate = DEFAULT_MIN_BODY_RATE;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private int maxConnectionsPerAddress = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;

    private Builder() {}

    /**
     * Sets how long a request's line and headers may take from their first byte (default {@value
     * HttpLimits#DEFAULT_HEADER_TIMEOUT_SECONDS} s); also the start a body has before its rate counts.
     *
     * @param value from 100 ms to {@value HttpLimits#MAX_HEADER_TIMEOUT_SECONDS} s
     * @return this builder
     */
    public Builder headerTimeout(Duration value) {
      this.headerTimeout = Objects.requireNonNull(value, "headerTimeout");
      return this;
    }

    /**
     * Sets the slowest average rate at which a body may arrive (default {@value
     * HttpLimits#DEFAULT_MIN_BODY_RATE} bytes per second).
     *
     * @param value from 1 to {@value HttpLimits#MAX_MIN_BODY_RATE} bytes per second
     * @return this builder
     */
    public Builder minBodyRate(int value) {
      this.minBodyRate = value;
      return this;
    }

    /**
     * Sets the most connections open at once (default {@value HttpLimits#DEFAULT_MAX_CONNECTIONS}).
     *
     * @param value from 1 to {@value HttpLimits#MAX_MAX_CONNECTIONS}
     * @return this builder
     */
    public Builder maxConnections(int value) {
      this.maxConnections = value;
      return this;
    }

    /**
     * Sets the most connections open at once from one address (default {@value
     * HttpLimits#DEFAULT_MAX_CONNECTIONS_PER_ADDRESS}).
     *
     * @param value from 1 to the {@link #maxConnections(int) connection bound}
     * @return this builder
     */
    public Builder maxConnectionsPerAddress(int value) {
      this.maxConnectionsPerAddress = value;
      return this;
    }

    /**
     * Checks the settings and builds them.
     *
     * @return the settings
     * @throws IllegalArgumentException if a setting is out of its range
     */
    public HttpLimits build() {
      return new HttpLimits(headerTimeout, minBodyRate, maxConnections, maxConnectionsPerAddress);
    }
  }
}
