package io.github.switchboard.core;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.resource.ClientResources;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where Redis is and how to reach it, built once and handed to every builder ({@code redis(RedisBackend)}
 * of the rate limiter, the limit plans, the decoder pool, the pool writer, the registration client and
 * the translation cache), so that a process configures Redis once and its components share their
 * connections. Immutable and thread-safe; each {@code with...} method returns a new backend.
 *
 * <pre>{@code
 * RedisBackend redis = RedisBackend.of(RedisTarget.parse("redis://localhost:6379"))
 *     .withOptions(RedisOptions.builder().commandTimeout(Duration.ofMillis(250)).build())
 *     .withCircuitBreakerRegistry(breakers);          // optional
 * RateLimiter limiter = RateLimiters.builder(policy).redis(redis).build();
 * DecoderPool pool = DecoderPools.builder("default").redis(redis).build();
 * TranslationCache cache = TranslationCaches.builder("translations").redis(redis).build();
 * }</pre>
 *
 * <p><b>Sharing.</b> Components built on equal backends (see {@link #equals(Object)}) share one Redis
 * connection (and its client, and the blocking connections of synchronous calls): the first component
 * opens it, the last one to close closes it. Publish/subscribe connections are not shared: the decoder
 * pool, the limit plans and the cache each open their own subscription.
 *
 * <p><b>Ownership.</b> A backend of a {@link RedisTarget} lets Switchboard open and close its connections;
 * a backend of a connection handed in ({@link #of(StatefulRedisConnection)}, {@link
 * #of(StatefulRedisClusterConnection)}) is never closed by Switchboard, and such a connection cannot
 * subscribe (changes made elsewhere reach the pool, the plans and the cache by their periodic checks).
 * {@link ClientResources} handed in are never shut down by Switchboard; without them, the connections of
 * the process share one set of Lettuce resources, shut down when the last connection closes.
 *
 * <p><b>Circuit breakers.</b> Each component has its own breaker, named {@code "switchboard-" + name};
 * with {@link #withCircuitBreakerRegistry(CircuitBreakerRegistry)} it is created in that registry.
 */
public final class RedisBackend {
  private final @Nullable RedisTarget target;
  private final @Nullable StatefulRedisConnection<String, String> connection;
  private final @Nullable StatefulRedisClusterConnection<String, String> clusterConnection;
  private final RedisOptions options;
  private final @Nullable CircuitBreakerRegistry circuitBreakerRegistry;
  private final @Nullable ClientResources clientResources;

  private RedisBackend(
      @Nullable RedisTarget target,
      @Nullable StatefulRedisConnection<String, String> connection,
      @Nullable StatefulRedisClusterConnection<String, String> clusterConnection,
      RedisOptions options,
      @Nullable CircuitBreakerRegistry circuitBreakerRegistry,
      @Nullable ClientResources clientResources) {
    this.target = target;
    this.connection = connection;
    this.clusterConnection = clusterConnection;
    this.options = options;
    this.circuitBreakerRegistry = circuitBreakerRegistry;
    this.clientResources = clientResources;
  }

  /**
   * Returns a backend that opens its connections to a target (standalone, Sentinel or Cluster), with
   * {@link RedisOptions#defaults()}.
   *
   * @param target where Redis is
   * @return the backend
   * @throws NullPointerException if {@code target} is null
   */
  public static RedisBackend of(RedisTarget target) {
    Objects.requireNonNull(target, "target");
    return new RedisBackend(target, null, null, RedisOptions.defaults(), null, null);
  }

  /**
   * Returns a backend on a standalone (or Sentinel) connection the caller owns: Switchboard never closes
   * it, and cannot open a subscription on it.
   *
   * @param connection an open connection with String keys and values
   * @return the backend
   * @throws NullPointerException if {@code connection} is null
   */
  public static RedisBackend of(StatefulRedisConnection<String, String> connection) {
    Objects.requireNonNull(connection, "connection");
    return new RedisBackend(null, connection, null, RedisOptions.defaults(), null, null);
  }

  /**
   * Returns a backend on a Cluster connection the caller owns: Switchboard never closes it, and cannot
   * open a subscription on it.
   *
   * @param connection an open Cluster connection with String keys and values
   * @return the backend
   * @throws NullPointerException if {@code connection} is null
   */
  public static RedisBackend of(StatefulRedisClusterConnection<String, String> connection) {
    Objects.requireNonNull(connection, "connection");
    return new RedisBackend(null, null, connection, RedisOptions.defaults(), null, null);
  }

  /**
   * Returns this backend with other timeouts, TLS trust and synchronous connections (default {@link
   * RedisOptions#defaults()}). On a connection handed in, only the timeouts of Switchboard's own waits
   * apply.
   *
   * @param options the options
   * @return a new backend
   * @throws NullPointerException if {@code options} is null
   */
  public RedisBackend withOptions(RedisOptions options) {
    Objects.requireNonNull(options, "options");
    return new RedisBackend(target, connection, clusterConnection, options, circuitBreakerRegistry,
        clientResources);
  }

  /**
   * Returns this backend creating each component's circuit breaker ({@code "switchboard-" + name}) in a
   * registry, so that whatever watches the registry (resilience4j-micrometer, for one) sees it. Default:
   * breakers outside any registry. A builder's own {@code circuitBreakerRegistry(...)} takes precedence.
   *
   * @param registry the registry
   * @return a new backend
   * @throws NullPointerException if {@code registry} is null
   */
  public RedisBackend withCircuitBreakerRegistry(CircuitBreakerRegistry registry) {
    Objects.requireNonNull(registry, "circuitBreakerRegistry");
    return new RedisBackend(target, connection, clusterConnection, options, registry, clientResources);
  }

  /**
   * Returns this backend opening its connections with Lettuce's {@link ClientResources} of the caller
   * (event loops, timers, metrics), which Switchboard never shuts down. Default: one set per process,
   * shared by every connection Switchboard opens and shut down when the last one closes.
   *
   * @param resources the resources
   * @return a new backend
   * @throws NullPointerException if {@code resources} is null
   * @throws IllegalStateException if this backend is a connection handed in (its resources are its own)
   */
  public RedisBackend withClientResources(ClientResources resources) {
    Objects.requireNonNull(resources, "clientResources");
    if (target == null) {
      throw new IllegalStateException(
          "clientResources apply only to a backend of a RedisTarget: a connection handed in has its own");
    }
    return new RedisBackend(target, null, null, options, circuitBreakerRegistry, resources);
  }

  /**
   * Returns the target, for a backend that opens its own connections.
   *
   * @return the target, or empty for a connection handed in
   */
  public Optional<RedisTarget> target() {
    return Optional.ofNullable(target);
  }

  /**
   * Returns the standalone or Sentinel connection handed in.
   *
   * @return the connection, or empty
   */
  public Optional<StatefulRedisConnection<String, String>> connection() {
    return Optional.ofNullable(connection);
  }

  /**
   * Returns the Cluster connection handed in.
   *
   * @return the connection, or empty
   */
  public Optional<StatefulRedisClusterConnection<String, String>> clusterConnection() {
    return Optional.ofNullable(clusterConnection);
  }

  /**
   * Returns whether the connection is the caller's (never closed by Switchboard, no subscriptions).
   *
   * @return true for {@link #of(StatefulRedisConnection)} and {@link #of(StatefulRedisClusterConnection)}
   */
  public boolean isUserConnection() {
    return target == null;
  }

  /**
   * Returns the options.
   *
   * @return the options
   */
  public RedisOptions options() {
    return options;
  }

  /**
   * Returns the registry in which the components' circuit breakers are created.
   *
   * @return the registry, or empty
   */
  public Optional<CircuitBreakerRegistry> circuitBreakerRegistry() {
    return Optional.ofNullable(circuitBreakerRegistry);
  }

  /**
   * Returns the Lettuce resources handed in.
   *
   * @return the resources, or empty for the process's shared set
   */
  public Optional<ClientResources> clientResources() {
    return Optional.ofNullable(clientResources);
  }

  /**
   * Two backends are equal when they name the same Redis the same way: an equal target (or the very
   * same connection handed in), equal options, and the very same registry and resources (or none).
   * Components built on equal backends share one connection.
   */
  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof RedisBackend b)) {
      return false;
    }
    return Objects.equals(target, b.target)
        && connection == b.connection
        && clusterConnection == b.clusterConnection
        && options.equals(b.options)
        && circuitBreakerRegistry == b.circuitBreakerRegistry
        && clientResources == b.clientResources;
  }

  @Override
  public int hashCode() {
    int h = Objects.hashCode(target);
    h = 31 * h + System.identityHashCode(connection);
    h = 31 * h + System.identityHashCode(clusterConnection);
    h = 31 * h + options.hashCode();
    h = 31 * h + System.identityHashCode(circuitBreakerRegistry);
    return 31 * h + System.identityHashCode(clientResources);
  }

  /** Names the Redis by its redacted URL (never a password). */
  @Override
  public String toString() {
    return "RedisBackend[" + describe() + ", " + options
        + (circuitBreakerRegistry != null ? ", circuit breaker registry" : "")
        + (clientResources != null ? ", own client resources" : "") + "]";
  }

  /**
   * Returns where Redis is, for logs: the redacted URL, or which kind of connection was handed in.
   *
   * @return a description without any secret
   */
  public String describe() {
    if (target != null) {
      return target.redactedUrl();
    }
    return clusterConnection != null ? "a user-supplied Cluster connection" : "a user-supplied connection";
  }
}
