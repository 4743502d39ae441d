package io.github.switchboard.registration;

import java.util.Optional;

/**
 * Keeps one node registered: started by {@link RegistrationClient#keepAlive}, it sends a heartbeat every
 * interval on the current channel until closed.
 *
 * <p>The first tick comes after a random delay of up to {@code min(interval, 1 s)} (nodes started together
 * register spread out), each next one an interval after the previous one ended. On each tick:
 *
 * <ul>
 *   <li>every channel higher than the current one is tried first (the node is registered there); the
 *       first that succeeds becomes the current channel, so the node moves back up as soon as a higher
 *       channel returns;
 *   <li>on the current channel a heartbeat is sent ({@code PUT /api/v1/decoders/{id}/heartbeat}, or
 *       {@code DecoderPool.heartbeat}); if the pool has forgotten the node ({@code 404}, or
 *       {@code false}) the node is registered again; a heartbeat that failed or timed out is followed by a
 *       heartbeat on the same channel, never by a registration;
 *   <li>if the current channel fails, the lower channels are tried in order and the first that accepts
 *       the node becomes current; if all fail, there is no current channel until one answers, and the
 *       next ticks back off (twice the wait after each failed tick, at most 8 intervals and 30 s unless
 *       the interval is longer, each wait scaled by a random factor in [0.5, 1.5)).
 * </ul>
 *
 * <p>Moving between channels leaves the node where it was on the channel it left: there it stops sending
 * heartbeats, so the pool marks it stale and later evicts it (see the decoder pool's {@code staleAfter}
 * and {@code evictAfter}). Only moves and re-registrations are logged (INFO, WARN), never a heartbeat.
 *
 * <p>{@link #close()} takes the node out of rotation at once: it stops the heartbeats, sets the node
 * {@link io.github.switchboard.pool.NodeStatus#DRAINING DRAINING} and then deregisters it, on the channel the
 * node is on ({@link RegistrationClients.Builder#deregisterOnClose(boolean) deregisterOnClose(false)}: it
 * only drains).
 */
public interface KeepAlive extends AutoCloseable {

  /**
   * Returns the id of the node kept alive.
   *
   * @return the node id
   */
  String nodeId();

  /**
   * Returns the channel the last tick reached.
   *
   * @return the current channel; empty before the first tick ends, while every channel fails, and after
   *     {@link #close()}
   */
  Optional<Channel> channel();

  /**
   * Stops the heartbeats and takes the node out of rotation, then returns; idempotent. A tick in progress
   * ends first (after its current call); then, on the channel the last tick reached, the node is set
   * {@link io.github.switchboard.pool.NodeStatus#DRAINING DRAINING} (no coordinator selects it any more) and,
   * unless the client was built with {@link RegistrationClients.Builder#deregisterOnClose(boolean)
   * deregisterOnClose(false)}, deregistered. Each step waits at most the client's request timeout; a step
   * that fails is logged at WARN and never thrown (the node then goes stale on its own, after the pool's
   * {@code staleAfter}). If no channel was reached, nothing is sent.
   */
  @Override
  void close();
}
