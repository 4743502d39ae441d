package io.github.switchboard.core.testing;

import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntFunction;
import javax.net.ssl.SSLSocketFactory;
import org.awaitility.core.ConditionTimeoutException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One redis-server started by the harness on a free port of 127.0.0.1 (or the server named by
 * {@code REDIS_URL}), with the faults a test needs: kill, restart on the same port, pause and resume.
 * Also a member of a {@link RedisSentinel} or {@link RedisCluster}.
 *
 * <p>Against {@code REDIS_URL} the fault methods abort the test (a JUnit assumption): the harness does
 * not own that server.
 */
public final class RedisServer implements RedisDeployment {
  private static final Logger LOG = LoggerFactory.getLogger(RedisServer.class);
  static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(3);
  /** The harness's own user on a server whose test user has narrow rights. */
  static final String ADMIN_USER = "harness-admin";

  private final Topology topology;
  private final String label;
  private final Node.@Nullable Runtime runtime;
  private final @Nullable Path dir;
  private final int port;
  private final List<String> args;
  private final @Nullable String user;
  private final @Nullable String password;
  private final @Nullable Path certificate;
  private final @Nullable RedisTarget externalTarget;
  private final Resp.Endpoint endpoint;
  private final Lifecycle lifecycle = new Lifecycle();
  private final boolean ownsDir;
  private volatile @Nullable Node node;
  private volatile boolean paused;

  private RedisServer(
      Topology topology,
      String label,
      Node.@Nullable Runtime runtime,
      @Nullable Path dir,
      boolean ownsDir,
      int port,
      List<String> args,
      @Nullable String user,
      @Nullable String password,
      @Nullable Path certificate,
      @Nullable RedisTarget externalTarget,
      Resp.Endpoint endpoint) {
    this.topology = topology;
    this.label = label;
    this.runtime = runtime;
    this.dir = dir;
    this.ownsDir = ownsDir;
    this.port = port;
    this.args = List.copyOf(args);
    this.user = user;
    this.password = password;
    this.certificate = certificate;
    this.externalTarget = externalTarget;
    this.endpoint = endpoint;
  }

  // ---------------------------------------------------------------- starting

  /** What to start. */
  static final class Spec {
    final String label;
    Topology topology = Topology.STANDALONE;
    boolean clusterBus;
    @Nullable String user;
    @Nullable String password;
    /** The ACL rules of {@link #user} after its password. */
    List<String> rules = List.of("~*", "&*", "+@all");
    /**
     * A second user with every right, for the harness's own chores (FLUSHALL, SCRIPT FLUSH, redis-cli)
     * when {@link #user} may not do them; null: the harness logs in as {@link #user}.
     */
    @Nullable String adminPassword;
    boolean tls;
    /** Extra arguments for a port (--replicaof ..., cluster options). */
    IntFunction<List<String>> extraArgs = p -> List.of();
    /** For a Sentinel: writes the config for a port into the dir, returns its path. */
    @Nullable SentinelConfig sentinelConfig;
    @Nullable Path dir;
    boolean ownsDir = true;

    Spec(String label) {
      this.label = label;
    }
  }

  /** Writes a Sentinel's config for its port and directory. */
  @FunctionalInterface
  interface SentinelConfig {
    Path write(Path dir, int port) throws IOException;
  }

