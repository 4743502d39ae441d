package io.github.switchboard.examples.coordinator;

import io.github.switchboard.pool.NodeNetworks;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The coordinator's bounds on what clients and nodes may make it hold or reach: the networks decoder nodes
 * may live in, and how long an invented API key holds its place in the key budget. Immutable; part of
 * {@link CoordinatorConfig}, read from the environment by {@link CoordinatorConfig#fromEnvironment(Map)}.
 *
 * @param nodeNetworks the networks a node's endpoint and health URL must resolve into ({@code
 *     NODE_NETWORKS}); a node outside is refused at registration with {@code 400} and never contacted
 *     (health checks, decodes). {@link NodeNetworks#ANY}: no restriction
 * @param apiKeyIdle without {@code API_KEYS_FILE}, how long a key unseen holds its place among the {@code
 *     MAX_API_KEYS} admitted ones; when the budget is full, the key unseen the longest gives its place to a
 *     new key once it has been unseen this long, so a new key waits at most this long
 */
public record FleetConfig(NodeNetworks nodeNetworks, Duration apiKeyIdle) {

  /** The variable holding the node networks: CIDR blocks separated by commas (default: any). */
  public static final String ENV_NODE_NETWORKS = "NODE_NETWORKS";

  /** The default {@code apiKeyIdle}: 60 s. */
  public static final Duration DEFAULT_API_KEY_IDLE = Duration.ofSeconds(60);

  /**
   * Checks the settings.
   *
   * @throws IllegalArgumentException if {@code apiKeyIdle} is not from 1 s to 60 s
   */
  public FleetConfig {
    Objects.requireNonNull(nodeNetworks, "nodeNetworks");
    Objects.requireNonNull(apiKeyIdle, "apiKeyIdle");
    if (apiKeyIdle.compareTo(Duration.ofSeconds(1)) < 0 || apiKeyIdle.compareTo(DEFAULT_API_KEY_IDLE) > 0) {
      throw new IllegalArgumentException("apiKeyIdle must be from 1 s to 60 s, was " + apiKeyIdle);
    }
  }

  /**
   * Returns the defaults: any node network, keys idle for 60 s give their place.
   *
   * @return the defaults
   */
  public static FleetConfig defaults() {
    return new FleetConfig(NodeNetworks.ANY, DEFAULT_API_KEY_IDLE);
  }

  /**
   * Reads {@code NODE_NETWORKS} (absent or empty: any).
   *
   * @param env the variables
   * @return the settings
   * @throws ConfigException naming the variable if its value is not a list of CIDR blocks
   */
  static FleetConfig fromEnvironment(Map<String, String> env) {
    String networks = env.get(ENV_NODE_NETWORKS);
    if (networks == null || networks.isBlank()) {
      return defaults();
    }
    try {
      return new FleetConfig(NodeNetworks.parse(networks), DEFAULT_API_KEY_IDLE);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(ENV_NODE_NETWORKS, ENV_NODE_NETWORKS + ": " + e.getMessage(), e);
    }
  }
}
