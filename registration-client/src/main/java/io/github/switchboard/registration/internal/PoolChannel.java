package io.github.switchboard.registration.internal;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.registration.Channel;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/*
 * Redis or the pool file, through a DecoderPool of decoder-pool's public API, opened on first use and kept
 * until close (so a Redis that is down costs one start-up wait, not one per attempt: the pool reconnects in
 * the background and its backendState() says when Redis answers again).
 *
 * Redis: a pool with Redis only. Its fallback is memory, which must never count as "registered": the channel
 * fails at once unless the pool's backend is PRIMARY before the write, and reports a failure if the write was
 * answered by the fallback (the backend is no longer PRIMARY after it). A write that raced with an outage may
 * sit in the pool's journal and reach Redis when it returns; that is the same change, so harmless.
 *
 * File: a pool with the file only; a missing file and its directory are created on the first write (the
 * pool writes atomically: no truncation). A file that cannot be read fails the channel; the pool is opened
 * again on the next attempt.
 */
/** Redis or the pool file as a registration channel. */
final class PoolChannel implements RegistrationChannel {
  private final Channel channel;
  private final String shown;
  private final Supplier<DecoderPool> opener;
  private final boolean requirePrimary;
  private final Duration timeout;
  private final @Nullable Path file; // the file channel's file
  private @Nullable DecoderPool pool; // guarded by this
  private boolean closed; // guarded by this

  private PoolChannel(Channel channel, String shown, Supplier<DecoderPool> opener, boolean requirePrimary,
      Duration timeout, @Nullable Path file) {
    this.channel = channel;
    this.shown = shown;
    this.opener = opener;
    this.requirePrimary = requirePrimary;
    this.timeout = timeout;
    this.file = file;
  }

  static PoolChannel redis(RedisTarget target, String poolName, RedisOptions options, Duration timeout) {
    String shown = target.redactedUrl() + " (pool '" + poolName + "')";
    return new PoolChannel(Channel.REDIS, shown,
        () -> DecoderPools.builder(poolName).redis(target).redisOptions(options).build(), true, timeout, null);
  }

  static PoolChannel file(Path file, String poolName, Duration timeout) {
    return new PoolChannel(Channel.FILE, file.toString(),
        () -> DecoderPools.builder(poolName).file(file).build(), false, timeout, file);
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
    DecoderPool p = pool();
    boolean created = await(p.registerAsync(node), "register the node");
    checkPrimary(p);
    return created;
  }

  @Override
  public boolean deregister(String nodeId) throws ChannelException {
    if (file != null && !isOpen() && !Files.exists(file)) {
      return false; // no pool file: nothing to remove, and nothing to create
    }
    DecoderPool p = pool();
    boolean removed = await(p.deregisterAsync(nodeId), "remove the node");
    checkPrimary(p);
    return removed;
  }

  @Override
  public boolean heartbeat(String nodeId, NodeLoad load) throws ChannelException {
    DecoderPool p = pool();
    boolean known = await(p.heartbeatAsync(nodeId, load), "record the heartbeat");
    checkPrimary(p);
    return known;
  }

  @Override
  public boolean setStatus(DecoderNode node, NodeStatus status) throws ChannelException {
    DecoderPool p = pool();
    boolean known = await(p.setStatusAsync(node.nodeId(), status), "set the node's status");
    checkPrimary(p);
    return known;
  }

  private synchronized boolean isOpen() {
    return pool != null;
  }

  private synchronized DecoderPool pool() throws ChannelException {
    if (closed) {
      throw new ChannelException(label() + " " + shown + ": the client is closed");
    }
    DecoderPool p = pool;
    if (p == null) {
      try {
        p = opener.get();
      } catch (RuntimeException e) { // PoolFormatException, UncheckedIOException, a Redis set-up error
        throw new ChannelException("cannot open " + label() + " " + shown + ": " + message(e));
      }
      pool = p;
    }
    checkPrimary(p);
    return p;
  }

  private void checkPrimary(DecoderPool p) throws ChannelException {
    if (requirePrimary && p.backendState() != BackendState.PRIMARY) {
      throw new ChannelException("Redis " + shown + " is unreachable");
    }
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
    DecoderPool p;
    synchronized (this) {
      closed = true;
      p = pool;
      pool = null;
    }
    if (p != null) {
      p.close();
    }
  }
}
