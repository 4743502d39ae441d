package io.github.switchboard.pool;

import io.github.switchboard.core.BackendState;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A registry of decoder nodes shared between coordinators, and the choice of a node for a request. Build
 * one with {@link DecoderPools#builder(String)}. Thread-safe.
 *
 * <p>Reads ({@link #nodes()}, {@link #node(String)}, {@link #abTests()}, {@link #select(RoutingRequest)})
 * answer from a local snapshot and never wait on Redis or the disk.
 *
 * <p>Writes come in pairs, like the other modules' calls ({@code tryAcquire}/{@code tryAcquireAsync},
 * {@code register}/{@code registerAsync}): {@code registerAsync(node)} returns a stage that completes once
 * the change is stored (in Redis, or in the fallback while Redis is down) and this instance's snapshot shows
 * it; {@code register(node)} waits for that stage at most the builder's
 * {@link DecoderPools.Builder#writeTimeout(java.time.Duration) writeTimeout} and returns its result. A write
 * fails only for a reason the caller can act on (for example an unwritable pool file); a Redis outage never
 * fails it (the fallback answers). After {@link #close()}, every write throws {@link IllegalStateException}.
 */
public interface DecoderPool extends AutoCloseable {

  /**
   * Adds a node or replaces the configuration of the node with the same id (idempotent upsert). A node
   * registered this way is dynamic: it is evicted once it has sent heartbeats and then stops for
   * {@code evictAfter}. A configured node (from the pool file) stays configured.
   * Waits for the change to be stored.
   *
   * @param node the node
   * @return true if the node was new, false if it replaced one
   * @throws PoolWriteTimeoutException if the change is not stored within {@code writeTimeout}
   * @throws IllegalStateException if the pool is closed
   * @throws RuntimeException the stage's failure, unwrapped (for example {@link PoolFormatException} or
   *     {@link java.io.UncheckedIOException} for a pool file that cannot be read or written)
   */
  boolean register(DecoderNode node);

  /**
   * Adds a node or replaces the configuration of the node with the same id (idempotent upsert). A node
   * registered this way is dynamic: it is evicted once it has sent heartbeats and then stops for
   * {@code evictAfter}. A configured node (from the pool file) stays configured.
   * The asynchronous twin of {@link #register}.
   *
   * @param node the node
   * @return a stage with true if the node was new, false if it replaced one;
   *     it fails as {@link #register} throws, but never times out
   * @throws IllegalStateException if the pool is closed
   */
  CompletionStage<Boolean> registerAsync(DecoderNode node);

  /**
   * Removes a node. Waits for the change to be stored.
   *
   * @param nodeId the node's id
   * @return true if the node was there
   * @throws PoolWriteTimeoutException if the change is not stored within {@code writeTimeout}
   * @throws IllegalStateException if the pool is closed
   * @throws RuntimeException the stage's failure, unwrapped (for example {@link PoolFormatException} or
   *     {@link java.io.UncheckedIOException} for a pool file that cannot be read or written)
   */
  boolean deregister(String nodeId);

  /**
   * Removes a node. The asynchronous twin of {@link #deregister}.
   *
   * @param nodeId the node's id
   * @return a stage with true if the node was there;
   *     it fails as {@link #deregister} throws, but never times out
   * @throws IllegalStateException if the pool is closed
   */
  CompletionStage<Boolean> deregisterAsync(String nodeId);

  /**
   * Records a heartbeat: the node is alive now, with this load. Waits for the change to be stored.
   *
   * @param nodeId the node's id
   * @param load the reported load
   * @return true if the pool knows the node; false if not (the sender should register again)
   * @throws PoolWriteTimeoutException if the change is not stored within {@code writeTimeout}
   * @throws IllegalStateException if the pool is closed
   * @throws RuntimeException the stage's failure, unwrapped (for example {@link PoolFormatException} or
   *     {@link java.io.UncheckedIOException} for a pool file that cannot be read or written)
   */
  boolean heartbeat(String nodeId, NodeLoad load);

  /**
   * Records a heartbeat: the node is alive now, with this load. The asynchronous twin of {@link #heartbeat}.
   *
   * @param nodeId the node's id
   * @param load the reported load
   * @return a stage with true if the pool knows the node; false if not (the sender should register again);
   *     it fails as {@link #heartbeat} throws, but never times out
   * @throws IllegalStateException if the pool is closed
   */
  CompletionStage<Boolean> heartbeatAsync(String nodeId, NodeLoad load);

  /**
   * Changes a node's status. Waits for the change to be stored.
   *
   * @param nodeId the node's id
   * @param status the new status
   * @return true if the pool knows the node
   * @throws PoolWriteTimeoutException if the change is not stored within {@code writeTimeout}
   * @throws IllegalStateException if the pool is closed
   * @throws RuntimeException the stage's failure, unwrapped (for example {@link PoolFormatException} or
   *     {@link java.io.UncheckedIOException} for a pool file that cannot be read or written)
   */
  boolean setStatus(String nodeId, NodeStatus status);

  /**
   * Changes a node's status. The asynchronous twin of {@link #setStatus}.
   *
   * @param nodeId the node's id
   * @param status the new status
   * @return a stage with true if the pool knows the node;
   *     it fails as {@link #setStatus} throws, but never times out
   * @throws IllegalStateException if the pool is closed
   */
  CompletionStage<Boolean> setStatusAsync(String nodeId, NodeStatus status);

  /**
   * Returns every node with its runtime state, ordered by node id.
   *
   * @return an immutable list
   */
  List<NodeView> nodes();

  /**
   * Returns one node with its runtime state.
   *
   * @param nodeId the node's id
   * @return the node, empty if unknown
   */
  Optional<NodeView> node(String nodeId);

  /**
   * Chooses a node for a request, from the local snapshot (never a network call).
   *
   * @param request what the request needs
   * @return the choice, empty if no selectable node serves the request
   */
  Optional<Selection> select(RoutingRequest request);

  /**
   * Returns the A/B tests, ordered by name.
   *
   * @return an immutable list
   */
  List<AbTest> abTests();

  /**
   * Adds an A/B test or replaces the one with the same name. Waits for the change to be stored.
   *
   * @param test the test
   * @return true if the test was new
   * @throws PoolWriteTimeoutException if the change is not stored within {@code writeTimeout}
   * @throws IllegalStateException if the pool is closed
   * @throws RuntimeException the stage's failure, unwrapped (for example {@link PoolFormatException} or
   *     {@link java.io.UncheckedIOException} for a pool file that cannot be read or written)
   */
  boolean putAbTest(AbTest test);

  /**
   * Adds an A/B test or replaces the one with the same name. The asynchronous twin of {@link #putAbTest}.
   *
   * @param test the test
   * @return a stage with true if the test was new;
   *     it fails as {@link #putAbTest} throws, but never times out
   * @throws IllegalStateException if the pool is closed
   */
  CompletionStage<Boolean> putAbTestAsync(AbTest test);

  /**
   * Removes an A/B test. Waits for the change to be stored.
   *
   * @param name the test's name
   * @return true if it was there
   * @throws PoolWriteTimeoutException if the change is not stored within {@code writeTimeout}
   * @throws IllegalStateException if the pool is closed
   * @throws RuntimeException the stage's failure, unwrapped (for example {@link PoolFormatException} or
   *     {@link java.io.UncheckedIOException} for a pool file that cannot be read or written)
   */
  boolean removeAbTest(String name);

  /**
   * Removes an A/B test. The asynchronous twin of {@link #removeAbTest}.
   *
   * @param name the test's name
   * @return a stage with true if it was there;
   *     it fails as {@link #removeAbTest} throws, but never times out
   * @throws IllegalStateException if the pool is closed
   */
  CompletionStage<Boolean> removeAbTestAsync(String name);

  /**
   * Adds a listener of changes.
   *
   * @param listener the listener; see {@link PoolListener} for the thread it runs on
   * @return the subscription; close it to remove the listener
   */
  Subscription subscribe(PoolListener listener);

  /**
   * Reads the whole pool again from its store (Redis, or the file) and replaces the snapshot. Waits for it.
   *
   * @throws PoolWriteTimeoutException if the snapshot is not replaced within {@code writeTimeout}
   * @throws IllegalStateException if the pool is closed
   * @throws RuntimeException the reason the store cannot be read, unwrapped (the last good snapshot stays),
   *     for example {@link PoolFormatException}
   */
  void reload();

  /**
   * Reads the whole pool again from its store (Redis, or the file) and replaces the snapshot. A store that
   * cannot be read keeps the last good snapshot and the stage fails with the reason.
   *
   * @return a stage completing when the snapshot is replaced
   * @throws IllegalStateException if the pool is closed
   */
  CompletionStage<Void> reloadAsync();

  /**
   * Returns which backend answers: {@link BackendState#PRIMARY} for Redis (and always for a pool without
   * Redis), {@link BackendState#FALLBACK} while Redis is down.
   *
   * @return the state
   */
  BackendState backendState();

  /** Stops health checks and the sweeper and closes what the pool opened; idempotent. */
  @Override
  void close();
}
