package io.github.switchboard.registration.internal;

import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
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

  @Override
  void close();
}
