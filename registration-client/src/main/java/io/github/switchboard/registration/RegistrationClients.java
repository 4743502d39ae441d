package io.github.switchboard.registration;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.core.RedisBackend;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.core.internal.RedisChoice;
import io.github.switchboard.registration.internal.ClientConfig;
import io.github.switchboard.registration.internal.DefaultRegistrationClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Builds {@link RegistrationClient}s.
 *
 * <pre>{@code
 * try (RegistrationClient client = RegistrationClients.builder()
 *         .coordinator(URI.create("https://coordinator:8002"), apiToken)   // tried first
 *         .redis(RedisTarget.parse("redis://redis:6379"), "default")       // then Redis
 *         .file(Path.of("config/decoder_pool.json"))                       // then the file
 *         .build()) {
 *   RegistrationResult r = client.register(node);     // r.channel(): COORDINATOR, REDIS or FILE
 *   KeepAlive alive = client.keepAlive(node, Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class RegistrationClients {

  /** The default {@link Builder#requestTimeout(Duration) request timeout}, in seconds. */
  public static final int DEFAULT_REQUEST_TIMEOUT_SECONDS = 5;

  /** The pool name the file channel uses when no Redis pool name is given. */
  public static final String DEFAULT_POOL = "default";

  /**
   * How long, by default, a channel's circuit breaker stays open before it lets one probe through, in
   * seconds (see {@link #defaultCircuitBreakerConfig()}).
   */
  public static final int DEFAULT_BREAKER_OPEN_SECONDS = 10;

  private static final Pattern POOL_NAME = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private RegistrationClients() {}

  /**
   * Starts a client.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the default configuration of each channel's circuit breaker: a count-based window of the last
   * 5 calls, open once at least 3 calls were made and 60% of them failed (so a dead channel opens after 3
   * failures in a row), then open for {@value #DEFAULT_BREAKER_OPEN_SECONDS} s, after which one call probes
   * the channel and closes the breaker again if it succeeds.
   *
   * @return the configuration
   */
  public static CircuitBreakerConfig defaultCircuitBreakerConfig() {
    return CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(5)
        .minimumNumberOfCalls(3)
        .failureRateThreshold(60)
        .waitDurationInOpenState(Duration.ofSeconds(DEFAULT_BREAKER_OPEN_SECONDS))
        .permittedNumberOfCallsInHalfOpenState(1)
        .build();
  }

  /**
   * Returns the name of a channel's circuit breaker.
   *
   * @param channel the channel
   * @return {@code switchboard-registration-coordinator}, {@code switchboard-registration-redis} or
   *     {@code switchboard-registration-file}
   */
  public static String circuitBreakerName(Channel channel) {
    return "switchboard-registration-" + channel.label();
  }

  /**
   * Builds a {@link RegistrationClient}. Setters check their argument at once; {@link #build()} checks the
   * rules between settings. At least one channel must be set; they are tried in the order coordinator,
   * Redis, file, whatever the order of the calls.
   */
  public static final class Builder {
    private @Nullable URI coordinator;
    private @Nullable String apiToken;
    private final RedisChoice redis = new RedisChoice();
    private String poolName = DEFAULT_POOL;
    private @Nullable Path file;
    private Duration requestTimeout = Duration.ofSeconds(DEFAULT_REQUEST_TIMEOUT_SECONDS);
    private boolean requireHttps;
    private @Nullable CircuitBreakerConfig circuitBreakerConfig;
    private final List<RegistrationListener> listeners = new ArrayList<>();
    private boolean deregisterOnClose = true;

    private Builder() {}

    /**
     * Uses the coordinator's HTTP API, tried first.
     *
     * @param baseUrl the coordinator's base URL, such as {@code https://coordinator:8002}: absolute,
     *     {@code http} or {@code https}, with a host
     * @param apiToken the Bearer token of the write routes ({@code COORDINATOR_API_TOKEN}); not blank
     * @return this builder
     * @throws IllegalArgumentException if the URL is not an absolute http(s) URL with a host, or the token
     *     is blank or holds a character outside printable ASCII
     */
    public Builder coordinator(URI baseUrl, String apiToken) {
      Objects.requireNonNull(baseUrl, "baseUrl");
      Objects.requireNonNull(apiToken, "apiToken");
      String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
      if (!baseUrl.isAbsolute() || !(scheme.equals("http") || scheme.equals("https"))
          || baseUrl.getHost() == null || baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
        throw new IllegalArgumentException("coordinator URL must be an absolute http or https URL with a host"
            + " and no query, was '" + RedisTarget.redact(baseUrl.toString()) + "'");
      }
      if (apiToken.isBlank()) {
        throw new IllegalArgumentException("apiToken must not be blank");
      }
      if (apiToken.strip().chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
        throw new IllegalArgumentException("apiToken must be printable ASCII (no line break or control character)");
      }
      this.coordinator = baseUrl;
      this.apiToken = apiToken.strip();
      return this;
    }

    /**
     * Uses the pool in Redis directly, tried after the coordinator. The channel only writes, through a
     * {@link io.github.switchboard.pool.PoolWriter}: one script call per change, no snapshot, no
     * subscription, no sweeper. Its writer is opened when first needed and shared by every client of
     * this JVM that writes to the same pool on an equal backend, on the connection every component of that
     * backend shares ({@link RedisBackend}); the last of them to {@link RegistrationClient#close() close}
     * gives it back. While Redis does not answer, this channel fails at once. Replaces any earlier {@code
     * redis(...)} call: the last one wins.
     *
     * @param backend the Redis backend
     * @param poolName the pool's name: 1 to 64 letters, digits, {@code . _ : -} (the coordinator's
     *     default is {@value RegistrationClients#DEFAULT_POOL})
     * @return this builder
     * @throws IllegalArgumentException if the pool name breaks its rule
     */
    public Builder redis(RedisBackend backend, String poolName) {
      Objects.requireNonNull(backend, "backend");
      Objects.requireNonNull(poolName, "poolName");
      if (!POOL_NAME.matcher(poolName).matches()) {
        throw new IllegalArgumentException(
            "poolName must be 1 to 64 letters, digits, '.', '_', ':' or '-', was '" + poolName + "'");
      }
      this.redis.backend(backend);
      this.poolName = poolName;
      return this;
    }

    /**
     * Uses the pool in Redis at a target directly: shorthand for {@code redis(RedisBackend.of(target),
     * poolName)}.
     *
     * @param target where Redis is
     * @param poolName the pool's name: 1 to 64 letters, digits, {@code . _ : -}
     * @return this builder
     * @throws IllegalArgumentException if the pool name breaks its rule
     */
    public Builder redis(RedisTarget target, String poolName) {
      return redis(RedisBackend.of(Objects.requireNonNull(target, "target")), poolName);
    }

    /**
     * Uses the pool file directly, tried last. A missing file (and its directory) is created.
     *
     * @param path the pool file, such as {@code config/decoder_pool.json}
     * @return this builder
     */
    public Builder file(Path path) {
      this.file = Objects.requireNonNull(path, "path");
      return this;
    }

    /**
     * Sets how long one call on a channel may take: an HTTP request to the coordinator (and its connect),
     * or a write to Redis or the file (default {@value RegistrationClients#DEFAULT_REQUEST_TIMEOUT_SECONDS}
     * s).
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder requestTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("requestTimeout must be positive, was " + timeout);
      }
      this.requestTimeout = timeout;
      return this;
    }

    /**
     * Requires HTTPS (default false: plain HTTP is accepted, as in the original deployment): the
     * coordinator URL must be {@code https} (checked by {@link #build()}) and so must every registered
     * node's endpoint (else {@link InvalidNodeException}).
     *
     * @param value whether to require HTTPS
     * @return this builder
     */
    public Builder requireHttps(boolean value) {
      this.requireHttps = value;
      return this;
    }

    /**
     * Sets Redis timeouts and TLS trust of the Redis channel's backend, whether chosen before or after
     * (default: the backend's, {@link RedisOptions#defaults()} for the shorthand).
     *
     * @param options the options
     * @return this builder
     */
    public Builder redisOptions(RedisOptions options) {
      redis.options(options);
      return this;
    }

    /**
     * Sets the configuration of each channel's circuit breaker (default
     * {@link RegistrationClients#defaultCircuitBreakerConfig()}). A channel whose breaker is open is skipped
     * at once (its failure says so) and the next channel is tried; failures count (unreachable, timeout,
     * {@code 5xx}, Redis down, an unwritable file), answers do (a refusal is an answer).
     *
     * @param config the configuration
     * @return this builder
     */
    public Builder circuitBreakerConfig(CircuitBreakerConfig config) {
      this.circuitBreakerConfig = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * Creates the channels' circuit breakers in a registry of the caller's, named by
     * {@link RegistrationClients#circuitBreakerName(Channel)} ({@code switchboard-registration-coordinator},
     * {@code -redis}, {@code -file}), so that resilience4j-micrometer reports them as any other breaker
     * (default: the Redis backend's registry, {@link RedisBackend#withCircuitBreakerRegistry}, else each
     * client has breakers of its own, in no registry). A registry that already holds a
     * breaker of that name returns it, with its configuration, as resilience4j does: clients built on one
     * registry share their breakers.
     *
     * @param registry the registry
     * @return this builder
     */
    public Builder circuitBreakerRegistry(CircuitBreakerRegistry registry) {
      redis.registry(registry);
      return this;
    }

    /**
     * Adds a listener of every channel attempt (see {@link RegistrationListener}); may be called several
     * times.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(RegistrationListener listener) {
      this.listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Sets what {@link KeepAlive#close()} does to the node (default true): it always sets the node
     * {@link io.github.switchboard.pool.NodeStatus#DRAINING DRAINING} first, which takes it out of rotation
     * at once; with true it then deregisters the node, with false the node stays in the pool, drained (an
     * operator or a new registration with a status decides what comes next).
     *
     * @param value whether to deregister after draining
     * @return this builder
     */
    public Builder deregisterOnClose(boolean value) {
      this.deregisterOnClose = value;
      return this;
    }

    /**
     * Checks the settings and builds the client. Nothing is connected yet: each channel connects when
     * first used.
     *
     * @return the client
     * @throws IllegalStateException if no channel is set, or HTTPS is required and the coordinator URL is
     *     plain HTTP
     */
    public RegistrationClient build() {
      if (coordinator == null && !redis.isSet() && file == null) {
        throw new IllegalStateException("at least one channel is needed: coordinator(...), redis(...) or file(...)");
      }
      if (requireHttps && coordinator != null
          && !"https".equalsIgnoreCase(coordinator.getScheme())) {
        throw new IllegalStateException("requireHttps is set but the coordinator URL is not https: "
            + RedisTarget.redact(coordinator.toString()));
      }
      CircuitBreakerConfig breakers = circuitBreakerConfig;
      return new DefaultRegistrationClient(new ClientConfig(coordinator, apiToken, redis.backend(), poolName,
          file, requestTimeout, requireHttps,
          breakers == null ? defaultCircuitBreakerConfig() : breakers, redis.registry(), listeners,
          deregisterOnClose));
    }
  }
}
