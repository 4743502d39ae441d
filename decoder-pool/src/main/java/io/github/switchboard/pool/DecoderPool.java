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
 * answer from a local snapshot and never wait on Redis or the disk. Writes return a stage that completes
 * once the change is stored (in Redis, or in the fallback while Redis is down) and this instance's snapshot
 * shows it. A stage fails only for a reason the caller can act on (for example an unwritable pool file);
 * a Redis outage never fails it. After {@link #close()}, every write throws {@link IllegalStateException}.
 */
public interface DecoderPool extends AutoCloseable {

  /**
   * Adds a node or replaces the configuration of the node with the same id (idempotent upsert). A node
   * registered this way is dynamic: it is evicted once it has sent heartbeats and then stops for
   * {@code evictAfter}. A configured node (from the pool file) stays configured.
   *
   * @param node the node
   * @return true if the node was new, false if it replaced one
   */
  CompletionStage<Boolean> register(DecoderNode node);

  /**
   * Removes a node.
   *
   * @param nodeId the node's id
   * @return true if the node was there
   */
  CompletionStage<Boolean> deregister(String nodeId);

  /**
   * Records a heartbeat: the node is alive now, with this load.
   *
   * @param nodeId the node's id
   * @param load the reported load
   * @return true if the pool knows the node; false if not (the sender should register again)
   */
  CompletionStage<Boolean> heartbeat(String nodeId, NodeLoad load);

  /**
   * Changes a node's status.
   *
   * @param nodeId the node's id
   * @param status the new status
   * @return true if the pool knows the node
   */
  CompletionStage<Boolean> setStatus(String nodeId, NodeStatus status);

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
   * Adds an A/B test or replaces the one with the same name.
   *
   * @param test the test
   * @return true if the test was new
   */
  CompletionStage<Boolean> putAbTest(AbTest test);

  /**
   * Removes an A/B test.
   *
   * @param name the test's name
   * @return true if it was there
   */
  CompletionStage<Boolean> removeAbTest(String name);

  /**
   * Adds a listener of changes.
   *
   * @param listener the listener; see {@link PoolListener} for the thread it runs on
   * @return the subscription; close it to remove the listener
   */
  Subscription subscribe(PoolListener listener);

  /**
   * Reads the whole pool again from its store (Redis, or the file) and replaces the snapshot. A store that
   * cannot be read keeps the last good snapshot and the stage fails with the reason.
   *
   * @return a stage completing when the snapshot is replaced
   */
  CompletionStage<Void> reload();

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
