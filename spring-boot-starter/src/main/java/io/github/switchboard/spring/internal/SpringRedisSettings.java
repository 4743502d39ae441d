package io.github.switchboard.spring.internal;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The part of Spring Boot's {@code spring.data.redis.*} properties that names a Redis deployment, bound
 * by the starter itself so that Spring Data Redis need not be on the class path. Defaults are Spring's.
 */
public class SpringRedisSettings {
  private @Nullable String url;
  private String host = "localhost";
  private int port = 6379;
  private @Nullable String username;
  private @Nullable String password;
  private int database;
  private final Ssl ssl = new Ssl();
  private final Sentinel sentinel = new Sentinel();
  private final Cluster cluster = new Cluster();
  private final Masterreplica masterreplica = new Masterreplica();
  private boolean hostOrPortSet;

  public @Nullable String getUrl() {
    return url;
  }

  public void setUrl(@Nullable String url) {
    this.url = SpringRedisTarget.blankToNull(url);
  }

  public String getHost() {
    return host;
  }

  public void setHost(String host) {
    this.host = host;
    this.hostOrPortSet |= host != null && !host.isBlank();
  }

  public int getPort() {
    return port;
  }

  public void setPort(int port) {
    this.port = port;
    this.hostOrPortSet = true;
  }

  public @Nullable String getUsername() {
    return username;
  }

  public void setUsername(@Nullable String username) {
    this.username = SpringRedisTarget.blankToNull(username);
  }

  public @Nullable String getPassword() {
    return password;
  }

  public void setPassword(@Nullable String password) {
    this.password = password == null || password.isEmpty() ? null : password;
  }

  public int getDatabase() {
    return database;
  }

  public void setDatabase(int database) {
    this.database = database;
  }

  public Ssl getSsl() {
    return ssl;
  }

  public Sentinel getSentinel() {
    return sentinel;
  }

  public Cluster getCluster() {
    return cluster;
  }

  public Masterreplica getMasterreplica() {
    return masterreplica;
  }

  /**
   * Returns whether any setting that names a Redis is set (a blank value counts as unset).
   *
   * @return true if Spring's settings name a Redis
   */
  boolean namesRedis() {
    return url != null || hostOrPortSet || username != null || password != null || database != 0
        || ssl.isOn() || sentinel.master != null || !cluster.nodes.isEmpty() || !masterreplica.nodes.isEmpty();
  }

  /** {@code spring.data.redis.ssl.*}: TLS is on when {@code enabled} is true or a {@code bundle} is named. */
  public static class Ssl {
    private @Nullable Boolean enabled;
    private @Nullable String bundle;

    public @Nullable Boolean getEnabled() {
      return enabled;
    }

    public void setEnabled(@Nullable Boolean enabled) {
      this.enabled = enabled;
    }

    public @Nullable String getBundle() {
      return bundle;
    }

    public void setBundle(@Nullable String bundle) {
      this.bundle = SpringRedisTarget.blankToNull(bundle);
    }

    /** Returns Spring's rule: TLS when enabled, or when a bundle is named and enabled is not false. */
    boolean isOn() {
      return enabled != null ? enabled : bundle != null;
    }
  }

  /** {@code spring.data.redis.sentinel.*}. */
  public static class Sentinel {
    private @Nullable String master;
    private List<String> nodes = new ArrayList<>();
    private @Nullable String username;
    private @Nullable String password;

    public @Nullable String getMaster() {
      return master;
    }

    public void setMaster(@Nullable String master) {
      this.master = SpringRedisTarget.blankToNull(master);
    }

    public List<String> getNodes() {
      return nodes;
    }

    public void setNodes(List<String> nodes) {
      this.nodes = nodes;
    }

    public @Nullable String getUsername() {
      return username;
    }

    public void setUsername(@Nullable String username) {
      this.username = SpringRedisTarget.blankToNull(username);
    }

    public @Nullable String getPassword() {
      return password;
    }

    public void setPassword(@Nullable String password) {
      this.password = password == null || password.isEmpty() ? null : password;
    }
  }

  /** {@code spring.data.redis.cluster.*}. */
  public static class Cluster {
    private List<String> nodes = new ArrayList<>();

    public List<String> getNodes() {
      return nodes;
    }

    public void setNodes(List<String> nodes) {
      this.nodes = nodes;
    }
  }

  /** {@code spring.data.redis.masterreplica.*} (refused: a RedisTarget cannot name a static setup). */
  public static class Masterreplica {
    private List<String> nodes = new ArrayList<>();

    public List<String> getNodes() {
      return nodes;
    }

    public void setNodes(List<String> nodes) {
      this.nodes = nodes;
    }
  }
}
