package io.github.switchboard.registration.internal;

import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.registration.Channel;
import io.github.switchboard.registration.InvalidNodeException;

/** One way to reach the pool. Thread-safe; every call is bounded by the client's request timeout. */
interface RegistrationChannel extends AutoCloseable {

  /** Which channel this is. */
  Channel channel();

  /** Where it goes, safe to show: a URL without credentials, a redacted Redis URL, a path. */
  String describe();

  /**
   * Registers (upserts) a node.
   *
   * @return true if created, false if updated
   * @throws InvalidNodeException if the channel refuses the node as invalid
   */
  boolean register(DecoderNode node) throws ChannelException;

  /**
   * Removes a node.
   *
   * @return true if it was there
   */
  boolean deregister(String nodeId) throws ChannelException;

  /**
   * Sends a heartbeat.
   *
   * @return true if the pool knows the node, false if it must be registered again
   */
  boolean heartbeat(String nodeId, NodeLoad load) throws ChannelException;

  /**
   * Sets a node's status (a keep-alive's drain before it deregisters the node).
   *
   * @param node the node (the coordinator's API has no status route: the node is registered again with
   *     this status, which the pool keeps)
   * @param status the status
   * @return true if the pool knew the node
   */
  boolean setStatus(DecoderNode node, NodeStatus status) throws ChannelException;

  @Override
  void close();
}
