package io.github.switchboard.core.testing;

import io.lettuce.core.AbstractRedisClient;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * What every deployment shares about closing: a shared deployment survives {@code close()} until the JVM
 * shuts down, and closing first shuts down the Lettuce clients that tests opened through
 * {@code connect()}, then (in the deployment) its processes.
 */
final class Lifecycle {
  private final List<AbstractRedisClient> clients = new CopyOnWriteArrayList<>();
  private volatile boolean closed;
  private volatile boolean shared;

  /** Marks the deployment as shared: {@link #closeRequested()} then answers false until shutdown. */
  void share() {
    shared = true;
  }

  /** Whether the deployment was closed. */
  boolean isClosed() {
    return closed;
  }

  /** Keeps a client that {@code connect()} made, so that closing shuts it down. */
  <C extends AbstractRedisClient> C track(C client) {
    clients.add(client);
    return client;
  }

  /** Whether a {@code close()} call should close now (not for a shared deployment, until shutdown). */
  boolean closeRequested() {
    return !shared || Processes.isShuttingDown();
  }

  /**
   * Marks the deployment closed and shuts down its clients.
   *
   * @return false if it was closed already (the caller then has nothing to stop)
   */
  boolean beginClose() {
    if (closed) {
      return false;
    }
    closed = true;
    for (AbstractRedisClient c : clients) {
      try {
        c.shutdown(0, 2, TimeUnit.SECONDS);
      } catch (RuntimeException e) {
        // a client that cannot shut down must not keep the processes running
      }
    }
    return true;
  }
}
