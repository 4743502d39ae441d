package io.github.switchboard.core.testing;

import io.github.switchboard.core.RedisTarget;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Starts real Redis deployments for tests.
 *
 * <p>Where Redis comes from, in this order:
 *
 * <ol>
 *   <li>{@code REDIS_URL} (a {@code redis://} or {@code rediss://} URL), for {@link #standalone()} and
 *       the shared standalone deployment only; fault methods then abort the test (a JUnit assumption).
 *       The harness never sends FLUSHALL there: it uses the one database the URL names, refuses it if it
 *       holds keys the tests did not write, and empties only that database (FLUSHDB);
 *   <li>{@code redis-server} on the PATH, started on a free port of 127.0.0.1 without persistence;
 *   <li>Testcontainers ({@code redis:7}, host network) when a Docker engine is available;
 *   <li>else a failure saying what to install.
 * </ol>
 *
 * <p>Every process gets the process title {@code "... switchboard-harness"}, so that
 * {@code pgrep -f switchboard-harness} finds leftovers. Closing a deployment stops its processes; a JVM
 * shutdown hook stops whatever is still running when the JVM exits.
 */
public final class RedisHarness {

  /** The word in the process title of every server the harness starts. */
  public static final String PROCESS_TAG = "switchboard-harness";

  /** The value of {@code --proc-title-template} given to every server. */
  public static final String PROC_TITLE_TEMPLATE =
      "{title} {listen-addr} {server-mode} " + PROCESS_TAG;

  /** The message when no Redis can be found. */
  public static final String NOTHING_TO_RUN =
      "No Redis to test against. Install redis-server (Debian/Ubuntu: sudo apt-get install"
          + " redis-server; Fedora: sudo dnf install redis; macOS: brew install redis), or start a"
          + " Docker engine (Testcontainers runs redis:7), or set REDIS_URL=redis://host:port for the"
          + " standalone tests.";

  /** Where Redis comes from. */
  enum Source {
    EXTERNAL,
    LOCAL,
    DOCKER
  }

  private static final Map<Topology, RedisDeployment> SHARED = new EnumMap<>(Topology.class);
  private static Node.@Nullable Runtime runtime;
  private static @Nullable ClientResources resources;

  private RedisHarness() {}

  /**
   * Chooses the source of Redis.
   *
   * @param redisUrl the value of REDIS_URL, or null
   * @param standalone whether a standalone server is wanted (the only kind REDIS_URL provides)
   * @param redisServer whether redis-server is on the PATH
   * @param docker whether Docker is available (asked only when needed)
   */
  static Source chooseSource(
      @Nullable String redisUrl, boolean standalone, boolean redisServer, BooleanSupplier docker) {
    if (standalone && redisUrl != null && !redisUrl.isBlank()) {
      return Source.EXTERNAL;
    }
    if (redisServer) {
      return Source.LOCAL;
    }
    if (docker.getAsBoolean()) {
      return Source.DOCKER;
    }
    throw new IllegalStateException(NOTHING_TO_RUN);
  }

  private static Source source(boolean standalone) {
    return chooseSource(
        System.getenv("REDIS_URL"),
        standalone,
        LocalRuntime.onPath("redis-server").isPresent(),
        RedisHarness::dockerAvailable);
  }

  private static boolean dockerAvailable() {
    try {
      Class.forName("org.testcontainers.DockerClientFactory");
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
    return DockerRuntime.available();
  }

  static synchronized Node.Runtime runtime() {
    Node.Runtime rt = runtime;
    if (rt == null) {
      Source s = source(false);
      Optional<Path> server = LocalRuntime.onPath("redis-server");
      rt = s == Source.LOCAL ? new LocalRuntime(server.orElseThrow()) : new DockerRuntime();
      runtime = rt;
    }
    return rt;
  }

  /**
   * Describes where the harness gets Redis from, for logs.
   *
   * @return for example "/usr/bin/redis-server"
   */
  public static String describeSource() {
    String url = System.getenv("REDIS_URL");
    String base = runtime().describe();
    return url == null || url.isBlank()
        ? base
        : "REDIS_URL " + RedisTarget.redact(url) + " (standalone), else " + base;
  }

  static synchronized ClientResources clientResources() {
    ClientResources r = resources;
    if (r == null) {
      r = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
      resources = r;
    }
    return r;
  }

  /**
   * Starts a standalone server (or returns the one named by {@code REDIS_URL}).
   *
   * @return the server; the caller closes it
   */
  public static RedisServer standalone() {
    if (source(true) == Source.EXTERNAL) {
      RedisServer s = RedisServer.external(RedisTarget.parse(System.getenv("REDIS_URL")));
      return s;
    }
    return RedisServer.launch(runtime(), new RedisServer.Spec("standalone"));
  }

  /**
   * Starts a standalone server whose default user is off and whose only user is {@code user} with
   * {@code password}; {@link RedisServer#target()} carries both.
   *
   * @param user the ACL user name
   * @param password the password
   * @return the server; the caller closes it
   */
  public static RedisServer acl(String user, String password) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    if (user.isBlank() || password.isEmpty() || user.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("user must be a non-blank word and password non-empty");
    }
    RedisServer.Spec spec = new RedisServer.Spec("acl");
    spec.topology = Topology.ACL;
    spec.user = user;
    spec.password = password;
    return RedisServer.launch(runtime(), spec);
  }

  /**
   * Starts a standalone server whose default user is off and whose only user is {@value
   * LeastPrivilege#USER}, granted exactly {@link LeastPrivilege#rules()} (the least-privilege user of
   * docs/redis-integration.md); {@link RedisServer#target()} carries the user and a random password.
   *
   * @return the server; the caller closes it
   */
  public static RedisServer leastPrivilege() {
    RedisServer.Spec spec = new RedisServer.Spec("least-privilege");
    spec.topology = Topology.ACL;
    spec.user = LeastPrivilege.USER;
    spec.password = "pw-" + UUID.randomUUID();
    spec.rules = LeastPrivilege.rules();
    spec.adminPassword = "admin-" + UUID.randomUUID();
    return RedisServer.launch(runtime(), spec);
  }

  /**
   * Starts a standalone server that speaks only TLS, with a self-signed certificate for 127.0.0.1
   * generated now; {@link RedisServer#options()} trusts it.
   *
   * @return the server; the caller closes it
   */
  public static RedisServer tls() {
    RedisServer.Spec spec = new RedisServer.Spec("tls");
    spec.topology = Topology.TLS;
    spec.tls = true;
    return RedisServer.launch(runtime(), spec);
  }

  /**
   * Starts a master, a replica and three Sentinels, and waits until the Sentinels know each other.
   *
   * @return the deployment; the caller closes it
   */
  public static RedisSentinel sentinel() {
    return RedisSentinel.launch(runtime());
  }

  /**
   * Starts a Cluster of three masters and waits until it is ok on every node.
   *
   * @return the deployment; the caller closes it
   */
  public static RedisCluster cluster() {
    return RedisCluster.launch(runtime());
  }

  /**
   * Starts a Cluster of three masters with one replica each (six nodes) and waits until it is ok on every
   * node: for failover tests ({@code CLUSTER FAILOVER} on a replica, or a master killed).
   *
   * @return the deployment; the caller closes it
   */
  public static RedisCluster clusterWithReplicas() {
    return RedisCluster.launch(runtime(), 1);
  }

  /**
   * Starts a fresh deployment of a topology (an ACL server gets user "switchboard" and a random
   * password).
   *
   * @param topology the topology
   * @return the deployment; the caller closes it
   */
  public static RedisDeployment start(Topology topology) {
    return switch (topology) {
      case STANDALONE -> standalone();
      case SENTINEL -> sentinel();
      case CLUSTER -> cluster();
      case ACL -> acl("switchboard", "pw-" + UUID.randomUUID());
      case TLS -> tls();
    };
  }

  /**
   * Returns the deployment of a topology shared by every test of this JVM, starting it on first use.
   * Do not close it (close() is ignored) and do not inject faults into it; call
   * {@link RedisDeployment#flushAll()} before each test. It is stopped when the JVM exits.
   *
   * @param topology the topology
   * @return the shared deployment
   */
  public static synchronized RedisDeployment shared(Topology topology) {
    RedisDeployment d = SHARED.get(topology);
    if (d == null) {
      d = start(topology);
      if (d instanceof RedisServer s) {
        s.markShared();
      } else if (d instanceof RedisSentinel s) {
        s.markShared();
      } else if (d instanceof RedisCluster c) {
        c.markShared();
      }
      SHARED.put(topology, d);
    }
    return d;
  }

  /**
   * Returns the shared standalone server.
   *
   * @return the shared server
   */
  public static RedisServer sharedStandalone() {
    return (RedisServer) shared(Topology.STANDALONE);
  }

  /**
   * Returns the shared Sentinel deployment.
   *
   * @return the shared deployment
   */
  public static RedisSentinel sharedSentinel() {
    return (RedisSentinel) shared(Topology.SENTINEL);
  }

  /**
   * Returns the shared Cluster.
   *
   * @return the shared Cluster
   */
  public static RedisCluster sharedCluster() {
    return (RedisCluster) shared(Topology.CLUSTER);
  }

  /**
   * Returns the processes started by this JVM, tagged {@value #PROCESS_TAG}, that belong to no open
   * deployment: after every deployment a test opened is closed, this must be empty.
   *
   * @return the stray processes
   */
  public static List<ProcessHandle> strayProcesses() {
    return Processes.strays();
  }

  /**
   * Returns every live process started by this JVM tagged {@value #PROCESS_TAG} (open deployments
   * included).
   *
   * @return the processes
   */
  public static List<ProcessHandle> harnessProcesses() {
    return Processes.tagged();
  }
}
