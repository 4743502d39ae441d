package io.github.switchboard.core.internal;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslVerifyMode;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Blocking connections for synchronous calls on a standalone or Sentinel Redis
 * (RedisOptions.syncConnections).
 *
 * Why: a synchronous call through Lettuce is four hand-offs between threads (the caller queues the command
 * for the connection's I/O thread, which writes it; Redis answers; the I/O thread reads the reply and wakes
 * the caller). On a small host each hand-off is a wake-up of tens of microseconds. A caller that writes to
 * a socket and reads the reply itself makes two: measured here, 4 threads each deciding one request at a
 * time made 1.75x as many decisions a second (66.6k against 38.1k, raw EVALSHA of the token bucket).
 *
 * How: a LIFO stack of idle connections, at most `limit` open. A call borrows one (opening it if none is
 * idle and fewer than `limit` are open), runs its command, and returns it; a connection that failed or
 * timed out is closed, never lent again. When every connection is lent, or opening one failed less than
 * a second ago, eval answers null and the caller takes the shared Lettuce connection instead: the sockets
 * are an accelerator, never the only way to Redis. Same semantics as RedisConnection.eval: EVALSHA, then
 * EVAL on NOSCRIPT only, never a retry after a failure or a timeout (the script may have run).
 *
 * Failures surface as Lettuce's exceptions (RedisConnectionException, RedisCommandTimeoutException,
 * RedisCommandExecutionException), so that every guard treats them as it treats the shared connection's.
 */
