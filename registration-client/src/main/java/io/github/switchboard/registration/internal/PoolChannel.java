package io.github.switchboard.registration.internal;

import io.github.switchboard.core.RedisBackend;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.PoolWriter;
import io.github.switchboard.registration.Channel;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/*
 * Redis or the pool file, opened on first use and kept until close.
 *
 * Redis: a PoolWriter (decoder-pool), which only writes: one script call per change on one connection, no
 * snapshot, no subscription, no sweeper, no health checks. The writer is shared by every client of the JVM
 * that writes to the same pool (SharedWriters), so connections grow with JVMs, not nodes. It has no
 * fallback: while its connection is down the channel fails at once ("unreachable"), and a Redis that is
 * down at the first use costs one connect timeout, after which the connection is retried in the background.
 *
 * File: a DecoderPool with the file only; a missing file and its directory are created on the first write
 * (the pool writes atomically: no truncation). A file that cannot be read fails the channel; the pool is
 * opened again on the next attempt.
 */
/** Redis or the pool file as a registration channel. */
final class PoolChannel implements RegistrationChannel {

  /** Fails at once when the store cannot be reached now. */
  @FunctionalInterface
  private interface Check {
    void run() throws ChannelException;
  }

  /**
   * The writes of a channel: the async twins of a shared PoolWriter (Redis) or of a file DecoderPool, which
   * have the same names and meaning.
   */
  private record Writes(
      Check check,
      Function<DecoderNode, CompletionStage<Boolean>> register,
      Function<String, CompletionStage<Boolean>> deregister,
      BiFunction<String, NodeLoad, CompletionStage<Boolean>> heartbeat,
      BiFunction<String, NodeStatus, CompletionStage<Boolean>> setStatus,
      Runnable close) {}

  @FunctionalInterface
  private interface Opener {
    Writes open();
  }

  private final Channel channel;
  private final String shown;
  private final Opener opener;
  private final Duration timeout;
  private final @Nullable Path file; // the file channel's file
  private @Nullable Writes writes; // guarded by this
  private boolean closed; // guarded by this

  private PoolChannel(Channel channel, String shown, Opener opener, Duration timeout, @Nullable Path file) {
    this.channel = channel;
    this.shown = shown;
    this.opener = opener;
    this.timeout = timeout;
    this.file = file;
  }

  static PoolChannel redis(RedisBackend backend, String poolName, Duration timeout) {
    String shown = backend.describe() + " (pool '" + poolName + "')";
    return new PoolChannel(Channel.REDIS, shown, () -> writerWrites(SharedWriters.acquire(backend, poolName),
        shown), timeout, null);
  }

  static PoolChannel file(Path file, String poolName, Duration timeout) {
    return new PoolChannel(Channel.FILE, file.toString(),
        () -> poolWrites(DecoderPools.builder(poolName).file(file).build()), timeout, file);
  }

  private static Writes writerWrites(SharedWriters.Lease lease, String shown) {
    PoolWriter w = lease.writer();
    Check connected = () -> {
      if (!w.isConnected()) {
        throw new ChannelException("Redis " + shown + " is unreachable");
      }
    };
    return new Writes(connected, w::registerAsync, w::deregisterAsync, w::heartbeatAsync, w::setStatusAsync,
        lease::close);
  }

  private static Writes poolWrites(DecoderPool p) {
    // a file pool has no Redis: it answers, or its write fails
    return new Writes(() -> { }, p::registerAsync, p::deregisterAsync, p::heartbeatAsync, p::setStatusAsync,
        p::close);
  }

  @Override
  public Channel channel() {
    return channel;
  }

  @Override
  public String describe() {
    return shown;
  }

  @Override
  public boolean register(DecoderNode node) throws ChannelException {
    return await(writes().register().apply(node), "register the node");
  }

  @Override
  public boolean deregister(String nodeId) throws ChannelException {
    if (file != null && !isOpen() && !Files.exists(file)) {
      return false; // no pool file: nothing to remove, and nothing to create
    }
    return await(writes().deregister().apply(nodeId), "remove the node");
  }

  @Override
  public boolean heartbeat(String nodeId, NodeLoad load) throws ChannelException {
    return await(writes().heartbeat().apply(nodeId, load), "record the heartbeat");
  }

  @Override
  public boolean setStatus(DecoderNode node, NodeStatus status) throws ChannelException {
    return await(writes().setStatus().apply(node.nodeId(), status), "set the node's status");
  }

  private synchronized boolean isOpen() {
    return writes != null;
  }

  private synchronized Writes writes() throws ChannelException {
    if (closed) {
      throw new ChannelException(label() + " " + shown + ": the client is closed");
    }
    Writes w = writes;
    if (w == null) {
      try {
        w = opener.open();
      } catch (RuntimeException e) { // PoolFormatException, UncheckedIOException, a Redis set-up error
        throw new ChannelException("cannot open " + label() + " " + shown + ": " + message(e));
      }
      writes = w;
    }
    w.check().run();
    return w;
  }

  private boolean await(CompletionStage<Boolean> stage, String what) throws ChannelException {
    try {
      return Boolean.TRUE.equals(stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (TimeoutException e) {
      throw new ChannelException(label() + " " + shown + " did not " + what + " within " + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new ChannelException(label() + " " + shown + " could not " + what + ": " + message(cause));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelException(label() + " " + shown + ": interrupted");
    }
  }

  private String label() {
    return channel == Channel.REDIS ? "Redis" : "pool file";
  }

  private static String message(Throwable e) {
    Throwable t = e;
    while (t instanceof UncheckedIOException && t.getCause() != null) {
      t = t.getCause();
    }
    return Failures.describe(t);
  }

  @Override
  public void close() {
    Writes w;
    synchronized (this) {
      closed = true;
      w = writes;
      writes = null;
    }
    if (w != null) {
      w.close().run();
    }
  }
}
