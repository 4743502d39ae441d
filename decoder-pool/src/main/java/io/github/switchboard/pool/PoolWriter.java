package io.github.switchboard.pool;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Writes to a pool in Redis without being a member of it: what a decoder node (the registration client,
 * the {@code register-decoder-node} tool) needs, and nothing else. Open one with
 * {@link DecoderPools#writer(io.github.switchboard.core.RedisTarget, String)}.
 *
 * <p>A writer holds one Redis connection and no other resource: it loads no snapshot, subscribes to
 * nothing, runs no sweeper, no health checks and no thread of its own. Each write is one script call, the
 * same one a {@link DecoderPool} on Redis makes (so every coordinator of the pool hears the change), and
 * the answer is Redis's. A writer is thread-safe and meant to be shared: every node of a JVM that writes to
 * one pool can use one writer, so connections grow with the number of JVMs, not of nodes.
 *
 * <p>Unlike a {@link DecoderPool}, a writer has no fallback: while Redis cannot be reached, a write fails
 * at once (no queue, no journal) and the caller decides what to do (the registration client tries its next
 * channel). If Redis has lost the pool (a restart without persistence), the first write creates it, empty,
 * and is then applied; the coordinators, which kept their snapshots, put back what they knew.
 *
 * <p>Writes come in pairs: the synchronous one waits at most {@link #writeTimeout()} and throws; the
 * asynchronous twin returns a stage that fails for the same reasons. After {@link #close()} every write
 * throws {@link IllegalStateException}.
 */
public interface PoolWriter extends AutoCloseable {

  /**
   * Adds a node or replaces the configuration of the node with the same id (an idempotent upsert). The node
   * is dynamic (evicted once it has sent heartbeats and then stops for the pool's {@code evictAfter}),
   * exactly as {@link DecoderPool#register} on Redis makes it. Waits for Redis's answer.
   *
   * @param node the node
   * @return true if the node was new, false if it replaced one
   * @throws PoolWriteTimeoutException if Redis does not answer within {@link #writeTimeout()}
   * @throws WriteFailedException if Redis cannot be reached or fails the call
   * @throws IllegalStateException if the writer is closed
   */
  boolean register(DecoderNode node);

  /**
   * Adds or replaces a node. The asynchronous twin of {@link #register}.
   *
   * @param node the node
   * @return a stage with true if the node was new; it fails with {@link WriteFailedException} as
   *     {@link #register} throws it (it is not bounded by {@link #writeTimeout()}; Redis's command timeout
   *     bounds it)
   * @throws IllegalStateException if the writer is closed
   */
  CompletionStage<Boolean> registerAsync(DecoderNode node);

  /**
   * Removes a node. Waits for Redis's answer.
   *
   * @param nodeId the node's id
   * @return true if the node was there
   * @throws PoolWriteTimeoutException if Redis does not answer within {@link #writeTimeout()}
   * @throws WriteFailedException if Redis cannot be reached or fails the call
   * @throws IllegalStateException if the writer is closed
   */
  boolean deregister(String nodeId);

  /**
   * Removes a node. The asynchronous twin of {@link #deregister}.
   *
   * @param nodeId the node's id
   * @return a stage with true if the node was there; it fails as {@link #deregister} throws
   * @throws IllegalStateException if the writer is closed
   */
  CompletionStage<Boolean> deregisterAsync(String nodeId);

  /**
   * Records a heartbeat of a node: it is alive now, with this load. Waits for Redis's answer.
   *
   * @param nodeId the node's id
   * @param load the reported load
   * @return true if the pool knows the node; false if not (nothing is recorded: register it again)
   * @throws PoolWriteTimeoutException if Redis does not answer within {@link #writeTimeout()}
   * @throws WriteFailedException if Redis cannot be reached or fails the call
   * @throws IllegalStateException if the writer is closed
   */
  boolean heartbeat(String nodeId, NodeLoad load);

  /**
   * Records a heartbeat. The asynchronous twin of {@link #heartbeat}.
   *
   * @param nodeId the node's id
   * @param load the reported load
   * @return a stage with true if the pool knows the node; it fails as {@link #heartbeat} throws
   * @throws IllegalStateException if the writer is closed
   */
  CompletionStage<Boolean> heartbeatAsync(String nodeId, NodeLoad load);

  /**
   * Changes a node's status ({@link NodeStatus#DRAINING} takes it out of rotation on every coordinator).
   * Waits for Redis's answer.
   *
   * @param nodeId the node's id
   * @param status the new status
   * @return true if the pool knows the node
   * @throws PoolWriteTimeoutException if Redis does not answer within {@link #writeTimeout()}
   * @throws WriteFailedException if Redis cannot be reached or fails the call
   * @throws IllegalStateException if the writer is closed
   */
  boolean setStatus(String nodeId, NodeStatus status);

  /**
   * Changes a node's status. The asynchronous twin of {@link #setStatus}.
   *
   * @param nodeId the node's id
   * @param status the new status
   * @return a stage with true if the pool knows the node; it fails as {@link #setStatus} throws
   * @throws IllegalStateException if the writer is closed
   */
  CompletionStage<Boolean> setStatusAsync(String nodeId, NodeStatus status);

  /**
   * Returns the pool's name.
   *
   * @return the name
   */
  String poolName();

  /**
   * Returns how long a synchronous write waits: four times the Redis command timeout, at least 1 s (a
   * write may have to create the pool first, which takes two more calls).
   *
   * @return the bound
   */
  Duration writeTimeout();

  /**
   * Returns whether the writer's connection to Redis is up now (a write may still fail).
   *
   * @return true if connected
   */
  boolean isConnected();

  /** Closes the connection the writer opened (never one handed in); idempotent. */
  @Override
  void close();

  /**
   * A write Redis did not take: Redis cannot be reached (not connected yet, or the connection is down),
   * did not answer within its command timeout, or failed the call. The message names the pool and never
   * holds a password; the cause is the Redis client's exception, when there is one.
   */
  final class WriteFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed, without a password
     * @param cause the Redis client's exception, or null
     */
    public WriteFailedException(String message, @org.jspecify.annotations.Nullable Throwable cause) {
      super(message, cause);
    }
  }
}