/** A bounded pool of blocking connections for synchronous script calls on a standalone or Sentinel Redis. */
public final class BlockingRedis implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BlockingRedis.class);
  private static final long REOPEN_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long FAILURE_LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
  /**
   * A connection idle longer than this is closed rather than lent: a server's `timeout`, a NAT or a
   * firewall may have dropped it unseen, and its first use would fail a call.
   */
  static final long MAX_IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final String name;
  private final String server;
  /** The Sentinels to ask for the master (empty for a standalone target). */
  private final List<RedisTarget.HostAndPort> sentinels;
  private final @Nullable String masterName;
  /** The server to open connections to: fixed when standalone, asked of the Sentinels (null: ask). */
  private volatile RedisTarget.@Nullable HostAndPort master;
  private final @Nullable SSLSocketFactory tls;
  private final boolean verifyHost;
  private final int connectTimeoutMillis;
  private final int timeoutMillis;
  private final @Nullable String username;
  private final char @Nullable [] password;
  private final int database;
  private final int limit;
  private final ConcurrentLinkedDeque<RespSocket> idle = new ConcurrentLinkedDeque<>();
  private final AtomicInteger open = new AtomicInteger();
  private volatile long openFailedAt;
  private volatile boolean openFailing;
  private long lastWarnNanos;
  private volatile boolean closed;

  private volatile long maxIdleNanos = MAX_IDLE_NANOS;

  private BlockingRedis(
      String name,
      RedisTarget target,
      RedisURI uri,
      @Nullable SSLSocketFactory tls,
      RedisOptions options,
      @Nullable RedisCredentials credentials) {
    this.name = name;
    this.server = target.redactedUrl();
    boolean sentinel = target.kind() == RedisTarget.Kind.SENTINEL;
    this.sentinels = sentinel ? target.hosts() : List.of();
    this.masterName = target.masterName().orElse(null);
    this.master = sentinel ? null : target.hosts().get(0);
    this.tls = tls;
    this.verifyHost = uri.getVerifyMode() == SslVerifyMode.FULL;
    this.connectTimeoutMillis = millis(options.connectTimeout());
    this.timeoutMillis = millis(options.commandTimeout());
    this.username = credentials != null && credentials.hasUsername() ? credentials.getUsername() : null;
    this.password = credentials != null && credentials.hasPassword() ? credentials.getPassword() : null;
    this.database = uri.getDatabase();
    this.limit = options.syncConnections();
  }

  private static int millis(Duration d) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
  }

  /**
   * Makes the pool for a standalone or Sentinel target (no connection is opened yet), or returns null: for
   * a Cluster target, with {@code syncConnections} 0, or when TLS cannot be set up the same way as the
   * shared connection's (then synchronous calls take the shared connection). On a Sentinel target each new
   * connection goes to the master the Sentinels name (asked once, then again after a connection to it
   * failed or it answered READONLY), and is kept only if the server says it is the master ({@code ROLE}).
   *
   * @param target where Redis is
   * @param options timeouts, TLS trust and {@code syncConnections}
   * @param name the connection's name, for logs
   * @return the pool, or null
   */
  public static @Nullable BlockingRedis forTarget(RedisTarget target, RedisOptions options, String name) {
    if (target.kind() == RedisTarget.Kind.CLUSTER || options.syncConnections() == 0) {
      return null;
    }
    RedisURI uri = target.toRedisUris().get(0);
    SSLSocketFactory tls = null;
    if (uri.isSsl()) {
      if (uri.getVerifyMode() == SslVerifyMode.NONE) {
        return null;
      }
      try {
        tls = socketFactory(options);
      } catch (Exception e) {
        LOG.warn(
            "Redis '{}': synchronous calls take the shared connection, TLS could not be set up for"
                + " blocking connections ({})",
            name,
            e.toString());
        return null;
      }
    }
    RedisCredentials credentials = null;
    if (uri.getCredentialsProvider() != null) {
      credentials = uri.getCredentialsProvider().resolveCredentials().block(options.connectTimeout());
    }
    return new BlockingRedis(name, target, uri, tls, options, credentials);
  }

  /** The JDK's TLS, trusting the options' certificate if one is set, else the JDK's default trust. */
  private static SSLSocketFactory socketFactory(RedisOptions options) throws Exception {
    if (options.trustedCertificate().isEmpty()) {
      return SSLContext.getDefault().getSocketFactory();
    }
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream pem = Files.newInputStream(options.trustedCertificate().get())) {
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(pem)) {
        store.setCertificateEntry("trusted-" + i++, c);
      }
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context.getSocketFactory();
  }

  /**
   * Runs a script that answers with an array on a blocking connection: EVALSHA, then EVAL on NOSCRIPT
   * only.
   *
   * @param script the script
   * @param keys its keys
   * @param args its arguments
   * @return the reply's elements (Long, String, null or a List of those), or null if no connection is free
   *     now: the caller then uses the shared connection
   * @throws RedisException if Redis fails, times out, answers with an error or not with an array
   */
  @SuppressWarnings("unchecked")
  public @Nullable List<Object> eval(LuaScript script, String[] keys, String[] args) {
    RespSocket s = borrow();
    if (s == null) {
      return null;
    }
    Object reply;
    boolean lost = false;
    try {
      try {
        reply = s.eval("EVALSHA", script.sha1(), keys, args);
      } catch (RespSocket.ErrorReply e) {
        if (e.getMessage() == null || !e.getMessage().startsWith("NOSCRIPT")) {
          throw e;
        }
        LOG.info("Redis '{}' lost script {}; sending it again", name, script.name());
        reply = s.eval("EVAL", script.source(), keys, args);
      }
    } catch (RespSocket.ErrorReply e) {
      String message = String.valueOf(e.getMessage());
      if (message.startsWith("READONLY") || message.startsWith("MASTERDOWN")) {
        // the server is no longer the master (a failover demoted it): none of its connections is of use
        s.close();
        lost = true;
      }
      throw new RedisCommandExecutionException(message);
    } catch (SocketTimeoutException e) {
      throw new RedisCommandTimeoutException(
          "Redis '" + name + "' did not answer within " + timeoutMillis + " ms");
    } catch (IOException e) {
      lost = !(e instanceof RespSocket.ProtocolException);
      throw new RedisConnectionException("Redis '" + name + "' at " + server + ": " + e.getMessage(), e);
    } finally {
      release(s);
      if (lost) {
        // the server closed this connection (or is no longer the master), so the idle ones are likely of
        // no use either: close them rather than fail a call on each, and ask the Sentinels again
        discardIdle();
        if (!sentinels.isEmpty()) {
          master = null;
        }
      }
    }
    if (!(reply instanceof List<?>)) {
      throw new RedisException("script " + script.name() + " answered " + reply + ", not an array");
    }
    return (List<Object>) reply;
  }

  /** Sets how long a connection may stay idle and still be lent (tests; default 30 s). */
  void maxIdle(Duration maxIdle) {
    this.maxIdleNanos = maxIdle.toNanos();
  }

  /** The number of connections open now (lent or idle). */
  public int openConnections() {
    return open.get();
  }

  /** The number of connections open and not lent now (counts them: for tests and metrics). */
  public int idleConnections() {
    return idle.size();
  }

  /** The most connections open at once. */
  public int limit() {
    return limit;
  }

  private @Nullable RespSocket borrow() {
    if (closed) {
      return null;
    }
    RespSocket s;
    while ((s = idle.pollFirst()) != null) {
      if (System.nanoTime() - s.idleSince <= maxIdleNanos) {
        return s;
      }
      s.close();
      open.decrementAndGet();
    }
    if (openFailing && System.nanoTime() - openFailedAt < REOPEN_BACKOFF_NANOS) {
      return null;
    }
    int n = open.get();
    while (true) {
      if (n >= limit) {
        return null;
      }
      if (open.compareAndSet(n, n + 1)) {
        break;
      }
      n = open.get();
    }
    try {
      RespSocket made = connectToMaster();
      if (openFailing) {
        openFailing = false;
        LOG.info("Redis '{}': blocking connections for synchronous calls open again", name);
      }
      return made;
    } catch (IOException | RuntimeException e) {
      open.decrementAndGet();
      openFailedAt = System.nanoTime();
      openFailing = true;
      warnOpenFailure(e);
      return null;
    }
  }

  private RespSocket connectToMaster() throws IOException {
    RedisTarget.HostAndPort m = master;
    if (m == null) {
      m = askSentinels();
    }
    RespSocket s =
        RespSocket.connect(
            m.host(),
            m.port(),
            tls,
            verifyHost,
            connectTimeoutMillis,
            timeoutMillis,
            username,
            password,
            database);
    if (sentinels.isEmpty()) {
      return s;
    }
    Object role;
    try {
      role = s.command("ROLE");
    } catch (RespSocket.ErrorReply e) {
      role = e.getMessage();
    }
    if (role instanceof List<?> r && !r.isEmpty() && "master".equals(r.get(0))) {
      master = m;
      return s;
    }
    s.close();
    master = null;
    throw new IOException(m.host() + ":" + m.port() + " is not the master (ROLE: " + role + ")");
  }

  /** Asks each Sentinel in turn for the master's address (SENTINEL GET-MASTER-ADDR-BY-NAME). */
  private RedisTarget.HostAndPort askSentinels() throws IOException {
    IOException last = null;
    for (RedisTarget.HostAndPort sentinel : sentinels) {
      try (RespSocket s =
          RespSocket.connect(
              sentinel.host(), sentinel.port(), null, false, connectTimeoutMillis, timeoutMillis, null, null,
              0)) {
        Object addr = s.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", String.valueOf(masterName));
        if (addr instanceof List<?> l
            && l.size() == 2
            && l.get(0) instanceof String h
            && l.get(1) instanceof String p) {
          return new RedisTarget.HostAndPort(h, Integer.parseInt(p));
        }
        last = new IOException("Sentinel " + sentinel + " knows no master named " + masterName);
      } catch (IOException e) {
        last = e;
      } catch (RespSocket.ErrorReply | RuntimeException e) {
        last = new IOException("Sentinel " + sentinel + ": " + e.getMessage());
      }
    }
    throw last != null ? last : new IOException("no Sentinel to ask");
  }

  private void warnOpenFailure(Exception e) {
    long now = System.nanoTime();
    synchronized (this) {
      if (lastWarnNanos != 0 && now - lastWarnNanos < FAILURE_LOG_EVERY_NANOS) {
        return;
      }
      lastWarnNanos = now;
    }
    LOG.warn(
        "Redis '{}': cannot open a blocking connection to {} for synchronous calls ({}); they take the"
            + " shared connection meanwhile (logged at most once a minute)",
        name,
        server,
        e.getMessage());
  }

  private void release(RespSocket s) {
    if (s.isBroken()) {
      open.decrementAndGet();
      return;
    }
    s.idleSince = System.nanoTime();
    idle.offerFirst(s);
    if (closed) {
      drain();
    }
  }

  /**
   * Closes the idle connections (those lent now are kept): after the shared connection or one of these
   * lost the server, which may have restarted.
   */
  public void discardIdle() {
    if (!idle.isEmpty()) {
      drain();
    }
  }

  private void drain() {
    RespSocket s;
    while ((s = idle.pollFirst()) != null) {
      s.close();
      open.decrementAndGet();
    }
  }

  /** Closes the idle connections; those lent now are closed when returned. */
  @Override
  public void close() {
    closed = true;
    drain();
  }

  @Override
  public String toString() {
    return "BlockingRedis[" + name + ", " + server + ", " + open.get() + "/" + limit + " open]";
  }
}
