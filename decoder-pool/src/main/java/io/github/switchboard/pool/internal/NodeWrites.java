package io.github.switchboard.pool.internal;

import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.internal.store.PoolChange;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/*
 * The four node writes and their synchronous twins, shared by the pool (DefaultDecoderPool, through its
 * store) and the decoder node's writer (RedisPoolWriter, one script call each): each builds its PoolChange
 * and hands it to write(); a synchronous twin waits for it through await(), which says how long and what a
 * failure becomes. The public methods implement DecoderPool's and PoolWriter's (documented there).
 */
abstract class NodeWrites {

  /** Sends one change; throws IllegalStateException if closed. */
  abstract CompletionStage<Boolean> write(PoolChange change);

  /** Waits for a write's stage, bounded, and unwraps its failure. */
  abstract <T> T await(CompletionStage<T> stage, String operation);

  /** The time a heartbeat is stamped with by the caller (Redis stamps its own where it can). */
  abstract long heartbeatMicros();

  public boolean register(DecoderNode node) {
    return await(registerAsync(node), "register");
  }

  public CompletionStage<Boolean> registerAsync(DecoderNode node) {
    return write(new PoolChange.Upsert(Objects.requireNonNull(node, "node"), false));
  }

  public boolean deregister(String nodeId) {
    return await(deregisterAsync(nodeId), "deregister");
  }

  public CompletionStage<Boolean> deregisterAsync(String nodeId) {
    return write(new PoolChange.Remove(Objects.requireNonNull(nodeId, "nodeId")));
  }

  public boolean heartbeat(String nodeId, NodeLoad load) {
    return await(heartbeatAsync(nodeId, load), "heartbeat");
  }

  public CompletionStage<Boolean> heartbeatAsync(String nodeId, NodeLoad load) {
    Objects.requireNonNull(nodeId, "nodeId");
    return write(new PoolChange.Heartbeat(nodeId, Objects.requireNonNull(load, "load"), heartbeatMicros()));
  }

  public boolean setStatus(String nodeId, NodeStatus status) {
    return await(setStatusAsync(nodeId, status), "setStatus");
  }

  public CompletionStage<Boolean> setStatusAsync(String nodeId, NodeStatus status) {
    Objects.requireNonNull(nodeId, "nodeId");
    return write(new PoolChange.SetStatus(nodeId, Objects.requireNonNull(status, "status")));
  }
}
