package io.github.switchboard.core.testing;

import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that starts a deployment before the tests of a class and closes it after them.
 *
 * <pre>{@code
 * @RegisterExtension static RedisExtension<RedisServer> redis = RedisExtension.standalone();
 * ... redis.deployment().target() ...
 * }</pre>
 *
 * <p>Registered on a static field, the deployment lives for the whole class; on an instance field, for
 * one test. A shared deployment ({@link #shared(Topology)}) is never closed by the extension.
 *
 * @param <D> the deployment type
 */
public final class RedisExtension<D extends RedisDeployment>
    implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {

  private final Supplier<D> starter;
  private final boolean shared;
  private volatile @Nullable D deployment;
  private volatile boolean classScoped;

  private RedisExtension(Supplier<D> starter, boolean shared) {
    this.starter = starter;
    this.shared = shared;
  }

  /**
   * A standalone server per test class.
   *
   * @return the extension
   */
  public static RedisExtension<RedisServer> standalone() {
    return new RedisExtension<>(RedisHarness::standalone, false);
  }

  /**
   * A standalone ACL server with this user and password.
   *
   * @param user the user
   * @param password the password
   * @return the extension
   */
  public static RedisExtension<RedisServer> acl(String user, String password) {
    return new RedisExtension<>(() -> RedisHarness.acl(user, password), false);
  }

  /**
   * A standalone server whose only user has the least-privilege ACL rules of {@link LeastPrivilege}.
   *
   * @return the extension
   */
  public static RedisExtension<RedisServer> leastPrivilege() {
    return new RedisExtension<>(RedisHarness::leastPrivilege, false);
  }

  /**
   * A TLS server.
   *
   * @return the extension
   */
  public static RedisExtension<RedisServer> tls() {
    return new RedisExtension<>(RedisHarness::tls, false);
  }

  /**
   * A Sentinel deployment.
   *
   * @return the extension
   */
  public static RedisExtension<RedisSentinel> sentinel() {
    return new RedisExtension<>(RedisHarness::sentinel, false);
  }

  /**
   * A Cluster.
   *
   * @return the extension
   */
  public static RedisExtension<RedisCluster> cluster() {
    return new RedisExtension<>(RedisHarness::cluster, false);
  }

  /**
   * The JVM's shared deployment of a topology; never closed by the extension.
   *
   * @param topology the topology
   * @return the extension
   */
  public static RedisExtension<RedisDeployment> shared(Topology topology) {
    return new RedisExtension<>(() -> RedisHarness.shared(topology), true);
  }

  /**
   * Returns the deployment, starting it if needed.
   *
   * @return the deployment
   */
  public D deployment() {
    D d = deployment;
    if (d == null) {
      synchronized (this) {
        d = deployment;
        if (d == null) {
          d = starter.get();
          deployment = d;
        }
      }
    }
    return d;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    classScoped = true;
    deployment();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!classScoped) {
      closeDeployment();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    closeDeployment();
  }

  private synchronized void closeDeployment() {
    D d = deployment;
    deployment = null;
    if (d != null && !shared) {
      d.close();
    }
  }
}
