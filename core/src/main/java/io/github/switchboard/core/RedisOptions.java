package io.github.switchboard.core;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How Switchboard talks to Redis: timeouts and TLS trust. Immutable; build one with {@link #builder()}.
 *
 * <p>Defaults: a command times out after {@value #DEFAULT_COMMAND_TIMEOUT_MILLIS} ms (a hung server makes
 * calls fail within that bound instead of hanging them), a connection attempt after
 * {@value #DEFAULT_CONNECT_TIMEOUT_MILLIS} ms, and TLS trusts the JVM's default trust store.
 */
public final class RedisOptions {

  /** The default command timeout, in milliseconds. */
  public static final long DEFAULT_COMMAND_TIMEOUT_MILLIS = 250;

  /** The default connect timeout, in milliseconds. */
  public static final long DEFAULT_CONNECT_TIMEOUT_MILLIS = 2000;

  /** The default of {@link Builder#syncConnections(int)}. */
  public static final int DEFAULT_SYNC_CONNECTIONS = 8;

  /** The largest value of {@link Builder#syncConnections(int)}. */
  public static final int MAX_SYNC_CONNECTIONS = 1024;

  private static final RedisOptions DEFAULTS = builder().build();

  private final Duration commandTimeout;
  private final Duration connectTimeout;
  private final @Nullable Path trustedCertificate;
  private final int syncConnections;

  private RedisOptions(Builder b) {
    this.commandTimeout = b.commandTimeout;
    this.connectTimeout = b.connectTimeout;
    this.trustedCertificate = b.trustedCertificate;
    this.syncConnections = b.syncConnections;
  }

  /**
   * Returns the default options.
   *
   * @return the defaults
   */
  public static RedisOptions defaults() {
    return DEFAULTS;
  }

  /**
   * Returns a new builder with the defaults.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the bound on one Redis command, from sending it to its answer.
   *
   * @return the command timeout
   */
  public Duration commandTimeout() {
    return commandTimeout;
  }

  /**
   * Returns the bound on one connection attempt.
   *
   * @return the connect timeout
   */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /**
   * Returns the PEM file of the certificate (or CA) that TLS connections trust, if set.
   *
   * @return the certificate file
   */
  public Optional<Path> trustedCertificate() {
    return Optional.ofNullable(trustedCertificate);
  }

  /**
   * Returns the most blocking connections that the synchronous calls of the components built on one
   * {@link RedisBackend} open beside their shared connection, on a standalone or Sentinel Redis (default
   * {@value #DEFAULT_SYNC_CONNECTIONS}; 0: none).
   *
   * @return the bound
   * @see Builder#syncConnections(int)
   */
  public int syncConnections() {
    return syncConnections;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RedisOptions r
        && commandTimeout.equals(r.commandTimeout)
        && connectTimeout.equals(r.connectTimeout)
        && Objects.equals(trustedCertificate, r.trustedCertificate)
        && syncConnections == r.syncConnections;
  }

  @Override
  public int hashCode() {
    return Objects.hash(commandTimeout, connectTimeout, trustedCertificate, syncConnections);
  }

  @Override
  public String toString() {
    return "RedisOptions[commandTimeout="
        + commandTimeout
        + ", connectTimeout="
        + connectTimeout
        + ", trustedCertificate="
        + trustedCertificate
        + ", syncConnections="
        + syncConnections
        + "]";
  }

  /** Builds {@link RedisOptions}; each setter checks its argument at once. */
  public static final class Builder {
    private Duration commandTimeout = Duration.ofMillis(DEFAULT_COMMAND_TIMEOUT_MILLIS);
    private Duration connectTimeout = Duration.ofMillis(DEFAULT_CONNECT_TIMEOUT_MILLIS);
    private @Nullable Path trustedCertificate;
    private int syncConnections = DEFAULT_SYNC_CONNECTIONS;

    private Builder() {}

    /**
     * Sets the most blocking connections that synchronous calls open beside the shared connection, on a
     * standalone (plain or TLS) or Sentinel Redis (default {@value #DEFAULT_SYNC_CONNECTIONS}).
     *
     * <p>A synchronous call through the shared (Lettuce) connection passes through its I/O thread twice,
     * a wake-up each way; on a blocking connection the calling thread writes the command and reads the
     * reply itself. Such a connection is opened on first need, lent to one call at a time and kept for
     * the next; the components of a process built on equal {@link RedisBackend}s (the same target, options
     * and client resources) share one pool of them, as they share the connection; when all are lent, a call takes the shared connection, so this bounds the connections, not
     * the concurrency. On a Sentinel target they go to the master the Sentinels name, and follow it after a
     * failover. 0 sends every call through the shared connection. Cluster targets, and connections handed
     * in by the user, always use the shared connection.
     *
     * @param connections 0 to {@value #MAX_SYNC_CONNECTIONS}
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder syncConnections(int connections) {
      if (connections < 0 || connections > MAX_SYNC_CONNECTIONS) {
        throw new IllegalArgumentException(
            "syncConnections must be between 0 and " + MAX_SYNC_CONNECTIONS + ", was " + connections);
      }
      this.syncConnections = connections;
      return this;
    }

    /**
     * Sets the bound on one Redis command.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws IllegalArgumentException if the timeout is zero or negative
     */
    public Builder commandTimeout(Duration timeout) {
      this.commandTimeout = positive(timeout, "commandTimeout");
      return this;
    }

    /**
     * Sets the bound on one connection attempt.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws IllegalArgumentException if the timeout is zero or negative
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /**
     * Trusts the certificate (or CA certificate) in a PEM file for TLS connections, in place of the
     * JVM's default trust store.
     *
     * @param pemFile a readable PEM file
     * @return this builder
     * @throws IllegalArgumentException if the file is not readable
     */
    public Builder trustedCertificate(Path pemFile) {
      Objects.requireNonNull(pemFile, "trustedCertificate");
      if (!Files.isReadable(pemFile)) {
        throw new IllegalArgumentException(
            "trustedCertificate must be a readable PEM file, was " + pemFile);
      }
      this.trustedCertificate = pemFile;
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     */
    public RedisOptions build() {
      return new RedisOptions(this);
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
