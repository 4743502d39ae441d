package io.github.switchboard.core.internal;

import io.github.switchboard.core.RedisBackend;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The one narrow adapter between Switchboard and Lettuce (Bucket4j's LettuceBasedProxyManager is the
 * model): a standalone, Sentinel or Cluster connection is seen through RedisClusterAsyncCommands, the
 * common super-interface of RedisAsyncCommands and RedisAdvancedClusterAsyncCommands, so every module
 * writes its Redis code once.
 *
 * Ownership: each component holds its own RedisConnection, a handle on a RedisLink (the connection,
 * its client, its blocking connections). A link opened from a RedisBackend is shared by every handle of an
 * equal backend and closed by the last handle's close(); one opened by open(target, ...) belongs to its
 * one handle. A connection handed in by the user is never closed.
 *
 * Connecting: open() waits up to connectTimeout for the first connection. If Redis is not there, it
 * returns anyway and keeps trying in the background (with a capped backoff) so that a component built
 * while Redis is down moves to Redis when it comes up. Once connected, Lettuce's auto-reconnect takes over;
 * while disconnected, commands are rejected at once (REJECT_COMMANDS) instead of being queued, and every
 * command is bounded by the command timeout (TimeoutOptions), so a hung server makes calls fail, not hang.
 */
/** A Redis connection of any topology, with its Lua script runner: one component's handle on it. */
public final class RedisConnection implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisConnection.class);

  private final RedisLink link;
  private final String name;
  private final AtomicBoolean closed = new AtomicBoolean();

  private RedisConnection(RedisLink link, String name) {
    this.link = link;
    this.name = name;
  }

  /**
   * Returns a handle on the connection a backend names, shared by every component built on an equal
   * backend ({@link RedisBackend#equals(Object)}): the first opens it (waiting up to the connect timeout;
   * if Redis is not reachable, it keeps trying in the background), the last {@link #close()} closes it.
   *
   * @param backend the backend
   * @param name this component's name, for logs
   * @return the handle, owned by the caller
   */
  public static RedisConnection open(RedisBackend backend, String name) {
    Objects.requireNonNull(backend, "backend");
    return new RedisConnection(RedisLink.acquire(backend, name), name);
  }

  /**
   * Opens a connection to a target of this handle's own, shared with no one. Waits up to the connect
   * timeout for the first connection; if Redis is not reachable, returns a connection that keeps trying in
   * the background.
   *
   * @param target where Redis is
   * @param options timeouts and TLS trust
   * @param name a name for logs and thread names
   * @return the connection, owned by the caller
   */
  public static RedisConnection open(RedisTarget target, RedisOptions options, String name) {
    return new RedisConnection(RedisLink.open(target, options, null, name), name);
  }

  /**
   * Wraps a standalone (or Sentinel) connection handed in by the user; {@link #close()} does not close it.
   *
   * @param connection the connection
   * @param options used for the command timeout of synchronous waits
   * @param name a name for logs
   * @return the adapter
   */
  public static RedisConnection wrap(
      StatefulRedisConnection<String, String> connection, RedisOptions options, String name) {
    return new RedisConnection(RedisLink.wrap(connection, options, name), name);
  }

  /**
   * Wraps a Cluster connection handed in by the user; {@link #close()} does not close it.
   *
   * @param connection the connection
   * @param options used for the command timeout of synchronous waits
   * @param name a name for logs
   * @return the adapter
   */
  public static RedisConnection wrap(
      StatefulRedisClusterConnection<String, String> connection, RedisOptions options, String name) {
    return new RedisConnection(RedisLink.wrap(connection, options, name), name);
  }

  /**
   * Returns the eviction check made when the first connection was made ({@link EvictionGuard}); not
   * complete while there is no connection yet.
   *
   * @return what the check found
   */
  public CompletionStage<EvictionGuard.Finding> evictionCheck() {
    return link.evictionCheck();
  }

  /** Redis's answer when the cause is a refused AUTH or HELLO (WRONGPASS, NOAUTH, ...), else null. */
  static @Nullable String authFailure(Throwable error) {
    return RedisLink.authFailure(error);
  }

  /**
   * Returns the async commands, or throws if there is no connection yet.
   *
   * @return the commands of the current connection
   * @throws RedisUnavailableException if the first connection has not been made
   */
  public RedisClusterAsyncCommands<String, String> commands() {
    RedisClusterAsyncCommands<String, String> c = link.commandsOrNull();
    if (c == null) {
      throw new RedisUnavailableException("Redis '" + name + "' (" + link.describe() + ") is not connected");
    }
    return c;
  }

  /**
   * Returns the blocking connections of synchronous calls ({@link RedisOptions#syncConnections()}): only
   * on a standalone or Sentinel target this object opened, and only while the shared connection is
   * connected (so that its reconnection decides when Redis is back, and a call never waits for a connect
   * that it would not).
   *
   * @return the pool, or null: then use the shared connection
   */
  public @Nullable BlockingRedis blocking() {
    return link.blocking();
  }

  /**
   * Returns whether a connection exists and is open now.
   *
   * @return true if connected
   */
  public boolean isConnected() {
    return link.isConnected();
  }

  /**
   * Returns the options this connection was made with.
   *
   * @return the options
   */
  public RedisOptions options() {
    return link.options();
  }

  /**
   * Returns the name given at creation.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns whether this connection is a Cluster connection; known once connected.
   *
   * @return true for a Cluster
   */
  public boolean isCluster() {
    return link.isCluster();
  }

  /**
   * Returns whether replies complete their futures on the connection's I/O thread (Lettuce's default),
   * rather than on a scheduler ({@code ClientOptions.publishOnScheduler}, which only a user-supplied
   * connection can have). True while no connection is made yet: ours never publish on a scheduler.
   *
   * @return true if completions run on the I/O thread
   */
  public boolean completesOnIoThread() {
    return link.completesOnIoThread();
  }

  /**
   * Loads a script into the server's script cache (SCRIPT LOAD; on a Cluster, on every master), so that
   * its first EVALSHA finds it. Never fails: a failure (Redis down, no connection yet) is left to
   * {@link #eval}, which sends the script again on NOSCRIPT.
   *
   * @param script the script
   * @return when the load is answered, or has failed
   */
  public CompletionStage<Void> load(LuaScript script) {
    try {
      return commands().scriptLoad(script.source()).handle((sha, error) -> null);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(null);
    }
  }

  /**
   * Runs a script with EVALSHA; on a NOSCRIPT error only (the server lost its script cache), sends it
   * again with EVAL, which also loads it. Never retried after any other error, in particular not after a
   * timeout, where the script may already have run.
   *
   * @param script the script
   * @param type the output type
   * @param keys the keys (all in one slot on a Cluster)
   * @param args the arguments
   * @param <T> the result type
   * @return the result
   */
  public <T> CompletionStage<T> eval(LuaScript script, ScriptOutputType type, String[] keys, String... args) {
    RedisClusterAsyncCommands<String, String> c;
    try {
      c = commands();
    } catch (RedisUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
    RedisFuture<T> first = c.evalsha(script.sha1(), type, keys, args);
    return first.exceptionallyCompose(
        error -> {
          Throwable cause = unwrap(error);
          if (cause instanceof RedisNoScriptException
              || (cause.getMessage() != null && cause.getMessage().startsWith("NOSCRIPT"))) {
            LOG.info("Redis '{}' lost script {}; sending it again", name, script.name());
            return c.<T>eval(script.source(), type, keys, args);
          }
          return CompletableFuture.failedFuture(cause);
        });
  }

  /**
   * Opens a new publish/subscribe connection of the same topology, owned by the caller. Only for
   * connections opened from a target.
   *
   * @return the pub/sub connection, when it is made
   * @throws UnsupportedOperationException for a connection handed in by the user
   */
  public CompletionStage<StatefulRedisPubSubConnection<String, String>> connectPubSub() {
    return link.connectPubSub();
  }

  /**
   * Returns whether {@link #connectPubSub()} is supported.
   *
   * @return true for a connection opened from a target
   */
  public boolean supportsPubSub() {
    return link.supportsPubSub();
  }

  /**
   * Returns the root cause of a future's failure.
   *
   * @param t a throwable from a future
   * @return the cause without CompletionException/ExecutionException wrappers
   */
  public static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof java.util.concurrent.ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  /**
   * Gives this handle back: the connection closes with the last handle on it (at once for one opened by
   * {@link #open(RedisTarget, RedisOptions, String)}); a user-supplied connection is left open. Closing
   * twice gives back once.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      link.release();
    }
  }

  @Override
  public String toString() {
    return "RedisConnection[" + name + ", " + link.describe() + (link.supportsPubSub() ? "" : ", user-supplied")
        + "]";
  }
}