  static RedisServer launch(Node.Runtime runtime, Spec spec) {
    Path dir = spec.dir != null ? spec.dir : Processes.newDir(spec.label);
    Path cert = spec.tls ? Certificates.generate(dir) : null;
    SSLSocketFactory tls = cert != null ? Certificates.trusting(cert).getSocketFactory() : null;
    IllegalStateException last = null;
    for (int attempt = 1; attempt <= 4; attempt++) {
      int port = Ports.free(spec.clusterBus);
      List<String> args;
      try {
        args = arguments(spec, dir, port, cert);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Resp.Endpoint ep =
          spec.adminPassword != null
              ? new Resp.Endpoint("127.0.0.1", port, tls, ADMIN_USER, spec.adminPassword)
              : new Resp.Endpoint("127.0.0.1", port, tls, spec.user, spec.password);
      RedisServer s =
          new RedisServer(
              spec.topology, spec.label, runtime, dir, spec.ownsDir, port, args, spec.user,
              spec.password, cert, null, ep);
      Processes.opened(s);
      try {
        s.start();
        return s;
      } catch (IllegalStateException e) {
        last = e;
        String log = s.logTail();
        s.closeProcessOnly();
        Processes.closed(s);
        if (!log.contains("Address already in use")) {
          break;
        }
        LOG.info("{}: port {} was taken meanwhile; trying another", spec.label, port);
      }
    }
    if (spec.ownsDir) {
      Processes.deleteDir(dir);
    }
    throw Objects.requireNonNull(last);
  }

  private static List<String> arguments(Spec spec, Path dir, int port, @Nullable Path cert)
      throws IOException {
    List<String> a = new ArrayList<>();
    if (spec.sentinelConfig != null) {
      a.add(spec.sentinelConfig.write(dir, port).toString());
      a.add("--sentinel");
    } else {
      if (cert != null) {
        a.addAll(List.of("--port", "0", "--tls-port", Integer.toString(port)));
        a.addAll(List.of("--tls-cert-file", cert.toString()));
        a.addAll(List.of("--tls-key-file", dir.resolve("key.pem").toString()));
        a.addAll(List.of("--tls-ca-cert-file", cert.toString()));
        a.addAll(List.of("--tls-auth-clients", "no"));
      } else {
        a.addAll(List.of("--port", Integer.toString(port)));
      }
      a.addAll(List.of("--bind", "127.0.0.1"));
      a.addAll(List.of("--save", ""));
      a.addAll(List.of("--appendonly", "no"));
      a.addAll(List.of("--dir", dir.toString()));
      a.addAll(List.of("--logfile", dir.resolve("redis.log").toString()));
      a.addAll(List.of("--daemonize", "no"));
      a.addAll(List.of("--enable-debug-command", "local"));
      a.addAll(List.of("--repl-diskless-sync-delay", "0"));
      if (spec.user != null) {
        // Redis joins each argument quoted: every ACL rule must be its own argument
        a.addAll(List.of("--user", "default", "off"));
        a.addAll(List.of("--user", spec.user, "on", ">" + spec.password));
        a.addAll(spec.rules);
        if (spec.adminPassword != null) {
          a.addAll(List.of("--user", ADMIN_USER, "on", ">" + spec.adminPassword, "~*", "&*", "+@all"));
        }
      }
      a.addAll(spec.extraArgs.apply(port));
    }
    a.addAll(List.of("--proc-title-template", RedisHarness.PROC_TITLE_TEMPLATE));
    return a;
  }

  static RedisServer external(RedisTarget target) {
    if (target.kind() != RedisTarget.Kind.STANDALONE) {
      throw new IllegalStateException(
          "REDIS_URL must name a standalone server (redis:// or rediss://), was "
              + target.redactedUrl());
    }
    RedisURI uri = target.toRedisUris().get(0);
    io.lettuce.core.RedisCredentials creds =
        uri.getCredentialsProvider() == null ? null : uri.getCredentialsProvider().resolveCredentials().block();
    String pw = creds == null || !creds.hasPassword() ? null : new String(creds.getPassword());
    String user = creds == null || !creds.hasUsername() ? null : creds.getUsername();
    SSLSocketFactory tls = target.tls() ? (SSLSocketFactory) SSLSocketFactory.getDefault() : null;
    RedisTarget.HostAndPort hp = target.hosts().get(0);
    Resp.Endpoint ep = new Resp.Endpoint(hp.host(), hp.port(), tls, user, pw, target.database());
    RedisServer s =
        new RedisServer(
            Topology.STANDALONE, "external", null, null, false, hp.port(), List.of(), user, pw, null,
            target, ep);
    if (!Resp.ping(ep, Duration.ofSeconds(5))) {
      throw new IllegalStateException(
          "REDIS_URL is set to " + target.redactedUrl() + " but that server does not answer PING");
    }
    ExternalClaims.claim(ep, target.redactedUrl());
    return s;
  }

  private void start() {
    Node.Runtime rt = Objects.requireNonNull(runtime);
    Node n = rt.start(Objects.requireNonNull(dir), args, label + ":" + port);
    node = n;
    paused = false;
    awaitReady(n);
    LOG.info("{} started on 127.0.0.1:{} ({})", label, port, n);
  }

  private void awaitReady(Node n) {
    try {
      await("PING of " + label + " on port " + port)
          .atMost(READY_TIMEOUT)
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(20))
          .until(
              () -> {
                if (!n.isAlive()) {
                  throw new IllegalStateException(
                      label + " on port " + port + " exited at start:\n" + logTail());
                }
                return Resp.ping(endpoint, Duration.ofMillis(500));
              });
    } catch (ConditionTimeoutException e) {
      throw new IllegalStateException(
          label + " on port " + port + " did not answer PING within " + READY_TIMEOUT + ":\n" + logTail(),
          e);
    }
  }

