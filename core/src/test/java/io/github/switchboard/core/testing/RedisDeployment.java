package io.github.switchboard.core.testing;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.lettuce.core.api.StatefulConnection;

/**
 * A Redis deployment started (or, for {@code REDIS_URL}, found) by the harness. Closing it stops every
 * process it started and deletes its files.
 */
public interface RedisDeployment extends AutoCloseable {

  /**
   * Returns the target that reaches this deployment, with its credentials.
   *
   * @return the target
   */
  RedisTarget target();

  /**
   * Returns the options to reach it: the defaults, or for TLS the defaults trusting the generated
   * certificate.
   *
   * @return the options
   */
  RedisOptions options();

  /**
   * Returns a builder preset like {@link #options()}, for a test that wants other timeouts.
   *
   * @return a new builder
   */
  RedisOptions.Builder optionsBuilder();

  /**
   * Deletes every key on every master (FLUSHALL); for the server named by {@code REDIS_URL}, only the
   * keys of the database it names (FLUSHDB), which the harness claimed because it was empty.
   */
  void flushAll();

  /** Empties the script cache on every node (SCRIPT FLUSH). */
  void scriptFlush();

  /**
   * Opens a plain Lettuce connection for assertions; the caller closes it. The client behind it is shut
   * down when the deployment closes.
   *
   * @return a new connection
   */
  StatefulConnection<String, String> connect();

  /**
   * Returns the topology.
   *
   * @return the topology
   */
  Topology topology();

  /** Stops every process of this deployment and deletes its files; a shared deployment ignores it. */
  @Override
  void close();
}
