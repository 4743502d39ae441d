package io.github.switchboard.registration.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.core.RedisBackend;
import io.github.switchboard.core.RedisTarget;
import java.net.URI;
import java.nio.file.Path;
import io.github.switchboard.registration.RegistrationListener;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A checked client configuration, as {@code RegistrationClients.Builder} hands it over.
 *
 * @param coordinator the coordinator's base URL, or null
 * @param apiToken its Bearer token (non-null when {@code coordinator} is)
 * @param redis the Redis backend of the Redis channel (its options applied), or null
 * @param poolName the pool's name in Redis (and of the file pool)
 * @param file the pool file, or null
 * @param requestTimeout the bound of one call on a channel
 * @param requireHttps whether the coordinator URL and node endpoints must be https
 * @param circuitBreakerConfig the configuration of each channel's breaker
 * @param circuitBreakerRegistry where the breakers are created, or null (breakers of their own)
 * @param listeners hear every channel attempt
 * @param deregisterOnClose whether closing a keep-alive deregisters its node after draining it
 */
public record ClientConfig(
    @Nullable URI coordinator,
    @Nullable String apiToken,
    @Nullable RedisBackend redis,
    String poolName,
    @Nullable Path file,
    Duration requestTimeout,
    boolean requireHttps,
    CircuitBreakerConfig circuitBreakerConfig,
    @Nullable CircuitBreakerRegistry circuitBreakerRegistry,
    List<RegistrationListener> listeners,
    boolean deregisterOnClose) {

  /** Copies the listeners. */
  public ClientConfig {
    listeners = List.copyOf(listeners);
  }

  /** Returns the configuration without the token. */
  @Override
  public String toString() {
    return "ClientConfig[coordinator=" + (coordinator == null ? "none" : RedisTarget.redact(coordinator.toString()))
        + ", redis=" + (redis == null ? "none" : redis.describe()) + ", pool=" + poolName
        + ", file=" + file + ", requestTimeout=" + requestTimeout + ", requireHttps=" + requireHttps + "]";
  }
}
