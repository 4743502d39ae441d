package io.github.switchboard.registration;

import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Registers decoder nodes in a pool through the first channel that works: the coordinator's HTTP API,
 * then Redis, then the pool file (each only if configured). Build one with
 * {@link RegistrationClients#builder()}. Thread-safe.
 *
 * <p>A channel that cannot be reached or fails (connection refused, a timeout, a {@code 5xx}, Redis down,
 * an unwritable file) makes the client try the next; the failures are reported in the result. A channel
 * that answers and refuses ends the chain: a node the coordinator refuses as invalid ({@code 400}) or whose
 * API token it refuses ({@code 401}, {@code 403}) is never written through another channel.
 */
public interface RegistrationClient extends AutoCloseable {

  /**
   * Registers a node (an idempotent upsert by node id), trying the channels in order.
   *
   * @param node the node
   * @return the channel that stored it, whether it was new, and the failures of the channels before
   * @throws InvalidNodeException if the coordinator refused the node as invalid, or HTTPS is required and
   *     the node's endpoint is plain HTTP
   * @throws RegistrationRefusedException if the coordinator refused the API token ({@code 401},
   *     {@code 403}); no lower channel was tried
   * @throws RegistrationException if every channel failed
   * @throws IllegalStateException if the client is closed
   */
  RegistrationResult register(DecoderNode node);

  /**
   * Registers a node, on the client's worker thread.
   *
   * @param node the node
   * @return a stage completing as {@link #register(DecoderNode)} returns or throws
   */
  CompletionStage<RegistrationResult> registerAsync(DecoderNode node);

  /**
   * Removes a node: the channels are asked in order until one removes it (a channel that does not know
   * the node, or fails, passes to the next).
   *
   * @param nodeId the node's id
   * @return the channel that removed the node, or that answered it did not know it
   * @throws RegistrationRefusedException if the coordinator refused the call ({@code 400}, {@code 401},
   *     {@code 403}); no lower channel was tried
   * @throws RegistrationException if every channel failed
   * @throws IllegalStateException if the client is closed
   */
  DeregistrationResult deregister(String nodeId);

  /**
   * Removes a node, on the client's worker thread.
   *
   * @param nodeId the node's id
   * @return a stage completing as {@link #deregister(String)} returns or throws
   */
  CompletionStage<DeregistrationResult> deregisterAsync(String nodeId);

  /**
   * Starts keeping a node registered, reporting no load ({@link NodeLoad#NONE}); the first tick runs at
   * once. See {@link KeepAlive} for what each tick does.
   *
   * @param node the node
   * @param interval the time between heartbeats; positive
   * @return the running keep-alive; close it to stop
   * @throws IllegalArgumentException if the interval is not positive
   * @throws InvalidNodeException if HTTPS is required and the node's endpoint is plain HTTP
   * @throws IllegalStateException if the client is closed
   */
  KeepAlive keepAlive(DecoderNode node, Duration interval);

  /**
   * Starts keeping a node registered, reporting the load the supplier gives at each heartbeat.
   *
   * @param node the node
   * @param interval the time between heartbeats; positive
   * @param load asked once per heartbeat, on the client's worker thread; an exception is logged at WARN
   *     once and {@link NodeLoad#NONE} is sent instead
   * @return the running keep-alive; close it to stop
   * @throws IllegalArgumentException if the interval is not positive
   * @throws InvalidNodeException if HTTPS is required and the node's endpoint is plain HTTP
   * @throws IllegalStateException if the client is closed
   */
  KeepAlive keepAlive(DecoderNode node, Duration interval, Supplier<NodeLoad> load);

  /**
   * Closes every keep-alive of this client as {@link KeepAlive#close()} does (each node is drained and, by
   * default, deregistered), then stops the worker thread and closes the connections the client opened;
   * idempotent.
   */
  @Override
  void close();
}
