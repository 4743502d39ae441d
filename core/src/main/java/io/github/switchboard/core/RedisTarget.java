package io.github.switchboard.core;

import io.lettuce.core.RedisURI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where a Redis deployment is: a standalone server (optionally over TLS), a Sentinel-managed master, or
 * a Cluster, with the credentials to use. Immutable and thread-safe.
 *
 * <p>{@link #parse(String)} accepts:
 *
 * <ul>
 *   <li>{@code redis://[user:password@]host[:port][/db]} and {@code rediss://...} (TLS);
 *   <li>{@code redis-sentinel://[password@]host1:port1[,host2:port2...][/db]#masterName};
 *   <li>{@code redis-cluster://[password@]host1:port1[,host2:port2...]} (seed nodes).
 * </ul>
 *
 * <p>User and password may be percent-encoded. A user-info part without a colon is a password (as in
 * Lettuce). The password is never shown by {@link #toString()} nor in any error message: it is replaced by
 * {@code ***}.
 */
public final class RedisTarget {

  /** The default port of a Redis server. */
  public static final int DEFAULT_PORT = 6379;

  /** The default port of a Redis Sentinel. */
  public static final int DEFAULT_SENTINEL_PORT = 26379;

  /** The kind of Redis deployment a target names. */
  public enum Kind {
    /** One server (a master, possibly with replicas the library does not use). */
    STANDALONE,
    /** A master found through one or more Sentinels. */
    SENTINEL,
    /** A Redis Cluster, reached through one or more seed nodes. */
    CLUSTER
  }

  /**
   * A host and a port.
   *
   * @param host the host name or address (IPv6 without brackets)
   * @param port the port, 1 to 65535
   */
  public record HostAndPort(String host, int port) {
    /**
     * Checks the fields.
     *
     * @param host the host name or address (IPv6 without brackets)
     * @param port the port, 1 to 65535
     * @throws IllegalArgumentException if the host is blank or the port is outside 1..65535
     */
    public HostAndPort {
      Objects.requireNonNull(host, "host");
      if (host.isBlank()) {
        throw new IllegalArgumentException("host must not be blank");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port must be between 1 and 65535, was " + port);
      }
    }

    @Override
    public String toString() {
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
  }

  private final Kind kind;
  private final boolean tls;
  private final List<HostAndPort> hosts;
  private final @Nullable String username;
  private final char @Nullable [] password;
  private final int database;
  private final @Nullable String masterName;

  private RedisTarget(
      Kind kind,
      boolean tls,
      List<HostAndPort> hosts,
      @Nullable String username,
      char @Nullable [] password,
      int database,
      @Nullable String masterName) {
    this.kind = kind;
    this.tls = tls;
    this.hosts = List.copyOf(hosts);
    this.username = username;
    this.password = password;
    this.database = database;
    this.masterName = masterName;
  }

  /**
   * Parses a Redis URL.
   *
   * @param url the URL, in one of the forms listed in the class documentation
   * @return the target
   * @throws IllegalArgumentException if the URL is null, blank or not of a supported form; the message
   *     quotes the URL with its password replaced by {@code ***}
   */
  public static RedisTarget parse(@Nullable String url) {
    if (url == null) {
      throw new IllegalArgumentException("Redis URL must not be null");
    }
    String trimmed = url.strip();
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException("Redis URL must not be blank");
    }
    return new Parser(trimmed).parse();
  }

  /**
   * Returns a standalone target on {@code host:port}, without TLS or credentials.
   *
   * @param host the host
   * @param port the port
   * @return the target
   * @throws IllegalArgumentException if the host is blank or the port is out of range
   */
  public static RedisTarget standalone(String host, int port) {
    return new RedisTarget(
        Kind.STANDALONE, false, List.of(new HostAndPort(host, port)), null, null, 0, null);
  }

  /**
   * Returns the kind of deployment.
   *
   * @return the kind
   */
  public Kind kind() {
    return kind;
  }

  /**
   * Returns whether the connection uses TLS ({@code rediss://}).
   *
   * @return true for TLS
   */
  public boolean tls() {
    return tls;
  }

  /**
   * Returns the hosts: the server, the Sentinels or the Cluster seed nodes.
   *
   * @return an immutable, non-empty list
   */
  public List<HostAndPort> hosts() {
    return hosts;
  }

  /**
   * Returns the ACL user name, if one was given.
   *
   * @return the user name
   */
  public Optional<String> username() {
    return Optional.ofNullable(username);
  }

  /**
   * Returns whether a password was given.
   *
   * @return true if there is a password
   */
  public boolean hasPassword() {
    return password != null;
  }

  /**
   * Returns the logical database (always 0 for a Cluster).
   *
   * @return the database number
   */
  public int database() {
    return database;
  }

  /**
   * Returns the Sentinel master name; present exactly for {@link Kind#SENTINEL}.
   *
   * @return the master name
   */
  public Optional<String> masterName() {
    return Optional.ofNullable(masterName);
  }

  /**
   * Returns the Lettuce URIs for this target: one for a standalone or Sentinel target (with every
   * Sentinel in it), one per seed node for a Cluster. The URIs carry the credentials; do not log them.
   *
   * @return a new mutable list of new URIs
   */
  public List<RedisURI> toRedisUris() {
    List<RedisURI> uris = new ArrayList<>();
    switch (kind) {
      case STANDALONE -> {
        HostAndPort h = hosts.get(0);
        RedisURI.Builder b = RedisURI.Builder.redis(h.host(), h.port()).withSsl(tls).withDatabase(database);
        authenticate(b);
        uris.add(b.build());
      }
      case SENTINEL -> {
        HostAndPort first = hosts.get(0);
        RedisURI.Builder b =
            RedisURI.Builder.sentinel(first.host(), first.port(), Objects.requireNonNull(masterName));
        for (int i = 1; i < hosts.size(); i++) {
          b.withSentinel(hosts.get(i).host(), hosts.get(i).port());
        }
        b.withDatabase(database);
        authenticate(b);
        uris.add(b.build());
      }
      case CLUSTER -> {
        for (HostAndPort h : hosts) {
          RedisURI.Builder b = RedisURI.Builder.redis(h.host(), h.port()).withSsl(tls);
          authenticate(b);
          uris.add(b.build());
        }
      }
    }
    return uris;
  }

  private void authenticate(RedisURI.Builder b) {
    if (password != null) {
      if (username != null) {
        b.withAuthentication(username, password);
      } else {
        b.withPassword(password);
      }
    }
  }

  /**
   * Returns the URL of this target in canonical form with the password replaced by {@code ***}.
   *
   * @return the redacted URL, safe to log
   */
  public String redactedUrl() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        switch (kind) {
          case STANDALONE -> tls ? "rediss" : "redis";
          case SENTINEL -> "redis-sentinel";
          case CLUSTER -> "redis-cluster";
        });
    sb.append("://");
    if (username != null) {
      sb.append(username).append(password != null ? ":***" : "").append('@');
    } else if (password != null) {
      sb.append("***@");
    }
    for (int i = 0; i < hosts.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(hosts.get(i));
    }
    if (kind != Kind.CLUSTER && database != 0) {
      sb.append('/').append(database);
    }
    if (masterName != null) {
      sb.append('#').append(masterName);
    }
    return sb.toString();
  }

  /** Returns {@code RedisTarget[<redacted url>]}; never the password. */
  @Override
  public String toString() {
    return "RedisTarget[" + redactedUrl() + "]";
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof RedisTarget other)) {
      return false;
    }
    return kind == other.kind
        && tls == other.tls
        && database == other.database
        && hosts.equals(other.hosts)
        && Objects.equals(username, other.username)
        && Arrays.equals(password, other.password)
        && Objects.equals(masterName, other.masterName);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, tls, hosts, username, database, masterName);
  }

  /**
   * Replaces the password in a Redis URL (or any {@code scheme://user:password@...} text) by
   * {@code ***}, so that the URL can be logged or quoted in an error.
   *
   * @param url the URL, possibly malformed
   * @return the URL without its password
   */
  public static String redact(@Nullable String url) {
    if (url == null) {
      return "null";
    }
    int schemeEnd = url.indexOf("://");
    int start = schemeEnd < 0 ? 0 : schemeEnd + 3;
    int at = url.lastIndexOf('@');
    if (at < start) {
      return url;
    }
    String userInfo = url.substring(start, at);
    int colon = userInfo.indexOf(':');
    String shown = colon < 0 ? "***" : userInfo.substring(0, colon) + ":***";
    return url.substring(0, start) + shown + url.substring(at);
  }

  /** A hand-written parser: java.net.URI cannot read several hosts in one authority. */
  private static final class Parser {
    private final String url;

    Parser(String url) {
      this.url = url;
    }

    private IllegalArgumentException fail(String rule) {
      return new IllegalArgumentException("Invalid Redis URL '" + redact(url) + "': " + rule);
    }

    RedisTarget parse() {
      int schemeEnd = url.indexOf("://");
      if (schemeEnd < 0) {
        throw fail(
            "expected scheme://..., with scheme redis, rediss, redis-sentinel or redis-cluster");
      }
      String scheme = url.substring(0, schemeEnd).toLowerCase(java.util.Locale.ROOT);
      Kind kind;
      boolean tls = false;
      switch (scheme) {
        case "redis" -> kind = Kind.STANDALONE;
        case "rediss" -> {
          kind = Kind.STANDALONE;
          tls = true;
        }
        case "redis-sentinel" -> kind = Kind.SENTINEL;
        case "redis-cluster" -> kind = Kind.CLUSTER;
        default -> throw fail(
            "unsupported scheme '" + scheme + "'; use redis, rediss, redis-sentinel or redis-cluster");
      }
      String rest = url.substring(schemeEnd + 3);

      String username = null;
      char[] password = null;
      int at = rest.lastIndexOf('@');
      if (at >= 0) {
        String userInfo = rest.substring(0, at);
        rest = rest.substring(at + 1);
        int colon = userInfo.indexOf(':');
        String user;
        String pass;
        if (colon < 0) {
          user = "";
          pass = userInfo;
        } else {
          user = userInfo.substring(0, colon);
          pass = userInfo.substring(colon + 1);
        }
        if (!user.isEmpty()) {
          if (kind != Kind.STANDALONE) {
            throw fail("a user name is only supported with redis:// and rediss://; give only a password");
          }
          username = decode(user, "user");
        }
        if (pass.isEmpty()) {
          throw fail("the password after '@' must not be empty");
        }
        password = decode(pass, "password").toCharArray();
      }

      String masterName = null;
      int hash = rest.indexOf('#');
      if (hash >= 0) {
        if (kind != Kind.SENTINEL) {
          throw fail("'#masterName' is only allowed with redis-sentinel://");
        }
        masterName = rest.substring(hash + 1);
        rest = rest.substring(0, hash);
        if (masterName.isBlank()) {
          throw fail("the master name after '#' must not be empty");
        }
      } else if (kind == Kind.SENTINEL) {
        throw fail("redis-sentinel:// needs the master name: redis-sentinel://host:port#masterName");
      }
      if (rest.indexOf('?') >= 0) {
        throw fail("query parameters are not supported");
      }

      int database = 0;
      int slash = rest.indexOf('/');
      if (slash >= 0) {
        String db = rest.substring(slash + 1);
        rest = rest.substring(0, slash);
        if (!db.isEmpty()) {
          if (kind == Kind.CLUSTER) {
            throw fail("a Cluster has only database 0; remove '/" + db + "'");
          }
          try {
            database = Integer.parseInt(db);
          } catch (NumberFormatException e) {
            throw fail("database must be a whole number, was '" + db + "'");
          }
          if (database < 0) {
            throw fail("database must not be negative, was " + database);
          }
        }
      }

      if (rest.isEmpty()) {
        throw fail("a host is required");
      }
      String[] parts = rest.split(",", -1);
      if (parts.length > 1 && kind == Kind.STANDALONE) {
        throw fail("redis:// takes one host; use redis-sentinel:// or redis-cluster:// for several");
      }
      int defaultPort = kind == Kind.SENTINEL ? DEFAULT_SENTINEL_PORT : DEFAULT_PORT;
      List<HostAndPort> hosts = new ArrayList<>(parts.length);
      for (String part : parts) {
        hosts.add(hostAndPort(part, defaultPort));
      }
      return new RedisTarget(kind, tls, hosts, username, password, database, masterName);
    }

    private HostAndPort hostAndPort(String part, int defaultPort) {
      if (part.isEmpty()) {
        throw fail("empty host in the host list");
      }
      String host;
      String port = null;
      if (part.startsWith("[")) {
        int close = part.indexOf(']');
        if (close < 0) {
          throw fail("unclosed '[' in IPv6 host '" + part + "'");
        }
        host = part.substring(1, close);
        String after = part.substring(close + 1);
        if (!after.isEmpty()) {
          if (!after.startsWith(":")) {
            throw fail("expected ':port' after ']' in '" + part + "'");
          }
          port = after.substring(1);
        }
      } else {
        int colon = part.indexOf(':');
        if (colon >= 0) {
          if (part.indexOf(':', colon + 1) >= 0) {
            throw fail("IPv6 hosts must be written in brackets, as [::1]:6379");
          }
          host = part.substring(0, colon);
          port = part.substring(colon + 1);
        } else {
          host = part;
        }
      }
      if (host.isEmpty()) {
        throw fail("empty host in '" + part + "'");
      }
      for (int i = 0; i < host.length(); i++) {
        char c = host.charAt(i);
        if (!(Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_' || c == ':' || c == '%')) {
          throw fail("host '" + host + "' contains the character '" + c + "'");
        }
      }
      int p = defaultPort;
      if (port != null) {
        try {
          p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
          throw fail("port must be a number between 1 and 65535, was '" + port + "'");
        }
        if (p < 1 || p > 65535) {
          throw fail("port must be between 1 and 65535, was " + p);
        }
      }
      return new HostAndPort(host, p);
    }

    private String decode(String s, String field) {
      try {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw fail("the " + field + " has a malformed percent-escape");
      }
    }
  }
}