  /** The last lines of the server's log, for error messages. */
  String logTail() {
    if (dir == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    for (String f : List.of("stdout.log", "redis.log")) {
      Path p = dir.resolve(f);
      try {
        if (Files.isRegularFile(p)) {
          List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
          for (String l : lines.subList(Math.max(0, lines.size() - 20), lines.size())) {
            sb.append(l).append('\n');
          }
        }
      } catch (IOException | UncheckedIOException e) {
        // ignore
      }
    }
    return sb.toString();
  }

  void markShared() {
    lifecycle.share();
  }

  // ---------------------------------------------------------------- the deployment

  @Override
  public Topology topology() {
    return topology;
  }

  /**
   * Returns the port the server listens on (its TLS port for a TLS server).
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * Returns the host, always 127.0.0.1 unless {@code REDIS_URL} names another.
   *
   * @return the host
   */
  public String host() {
    return endpoint.host();
  }

  /**
   * Returns the ACL user of an ACL server.
   *
   * @return the user, or null
   */
  public @Nullable String user() {
    return user;
  }

  /**
   * Returns the password of an ACL server.
   *
   * @return the password, or null
   */
  public @Nullable String password() {
    return password;
  }

  /**
   * Returns the generated certificate (PEM) of a TLS server.
   *
   * @return the certificate file, or null
   */
  public @Nullable Path certificate() {
    return certificate;
  }

  /**
   * Returns the process id of the running server.
   *
   * @return the pid, or -1 if it is not running or not a local process
   */
  public long pid() {
    Node n = node;
    return n == null || !n.isAlive() ? -1 : n.pid();
  }

  /**
   * Returns whether the server process runs (also when paused).
   *
   * @return true if running
   */
  public boolean isRunning() {
    if (externalTarget != null) {
      return true;
    }
    Node n = node;
    return n != null && n.isAlive();
  }

  /**
   * Returns whether this is the server named by {@code REDIS_URL}.
   *
   * @return true for the external server
   */
  public boolean isExternal() {
    return externalTarget != null;
  }

  @Override
  public RedisTarget target() {
    if (externalTarget != null) {
      return externalTarget;
    }
    StringBuilder url = new StringBuilder(certificate != null ? "rediss://" : "redis://");
    if (password != null) {
      if (user != null) {
        url.append(encode(user)).append(':');
      }
      url.append(encode(password)).append('@');
    }
    url.append("127.0.0.1:").append(port);
    return RedisTarget.parse(url.toString());
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Override
  public RedisOptions options() {
    return optionsBuilder().build();
  }

  @Override
  public RedisOptions.Builder optionsBuilder() {
    RedisOptions.Builder b = RedisOptions.builder();
    if (certificate != null) {
      b.trustedCertificate(certificate);
    }
    return b;
  }

  /**
   * Sends one command with the harness's own small client and returns the reply (a String, Long, List
   * or null).
   *
   * @param args the command and its arguments
   * @return the reply
   * @throws IllegalStateException if the server does not answer or answers with an error
   */
  public @Nullable Object call(String... args) {
    try {
      return Resp.call(endpoint, CALL_TIMEOUT, args);
    } catch (IOException e) {
      throw new IllegalStateException(
          label + " on port " + port + ": " + args[0] + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Deletes every key (FLUSHALL) of a server the harness started. For the server named by
   * {@code REDIS_URL} only the database it names is emptied (FLUSHDB), and only because it was empty
   * when the harness first reached it: the harness refuses a database holding keys it did not write.
   */
  @Override
  public void flushAll() {
    if (externalTarget != null) {
      ExternalClaims.flush(endpoint);
    } else {
      call("FLUSHALL");
    }
  }

  @Override
  public void scriptFlush() {
    call("SCRIPT", "FLUSH");
  }

  /**
   * Returns one section of INFO.
   *
   * @param section the section, such as "replication" or "server"
   * @return the fields of that section
   */
  public Map<String, String> info(String section) {
    return Resp.parseInfo(call("INFO", section));
  }

  /**
   * Runs redis-cli against this server and returns its output.
   *
   * @param args the redis-cli command and arguments, such as {@code "GET", "k"}
   * @return the output, stripped
   */
  public String cli(String... args) {
    List<String> a = new ArrayList<>();
    a.addAll(List.of("-h", endpoint.host(), "-p", Integer.toString(port)));
    if (endpoint.password() != null) {
      if (endpoint.user() != null) {
        a.addAll(List.of("--user", endpoint.user()));
      }
      a.addAll(List.of("--pass", endpoint.password(), "--no-auth-warning"));
    }
    if (certificate != null) {
      a.addAll(List.of("--tls", "--cacert", certificate.toString()));
    } else if (externalTarget != null && externalTarget.tls()) {
      a.add("--tls");
    }
    if (endpoint.database() != 0) {
      a.addAll(List.of("-n", Integer.toString(endpoint.database())));
    }
    a.addAll(List.of(args));
    return rawCli(a);
  }

  /** redis-cli with exactly these arguments, where this server runs. */
  String rawCli(List<String> args) {
    Node n = node;
    if (n == null) {
      if (LocalRuntime.onPath("redis-cli").isEmpty()) {
        Assumptions.abort("redis-cli is not installed (apt-get install redis-tools)");
      }
      List<String> cmd = new ArrayList<>();
      cmd.add("redis-cli");
      cmd.addAll(args);
      return LocalRuntime.run(cmd, 60);
    }
    return n.cli(args);
  }

  @Override
  public StatefulRedisConnection<String, String> connect() {
    RedisURI uri = target().toRedisUris().get(0);
    uri.setTimeout(Duration.ofSeconds(5));
    RedisClient c = RedisClient.create(RedisHarness.clientResources(), uri);
    c.setOptions(clientOptions(certificate));
    lifecycle.track(c);
    return c.connect(StringCodec.UTF8);
  }

  static ClientOptions clientOptions(@Nullable Path certificate) {
    ClientOptions.Builder b = ClientOptions.builder();
    if (certificate != null) {
      b.sslOptions(SslOptions.builder().jdkSslProvider().trustManager(certificate.toFile()).build());
    }
    return b.build();
  }

  // ---------------------------------------------------------------- faults

  private Node requireOwned(String what) {
    if (externalTarget != null) {
      Assumptions.abort(
          "cannot " + what + " the Redis named by REDIS_URL (" + externalTarget.redactedUrl()
              + "): the harness does not own it; unset REDIS_URL to run this test against a local"
              + " redis-server");
    }
    if (lifecycle.isClosed()) {
      throw new IllegalStateException(label + " on port " + port + " is closed");
    }
    return Objects.requireNonNull(node, "never started");
  }

  /** Kills the server with SIGKILL and returns once it is gone; its data is lost. */
  public void kill() {
    Node n = requireOwned("kill");
    n.kill();
    paused = false;
    LOG.info("{} on port {} killed", label, port);
  }

  /**
   * Starts the server again on the same port with the same arguments (after a kill; kills it first if
   * it is running) and waits until it answers PING. Its data is empty (a Cluster node keeps its slots).
   */
  public void restart() {
    Node n = requireOwned("restart");
    if (n.isAlive()) {
      n.kill();
    }
    start();
  }

  /** Freezes the process with SIGSTOP: it keeps its connections but answers nothing. */
  public void pause() {
    Node n = requireOwned("pause");
    n.pause();
    paused = true;
    LOG.info("{} on port {} paused", label, port);
  }

  /** Thaws a paused process with SIGCONT. */
  public void resume() {
    Node n = requireOwned("resume");
    n.resume();
    paused = false;
    LOG.info("{} on port {} resumed", label, port);
  }

  /**
   * Returns whether the server is paused.
   *
   * @return true after pause() and before resume()
   */
  public boolean isPaused() {
    return paused;
  }

  /**
   * Waits until the server answers PING (after a restart by other means, or a resume).
   *
   * @param timeout the bound
   */
  public void awaitPing(Duration timeout) {
    await("PING of " + label + " on port " + port)
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> Resp.ping(endpoint, Duration.ofMillis(500)));
  }

  // ---------------------------------------------------------------- closing

  @Override
  public void close() {
    if (lifecycle.closeRequested()) {
      closeNow();
    }
  }

  void closeNow() {
    if (!lifecycle.beginClose()) {
      return;
    }
    closeProcessOnly();
    if (ownsDir && dir != null) {
      Processes.deleteDir(dir);
    }
    Processes.closed(this);
  }

  private void closeProcessOnly() {
    Node n = node;
    if (n != null && n.isAlive()) {
      n.kill();
    } else if (n != null) {
      Processes.unregister(n);
    }
  }

  @Override
  public String toString() {
    return "RedisServer[" + label + ", " + target().redactedUrl() + (isRunning() ? "" : ", stopped") + "]";
  }
}
