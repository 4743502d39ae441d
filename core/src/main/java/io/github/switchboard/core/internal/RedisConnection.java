package io.github.switchboard.core.internal;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The one narrow adapter between Switchboard and Lettuce (Bucket4j's LettuceBasedProxyManager is the
 * model): a standalone, Sentinel or Cluster connection is seen through RedisClusterAsyncCommands, the
 * common super-interface of RedisAsyncCommands and RedisAdvancedClusterAsyncCommands, so every module
 * writes its Redis code once.
 *
 * Ownership: a connection opened from a RedisTarget belongs to this object and close() closes it, its
 * client and (through a reference count) the shared ClientResources; a connection handed in by the user is
 * never closed.
 *
 * Connecting: open() waits up to connectTimeout for the first connection. If Redis is not there, it
 * returns anyway and keeps trying in the background (with a capped backoff) so that a component built
 * while Redis is down moves to Redis when it comes up. Once connected, Lettuce's auto-reconnect takes over;
 * while disconnected, commands are rejected at once (REJECT_COMMANDS) instead of being queued, and every
 * command is bounded by the command timeout (TimeoutOptions), so a hung server makes calls fail, not hang.
 */
/** A Redis connection of any topology, with its Lua script runner. */
public final class RedisConnection implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisConnection.class);

  private static final Object RESOURCES_LOCK = new Object();
  private static @Nullable ClientResources sharedResources;
  private static int resourceUsers;

  private final String name;
  private final @Nullable RedisTarget target;
  private final RedisOptions options;
  private final boolean owned;
  private final @Nullable RedisClient client;
  private final @Nullable RedisClusterClient clusterClient;
  private final @Nullable ScheduledExecutorService connector;
  private final @Nullable BlockingRedis blocking;
  private volatile @Nullable StatefulConnection<String, String> connection;
  private volatile @Nullable RedisClusterAsyncCommands<String, String> commands;
  private volatile boolean closed;
  private volatile CompletionStage<EvictionGuard.Finding> evictionCheck = new CompletableFuture<>();
  private long backoffMillis = 50;
  private static final long FAILURE_LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
  private @Nullable String lastFailureKind;
  private long lastFailureWarnNanos;

  private RedisConnection(
      String name,
      @Nullable RedisTarget target,
      RedisOptions options,
      boolean owned,
      @Nullable RedisClient client,
      @Nullable RedisClusterClient clusterClient) {
    this.name = name;
    this.target = target;
    this.options = options;
    this.owned = owned;
    this.client = client;
    this.clusterClient = clusterClient;
    this.connector =
        owned
            ? Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "switchboard-redis-connect-" + name);
                  t.setDaemon(true);
                  return t;
                })
            : null;
    this.blocking = owned && target != null ? BlockingRedis.share(target, options) : null;
  }

  /**
   * Opens a connection to a target. Waits up to the connect timeout for the first connection; if Redis is
   * not reachable, returns a connection that keeps trying in the background.
   *
   * @param target where Redis is
   * @param options timeouts and TLS trust
   * @param name a name for logs and thread names
   * @return the connection, owned by the caller
   */
  public static RedisConnection open(RedisTarget target, RedisOptions options, String name) {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(options, "options");
    ClientResources resources = acquireResources();
    RedisConnection c;
    try {
      List<RedisURI> uris = target.toRedisUris();
      for (RedisURI uri : uris) {
        uri.setTimeout(options.commandTimeout());
      }
      if (target.kind() == RedisTarget.Kind.CLUSTER) {
        RedisClusterClient cc = RedisClusterClient.create(resources, uris);
        cc.setOptions(clusterOptions(options));
        c = new RedisConnection(name, target, options, true, null, cc);
      } else {
        RedisClient rc = RedisClient.create(resources, uris.get(0));
        rc.setOptions(clientOptions(options));
        c = new RedisConnection(name, target, options, true, rc, null);
      }
    } catch (RuntimeException e) {
      releaseResources();
      throw e;
    }
    CompletableFuture<Void> first = c.connectOnce();
    try {
      first.get(options.connectTimeout().toMillis() + 500, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // logged by connectOnce; the background connector keeps trying
    }
    return c;
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
    RedisConnection c = new RedisConnection(name, null, options, false, null, null);
    c.connection = connection;
    c.commands = connection.async();
    c.checkEviction(connection);
    return c;
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
    RedisConnection c = new RedisConnection(name, null, options, false, null, null);
    c.connection = connection;
    c.commands = connection.async();
    c.checkEviction(connection);
    return c;
  }

  private static ClientOptions clientOptions(RedisOptions options) {
    return ClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(TimeoutOptions.enabled(options.commandTimeout()))
        .socketOptions(SocketOptions.builder().connectTimeout(options.connectTimeout()).build())
        .sslOptions(sslOptions(options))
        .build();
  }

  private static ClusterClientOptions clusterOptions(RedisOptions options) {
    return ClusterClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(TimeoutOptions.enabled(options.commandTimeout()))
        .socketOptions(SocketOptions.builder().connectTimeout(options.connectTimeout()).build())
        .sslOptions(sslOptions(options))
        .topologyRefreshOptions(
            ClusterTopologyRefreshOptions.builder()
                .enablePeriodicRefresh(Duration.ofSeconds(30))
                .build())
        .build();
  }

  private static SslOptions sslOptions(RedisOptions options) {
    SslOptions.Builder b = SslOptions.builder().jdkSslProvider();
    options.trustedCertificate().ifPresent(p -> b.trustManager(p.toFile()));
    return b.build();
  }

  private static ClientResources acquireResources() {
    synchronized (RESOURCES_LOCK) {
      ClientResources r = sharedResources;
      if (r == null) {
        r =
            DefaultClientResources.builder()
                .reconnectDelay(
                    Delay.exponential(
                        Duration.ofMillis(20), Duration.ofMillis(1000), 2, TimeUnit.MILLISECONDS))
                .build();
        sharedResources = r;
      }
      resourceUsers++;
      return r;
    }
  }

  private static void releaseResources() {
    ClientResources toShutdown = null;
    synchronized (RESOURCES_LOCK) {
      if (--resourceUsers == 0) {
        toShutdown = sharedResources;
        sharedResources = null;
      }
    }
    if (toShutdown != null) {
      toShutdown.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }

  private String describe() {
    return target == null ? "a user-supplied connection" : target.redactedUrl();
  }

  private CompletableFuture<Void> connectOnce() {
    CompletableFuture<? extends StatefulConnection<String, String>> attempt;
    if (clusterClient != null) {
      // connectAsync fails with "Partitions not initialized" unless the topology was loaded first;
      // and with REJECT_COMMANDS a command whose node connection is still being made lazily is
      // rejected (Lettuce 7.7, redis/lettuce#3747), so connect to every master before first use
      RedisClusterClient cc = clusterClient;
      attempt =
          cc.refreshPartitionsAsync()
              .toCompletableFuture()
              .thenCompose(ignored -> cc.connectAsync(StringCodec.UTF8))
              .thenCompose(RedisConnection::connectToEveryMaster);
    } else {
      RedisClient rc = Objects.requireNonNull(client);
      RedisURI uri = Objects.requireNonNull(target).toRedisUris().get(0);
      uri.setTimeout(options.commandTimeout());
      attempt = rc.connectAsync(StringCodec.UTF8, uri).toCompletableFuture();
    }
    return attempt.handle(
        (conn, error) -> {
          if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (!closed) {
              logConnectFailure(cause);
              scheduleRetry();
            }
            return null;
          }
          if (closed) {
            conn.closeAsync();
            return null;
          }
          connection = conn;
          commands =
              conn instanceof StatefulRedisClusterConnection<String, String> cc
                  ? cc.async()
                  : ((StatefulRedisConnection<String, String>) conn).async();
          LOG.info("Redis '{}' connected to {}", name, describe());
          lastFailureKind = null;
          checkEviction(conn);
          return null;
        });
  }

  private void checkEviction(StatefulConnection<String, String> conn) {
    String server = describe();
    String key = target != null ? server : server + "@" + System.identityHashCode(conn);
    evictionCheck = EvictionGuard.check(Objects.requireNonNull(commands), name, server, key);
  }

  /**
   * Returns the eviction check made when the first connection was made ({@link EvictionGuard}); not
   * complete while there is no connection yet.
   *
   * @return what the check found
   */
  public CompletionStage<EvictionGuard.Finding> evictionCheck() {
    return evictionCheck;
  }

  private static CompletableFuture<StatefulRedisClusterConnection<String, String>> connectToEveryMaster(
      StatefulRedisClusterConnection<String, String> conn) {
    List<CompletableFuture<?>> nodes = new ArrayList<>();
    for (RedisClusterNode node : conn.getPartitions()) {
      if (node.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
        nodes.add(conn.getConnectionAsync(node.getUri().getHost(), node.getUri().getPort()));
      }
    }
    return CompletableFuture.allOf(nodes.toArray(new CompletableFuture<?>[0]))
        .handle(
            (ignored, error) -> {
              if (error != null) {
                conn.closeAsync();
                throw new CompletionException(unwrap(error));
              }
              return conn;
            });
  }

  /**
   * Logs a failed connection attempt: a refused authentication as such (never as "not reachable"), at
   * WARN the first time and when the kind of failure changes, then at most once a minute while it stays
   * (DEBUG in between), since the attempts repeat every second.
   */
  private void logConnectFailure(Throwable cause) {
    String auth = authFailure(cause);
    String kind = auth != null ? "auth" : "unreachable";
    long now = System.nanoTime();
    boolean warn = !kind.equals(lastFailureKind) || now - lastFailureWarnNanos >= FAILURE_LOG_EVERY_NANOS;
    if (warn) {
      lastFailureKind = kind;
      lastFailureWarnNanos = now;
    }
    String message = auth != null
        ? "Redis '{}' at {} refused the credentials (authentication failed: {}); check the user and password;"
            + " using the fallback and retrying in {} ms"
        : "Redis '{}' at {} is not reachable ({}); using the fallback and retrying in {} ms";
    Object detail = auth != null ? auth : cause.toString();
    if (warn) {
      LOG.warn(message, name, describe(), detail, backoffMillis);
    } else {
      LOG.debug(message, name, describe(), detail, backoffMillis);
    }
  }

  /** Redis's answer when the cause is a refused AUTH or HELLO (WRONGPASS, NOAUTH, ...), else null. */
  static @Nullable String authFailure(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m == null) {
        continue;
      }
      for (String code : new String[] {"WRONGPASS", "NOAUTH", "NOPERM"}) {
        int at = m.indexOf(code);
        if (at >= 0) {
          m = m.substring(at);
          return m.length() > 200 ? m.substring(0, 200) : m;
        }
      }
      if (m.contains("invalid password") || m.contains("without any password configured")) {
        return m.length() > 200 ? m.substring(0, 200) : m;
      }
    }
    return null;
  }

  private void scheduleRetry() {
    ScheduledExecutorService s = connector;
    if (s == null || closed) {
      return;
    }
    long delay = backoffMillis;
    backoffMillis = Math.min(backoffMillis * 2, 1000);
    try {
      s.schedule(this::connectOnce, delay, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed concurrently
    }
  }

  /**
   * Returns the async commands, or throws if there is no connection yet.
   *
   * @return the commands of the current connection
   * @throws RedisUnavailableException if the first connection has not been made
   */
  public RedisClusterAsyncCommands<String, String> commands() {
    RedisClusterAsyncCommands<String, String> c = commands;
    if (c == null) {
      throw new RedisUnavailableException("Redis '" + name + "' (" + describe() + ") is not connected");
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
    BlockingRedis b = blocking;
    if (b == null) {
      return null;
    }
    if (!isConnected()) {
      b.discardIdle(); // the server is gone: its idle connections would each fail a call once it is back
      return null;
    }
    return b;
  }

  /**
   * Returns whether a connection exists and is open now.
   *
   * @return true if connected
   */
  public boolean isConnected() {
    StatefulConnection<String, String> c = connection;
    return c != null && c.isOpen();
  }

  /**
   * Returns the options this connection was made with.
   *
   * @return the options
   */
  public RedisOptions options() {
    return options;
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
    return connection instanceof StatefulRedisClusterConnection
        || (target != null && target.kind() == RedisTarget.Kind.CLUSTER);
  }

  /**
   * Returns whether replies complete their futures on the connection's I/O thread (Lettuce's default),
   * rather than on a scheduler ({@code ClientOptions.publishOnScheduler}, which only a user-supplied
   * connection can have). True while no connection is made yet: ours never publish on a scheduler.
   *
   * @return true if completions run on the I/O thread
   */
  public boolean completesOnIoThread() {
    StatefulConnection<String, String> c = connection;
    return c == null || !c.getOptions().isPublishOnScheduler();
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
    if (clusterClient != null) {
      return clusterClient.connectPubSubAsync(StringCodec.UTF8).thenApply(c -> c);
    }
    if (client != null) {
      RedisURI uri = Objects.requireNonNull(target).toRedisUris().get(0);
      uri.setTimeout(options.commandTimeout());
      return client.connectPubSubAsync(StringCodec.UTF8, uri).toCompletableFuture();
    }
    throw new UnsupportedOperationException(
        "pub/sub needs a connection opened from a RedisTarget, not a user-supplied one");
  }

  /**
   * Returns whether {@link #connectPubSub()} is supported.
   *
   * @return true for a connection opened from a target
   */
  public boolean supportsPubSub() {
    return owned;
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

  /** Closes what this object opened; a user-supplied connection is left open. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (!owned) {
      return;
    }
    Objects.requireNonNull(connector).shutdownNow();
    if (blocking != null) {
      blocking.release();
    }
    StatefulConnection<String, String> c = connection;
    try {
      if (c != null) {
        c.close();
      }
      if (client != null) {
        client.shutdown(0, 2, TimeUnit.SECONDS);
      }
      if (clusterClient != null) {
        clusterClient.shutdown(0, 2, TimeUnit.SECONDS);
      }
    } finally {
      releaseResources();
    }
    LOG.info("Redis '{}' connection to {} closed", name, describe());
  }

  @Override
  public String toString() {
    return "RedisConnection[" + name + ", " + describe() + (owned ? "" : ", user-supplied") + "]";
  }
}
