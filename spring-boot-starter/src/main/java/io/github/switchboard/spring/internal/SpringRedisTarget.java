package io.github.switchboard.spring.internal;

import io.github.switchboard.core.RedisTarget;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Reads Spring's {@code spring.data.redis.*} settings (without Spring Data Redis on the class path) and
 * maps them onto a {@link RedisTarget}, with Spring Boot's precedence: Sentinel (when {@code
 * sentinel.master} is set), else Cluster (when {@code cluster.nodes} is set), else {@code url}, else
 * {@code host}/{@code port}. What a {@code RedisTarget} cannot express fails with a message naming the
 * property.
 */
public final class SpringRedisTarget {

  static final String PREFIX = "spring.data.redis";

  private SpringRedisTarget() {}

  /**
   * Returns the target Spring's settings name, if any of them is set.
   *
   * @param environment the environment
   * @return the target, or empty when no {@code spring.data.redis.*} property is set
   * @throws IllegalArgumentException if the settings cannot be expressed as a {@code RedisTarget}; the
   *     message names the property and never holds a password
   */
  public static Optional<RedisTarget> from(Environment environment) {
    return Binder.get(environment)
        .bind(PREFIX, Bindable.of(SpringRedisSettings.class))
        .map(s -> s.namesRedis() ? Optional.of(map(s)) : Optional.<RedisTarget>empty())
        .orElse(Optional.empty());
  }

  /**
   * Returns whether any {@code spring.data.redis.*} setting names a Redis, without mapping it (settings
   * that cannot be bound count as set, so that {@link #from(Environment)} reports them).
   *
   * @param environment the environment
   * @return true if Spring's settings name a Redis
   */
  public static boolean isSet(Environment environment) {
    try {
      return Binder.get(environment)
          .bind(PREFIX, Bindable.of(SpringRedisSettings.class))
          .map(SpringRedisSettings::namesRedis)
          .orElse(false);
    } catch (RuntimeException e) {
      return true;
    }
  }

  /**
   * Maps settings onto a target.
   *
   * @param s the settings
   * @return the target
   * @throws IllegalArgumentException if the settings cannot be expressed as a {@code RedisTarget}
   */
  public static RedisTarget map(SpringRedisSettings s) {
    if (!s.getMasterreplica().getNodes().isEmpty()) {
      throw unsupported("masterreplica.nodes", "static master/replica setups are not supported; "
          + "use a standalone, Sentinel or Cluster URL");
    }
    SpringRedisSettings.Sentinel sentinel = s.getSentinel();
    if (sentinel.getMaster() != null) {
      if (sentinel.getNodes().isEmpty()) {
        throw new IllegalArgumentException(PREFIX + ".sentinel.nodes must name at least one Sentinel "
            + "(host:port) when " + PREFIX + ".sentinel.master is set");
      }
      requireNoUser(s, "Sentinel");
      requireNoSsl(s, "Sentinel");
      if (sentinel.getPassword() != null || sentinel.getUsername() != null) {
        throw unsupported(sentinel.getPassword() != null ? "sentinel.password" : "sentinel.username",
            "Switchboard authenticates to the master only, not to the Sentinels");
      }
      return parse("redis-sentinel://" + password(s) + hosts(sentinel.getNodes(), "sentinel.nodes")
          + (s.getDatabase() != 0 ? "/" + s.getDatabase() : "") + "#" + sentinel.getMaster(),
          "sentinel.nodes");
    }
    if (!s.getCluster().getNodes().isEmpty()) {
      requireNoUser(s, "Cluster");
      requireNoSsl(s, "Cluster");
      return parse("redis-cluster://" + password(s) + hosts(s.getCluster().getNodes(), "cluster.nodes"),
          "cluster.nodes");
    }
    if (s.getUrl() != null) {
      String url = s.getUrl().strip();
      RedisTarget t = parse(url, "url");
      if (t.kind() != RedisTarget.Kind.STANDALONE) {
        throw new IllegalArgumentException(PREFIX + ".url must be redis:// or rediss:// (as in Spring); "
            + "set sentinel.* or cluster.* for the others, or switchboard.redis.url");
      }
      if (t.database() == 0 && s.getDatabase() != 0 && url.indexOf('/', url.indexOf("://") + 3) < 0) {
        t = parse(url + "/" + s.getDatabase(), "url");
      }
      return t;
    }
    StringBuilder url = new StringBuilder(s.getSsl().isOn() ? "rediss://" : "redis://");
    if (s.getPassword() != null) {
      if (s.getUsername() != null) {
        url.append(encode(s.getUsername())).append(':');
      }
      url.append(encode(s.getPassword())).append('@');
    }
    url.append(host(s.getHost())).append(':').append(s.getPort());
    if (s.getDatabase() != 0) {
      url.append('/').append(s.getDatabase());
    }
    return parse(url.toString(), "host");
  }

  private static void requireNoUser(SpringRedisSettings s, String kind) {
    if (s.getUsername() != null) {
      throw unsupported("username", "an ACL user name is supported with a standalone server only, "
          + "not with " + kind + " (give only " + PREFIX + ".password)");
    }
  }

  private static void requireNoSsl(SpringRedisSettings s, String kind) {
    if (s.getSsl().isOn()) {
      throw unsupported("ssl", "TLS is supported with a standalone server only, not with " + kind);
    }
  }

  private static IllegalArgumentException unsupported(String property, String rule) {
    return new IllegalArgumentException(PREFIX + "." + property + ": " + rule
        + "; set switchboard.redis.url, or define your own RateLimiter and DecoderPool beans on a Lettuce "
        + "connection");
  }

  private static String password(SpringRedisSettings s) {
    return s.getPassword() == null ? "" : encode(s.getPassword()) + "@";
  }

  private static String hosts(List<String> nodes, String property) {
    List<String> parts = new ArrayList<>(nodes.size());
    for (int i = 0; i < nodes.size(); i++) {
      String n = nodes.get(i) == null ? "" : nodes.get(i).strip();
      if (n.isEmpty()) {
        throw new IllegalArgumentException(PREFIX + "." + property + "[" + i + "] must be host:port");
      }
      parts.add(n);
    }
    return String.join(",", parts);
  }

  private static String host(String host) {
    return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  private static RedisTarget parse(String url, String property) {
    try {
      return RedisTarget.parse(url);
    } catch (IllegalArgumentException e) {
      // RedisTarget's message quotes the URL with its password replaced by ***
      throw new IllegalArgumentException(PREFIX + "." + property + ": " + e.getMessage(), e);
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Returns {@code null} for a blank string. */
  static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
