package io.github.switchboard.core.internal;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Reads the server's eviction policy and persistence once a connection is made, and says so when they put
 * Switchboard's keys at risk: under any maxmemory-policy but noeviction, a full Redis deletes keys of its
 * own choosing (a decoder node drops out of the pool, a client's rate-limit history is forgotten and it
 * gets a fresh allowance), and a server that neither snapshots nor keeps an append-only file starts empty
 * after a restart.
 *
 * One CONFIG GET, asynchronous, never on a request path. Each finding is logged once per server and JVM
 * (the pool, its pub/sub connection and a limiter on the same server produce one line). A server that
 * refuses CONFIG GET (an ACL user without +config|get, a managed Redis that renamed CONFIG) is not an
 * error: one INFO line says the policy could not be checked.
 */
/** Checks {@code maxmemory-policy} and persistence of a freshly connected server. */
public final class EvictionGuard {
  private static final Logger LOG = LoggerFactory.getLogger(EvictionGuard.class);

  /** The only policy under which Redis never deletes a key to make room. */
  public static final String SAFE_POLICY = "noeviction";

  /** Findings already logged, by "server|finding". */
  private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

  /** What the check found. */
  public enum Finding {
    /** {@code maxmemory-policy noeviction}. */
    SAFE,
    /** A policy under which Redis may evict keys. */
    EVICTING,
    /** CONFIG GET was refused or failed; nothing is known. */
    UNKNOWN
  }

  private EvictionGuard() {}

  /**
   * Reads {@code maxmemory-policy}, {@code maxmemory}, {@code appendonly} and {@code save} and logs
   * (once per server) a WARN for an evicting policy, an INFO for a server that does not persist and an
   * INFO when CONFIG GET is refused. Never fails.
   *
   * @param commands the connection's commands
   * @param name the component's name, for the log line
   * @param server the server as logged (a redacted URL, never a password)
   * @param serverKey identifies the server for "once" (the URL, or the identity of a user's connection)
   * @return what was found, once the reply arrives
   */
  public static CompletionStage<Finding> check(
      RedisClusterAsyncCommands<String, String> commands,
      String name,
      String server,
      String serverKey) {
    CompletableFuture<Map<String, String>> reply;
    try {
      reply =
          commands
              .configGet("maxmemory-policy", "maxmemory", "appendonly", "save")
              .toCompletableFuture();
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    return reply.handle(
        (config, error) -> {
          if (error != null || config == null || !config.containsKey("maxmemory-policy")) {
            Throwable cause = error == null ? null : RedisConnection.unwrap(error);
            once(serverKey, "unknown", () -> LOG.info(
                "Redis '{}' at {}: cannot read maxmemory-policy ({}); make sure the server runs with"
                    + " maxmemory-policy noeviction, or it may evict Switchboard's keys",
                name, server, describe(cause)));
            return Finding.UNKNOWN;
          }
          report(config, name, server, serverKey);
          return SAFE_POLICY.equals(policy(config)) ? Finding.SAFE : Finding.EVICTING;
        });
  }

  private static String policy(Map<String, String> config) {
    return config.getOrDefault("maxmemory-policy", "").toLowerCase(Locale.ROOT);
  }

  private static void report(
      Map<String, String> config, String name, String server, String serverKey) {
    String policy = policy(config);
    if (!SAFE_POLICY.equals(policy)) {
      String maxmemory = config.getOrDefault("maxmemory", "?");
      once(serverKey, "policy " + policy, () -> LOG.warn(
          "Redis '{}' at {} runs with maxmemory-policy {} (maxmemory {}): when memory is full Redis"
              + " evicts keys, and a decoder node can drop out of the pool or a client's rate-limit"
              + " history be forgotten. Set maxmemory-policy noeviction (CONFIG SET maxmemory-policy"
              + " noeviction, and in redis.conf) and size maxmemory for the keys: see"
              + " docs/redis-integration.md",
          name, server, policy, maxmemory));
    }
    boolean aof = "yes".equalsIgnoreCase(config.getOrDefault("appendonly", "no"));
    boolean rdb = !config.getOrDefault("save", "").isBlank();
    if (!aof && !rdb) {
      once(serverKey, "no persistence", () -> LOG.info(
          "Redis '{}' at {} does not persist (appendonly no, save \"\"): a restart empties it; the"
              + " decoder pool re-seeds it from its fallback. Set appendonly yes with appendfsync"
              + " everysec to keep the pool and the limits across restarts",
          name, server));
    }
  }

  private static String describe(@Nullable Throwable cause) {
    if (cause == null) {
      return "no maxmemory-policy in the reply";
    }
    String m = cause.getMessage();
    return m == null ? cause.getClass().getSimpleName() : m;
  }

  private static void once(String serverKey, String finding, Runnable log) {
    if (REPORTED.add(serverKey + "|" + finding)) {
      log.run();
    }
  }
}
