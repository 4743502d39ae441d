package io.github.switchboard.core.internal;

import io.github.switchboard.core.RedisBackend;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * Ownership: a link opened from a RedisTarget owns its connection, its client, its blocking connections
 * and (through a reference count) the process's ClientResources, unless the user handed in resources of
 * their own, which are never shut down; a connection handed in by the user is never closed.
 *
 * Connecting: open() waits up to connectTimeout for the first connection. If Redis is not there, it
 * returns anyway and keeps trying in the background (with a capped backoff) so that a component built
 * while Redis is down moves to Redis when it comes up. Once connected, Lettuce's auto-reconnect takes over;
 * while disconnected, commands are rejected at once (REJECT_COMMANDS) instead of being queued, and every
 * command is bounded by the command timeout (TimeoutOptions), so a hung server makes calls fail, not hang.
 *
 * Sharing: the links opened for a RedisBackend are kept in LINKS by what the backend names for a
 * connection (its target or the very connection handed in, its options and its ClientResources; not its
 * breaker registry, which only concerns the components' breakers), so that components built on equal
 * backends use one link. acquire() counts a user, release() gives one back; the last release closes
 * the link. Each user holds its own RedisConnection (a handle), so a component closing twice still
 * releases once.
 */
/** The connection of one Redis, shared by the {@link RedisConnection} handles of its users. */
final class RedisLink {
  private static final Logger LOG = LoggerFactory.getLogger(RedisConnection.class);

  /** What makes two backends' links one; the connection and resources compared by identity. */
  private record Key(@Nullable RedisTarget target, @Nullable Identity connection, RedisOptions options,
      @Nullable Identity resources) {}

  /** A reference compared by identity. */
  private record Identity(Object ref) {
    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof Identity i && i.ref == ref;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(ref);
    }
  }

  private static final Map<Key, RedisLink> LINKS = new HashMap<>();

  private static final Object RESOURCES_LOCK = new Object();
  private static @Nullable ClientResources processResources;
  private static int resourceUsers;

  private final String name;
  private final @Nullable RedisTarget target;
  private final RedisOptions options;
  private final boolean owned;
  private final @Nullable RedisClient client;
  private final @Nullable RedisClusterClient clusterClient;
  private final @Nullable ScheduledExecutorService connector;
  private final @Nullable BlockingRedis blocking;
  /** Whether close() gives back the process's shared ClientResources (false: none, or the user's). */
  private final boolean sharedResources;
  /** The key of a shared link (null: not shared); guarded by LINKS. */
  private @Nullable Key key;
  /** How many handles hold a shared link; guarded by LINKS. */
  private int users;
  private volatile @Nullable StatefulConnection<String, String> connection;
  private volatile @Nullable RedisClusterAsyncCommands<String, String> commands;
  private volatile boolean closed;
  private volatile CompletionStage<EvictionGuard.Finding> evictionCheck = new CompletableFuture<>();
  private long backoffMillis = 50;
  private static final long FAILURE_LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
  private @Nullable String lastFailureKind;
  private long lastFailureWarnNanos;

  private RedisLink(
      String name,
      @Nullable RedisTarget target,
      RedisOptions options,
      boolean owned,
      boolean sharedResources,
      @Nullable RedisClient client,
      @Nullable RedisClusterClient clusterClient) {
    this.name = name;
    this.sharedResources = sharedResources;
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
    this.blocking = owned && target != null ? BlockingRedis.forTarget(target, options, name) : null;
  }

  /**
   * Returns the link a backend names, opening it if no user holds it; each call must be matched by one
   * {@link #release()}.
   *
   * @param backend the backend
   * @param name the name of the first user, for logs and thread names
   * @return the shared link
   */
  static RedisLink acquire(RedisBackend backend, String name) {
    Key k = new Key(backend.target().orElse(null),
        backend.connection().<Object>map(c -> c).or(() -> backend.clusterConnection().map(c -> c))
            .map(Identity::new).orElse(null),
        backend.options(), backend.clientResources().map(Identity::new).orElse(null));
    // opened under the lock (at most the connect timeout when Redis is down): rare, once per backend,
    // and a second user waiting for the same link wants that same answer
    synchronized (LINKS) {
      RedisLink link = LINKS.get(k);
      if (link == null) {
        link = forBackend(backend, name);
        link.key = k;
        LINKS.put(k, link);
      } else {
        LOG.debug("Redis '{}' shares the connection of '{}' to {}", name, link.name, link.describe());
      }
      link.users++;
      return link;
    }
  }

  /** Gives back a link: a shared one is closed by its last user, an unshared one at once. */
  void release() {
    synchronized (LINKS) {
      Key k = key;
      if (k != null) {
        if (--users > 0) {
          return;
        }
        LINKS.remove(k, this);
      }
    }
    close();
  }

  private static RedisLink forBackend(RedisBackend backend, String name) {
    if (backend.target().isPresent()) {
      return open(backend.target().get(), backend.options(), backend.clientResources().orElse(null), name);
    }
    if (backend.connection().isPresent()) {
      return wrap(backend.connection().get(), backend.options(), name);
    }
    return wrap(backend.clusterConnection().orElseThrow(), backend.options(), name);
  }

  /**
   * Opens a connection to a target. Waits up to the connect timeout for the first connection; if Redis is
   * not reachable, returns a link that keeps trying in the background.
   *
   * @param target where Redis is
   * @param options timeouts and TLS trust
   * @param userResources Lettuce resources of the user (never shut down here), or null for the process's
   * @param name a name for logs and thread names
   * @return the link, not shared
   */
  static RedisLink open(RedisTarget target, RedisOptions options, @Nullable ClientResources userResources,
      String name) {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(options, "options");
    boolean shared = userResources == null;
    ClientResources resources = shared ? acquireResources() : userResources;
    RedisLink c;
    try {
      List<RedisURI> uris = target.toRedisUris();
      for (RedisURI uri : uris) {
        uri.setTimeout(options.commandTimeout());
      }
      if (target.kind() == RedisTarget.Kind.CLUSTER) {
        RedisClusterClient cc = RedisClusterClient.create(resources, uris);
        cc.setOptions(clusterOptions(options));
        c = new RedisLink(name, target, options, true, shared, null, cc);
      } else {
        RedisClient rc = RedisClient.create(resources, uris.get(0));
        rc.setOptions(clientOptions(options));
        c = new RedisLink(name, target, options, true, shared, rc, null);
      }
    } catch (RuntimeException e) {
      if (shared) {
        releaseResources();
      }
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
   * @return the link, not shared
   */
  static RedisLink wrap(
      StatefulRedisConnection<String, String> connection, RedisOptions options, String name) {
    return wrapped(connection, connection.async(), options, name);
  }

  /**
   * Wraps a Cluster connection handed in by the user; {@link #close()} does not close it.
   *
   * @param connection the connection
   * @param options used for the command timeout of synchronous waits
   * @param name a name for logs
   * @return the link, not shared
   */
  static RedisLink wrap(
      StatefulRedisClusterConnection<String, String> connection, RedisOptions options, String name) {
    return wrapped(connection, connection.async(), options, name);
  }

  private static RedisLink wrapped(StatefulConnection<String, String> connection,
      RedisClusterAsyncCommands<String, String> commands, RedisOptions options, String name) {
    RedisLink c = new RedisLink(name, null, options, false, false, null, null);
    c.connection = connection;
    c.commands = commands;
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
      ClientResources r = processResources;
      if (r == null) {
        r =
            DefaultClientResources.builder()
                .reconnectDelay(
                    Delay.exponential(
                        Duration.ofMillis(20), Duration.ofMillis(1000), 2, TimeUnit.MILLISECONDS))
                .build();
        processResources = r;
      }
      resourceUsers++;
      return r;
    }
  }

  private static void releaseResources() {
    ClientResources toShutdown = null;
    synchronized (RESOURCES_LOCK) {
      if (--resourceUsers == 0) {
        toShutdown = processResources;
        processResources = null;
      }
    }
    if (toShutdown != null) {
      // nothing waits for the shutdown of the shared resources: it goes on in the background
      var unused = toShutdown.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }

  String describe() {
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
              .thenCompose(RedisLink::connectToEveryMaster);
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
            var unused = conn.closeAsync(); // made after close(): nobody waits for it
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
  CompletionStage<EvictionGuard.Finding> evictionCheck() {
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
                var unused = conn.closeAsync(); // the attempt failed; its error is the one reported
                throw new CompletionException(RedisConnection.unwrap(error));
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

  /**
   * A retry of the background connector. A connect that throws instead of failing its stage would
   * otherwise end in the scheduled task's future, which nobody reads, and no retry would follow.
   */
  private void reconnect() {
    try {
      var unused = connectOnce(); // its failures are logged and retried by its own handler
    } catch (RuntimeException e) {
      if (!closed) {
        logConnectFailure(e);
        scheduleRetry();
      }
    }
  }

  private void scheduleRetry() {
    ScheduledExecutorService s = connector;
    if (s == null || closed) {
      return;
    }
    long delay = backoffMillis;
    backoffMillis = Math.min(backoffMillis * 2, 1000);
    try {
      var unused = s.schedule(this::reconnect, delay, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed concurrently
    }
  }

  /** The async commands of the current connection, or null before the first connection. */
  @Nullable RedisClusterAsyncCommands<String, String> commandsOrNull() {
    return commands;
  }

  /**
   * Returns the blocking connections of synchronous calls ({@link RedisOptions#syncConnections()}): only
   * on a standalone or Sentinel target this object opened, and only while the shared connection is
   * connected (so that its reconnection decides when Redis is back, and a call never waits for a connect
   * that it would not).
   *
   * @return the pool, or null: then use the shared connection
   */
  @Nullable BlockingRedis blocking() {
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
  boolean isConnected() {
    StatefulConnection<String, String> c = connection;
    return c != null && c.isOpen();
  }

  /**
   * Returns the options this connection was made with.
   *
   * @return the options
   */
  RedisOptions options() {
    return options;
  }

  /**
   * Returns the name given at creation.
   *
   * @return the name
   */
  String name() {
    return name;
  }

  /**
   * Returns whether this connection is a Cluster connection; known once connected.
   *
   * @return true for a Cluster
   */
  boolean isCluster() {
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
  boolean completesOnIoThread() {
    StatefulConnection<String, String> c = connection;
    return c == null || !c.getOptions().isPublishOnScheduler();
  }

  /**
   * Opens a new publish/subscribe connection of the same topology, owned by the caller. Only for
   * connections opened from a target.
   *
   * @return the pub/sub connection, when it is made
   * @throws UnsupportedOperationException for a connection handed in by the user
   */
  CompletionStage<StatefulRedisPubSubConnection<String, String>> connectPubSub() {
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
  boolean supportsPubSub() {
    return owned;
  }

  /** Closes what this link opened; a user-supplied connection is left open. */
  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (!owned) {
      return;
    }
    Objects.requireNonNull(connector).shutdownNow();
    if (blocking != null) {
      blocking.close();
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
      if (sharedResources) {
        releaseResources();
      }
    }
    LOG.info("Redis '{}' connection to {} closed", name, describe());
  }

  @Override
  public String toString() {
    return "RedisLink[" + name + ", " + describe() + (owned ? "" : ", user-supplied") + "]";
  }
}
