package io.github.switchboard.core.testing;

import java.util.List;

/**
 * The ACL rules of a least-privilege Redis user for Switchboard, as docs/redis-integration.md gives them:
 * its keys ({@code switchboard:*}), the pool's channels, and exactly the commands the library sends,
 * directly or from its Lua scripts (Redis checks a script's commands against the user too). The
 * conformance suites run as a user granted exactly these ({@link RedisHarness#leastPrivilege()}).
 */
public final class LeastPrivilege {

  /** The user name the harness gives such a user. */
  public static final String USER = "switchboard";

  /** Key and channel patterns. */
  public static final List<String> PATTERNS =
      List.of("resetkeys", "~switchboard:*", "resetchannels", "&switchboard:pool:*", "&switchboard:cache:*", "&switchboard:plans:*");

  /**
   * Commands: connecting (Lettuce sends HELLO and SELECT; on Redis 7.2+ also CLIENT SETINFO, which
   * Redis 7.0 does not know: grant {@code +client|setinfo} there), scripts, the pool's own
   * reads (and the cache's GET), pub/sub, a limiter's reset, what the scripts call, and CONFIG GET for the eviction guard
   * (optional: without it, one INFO line says the policy could not be checked).
   */
  public static final List<String> COMMANDS =
      List.of(
          "-@all",
          "+hello", "+auth", "+ping", "+select", "+client|setname", "+client|id",
          "+evalsha", "+eval", "+script|load",
          "+get", "+exists", "+del", "+subscribe", "+unsubscribe",
          "+time", "+set", "+incr", "+pexpire", "+pttl", "+publish",
          "+hget", "+hmget", "+hgetall", "+hset", "+hsetnx", "+hdel", "+hexists", "+hlen", "+hscan",
          "+zadd", "+zrem", "+zremrangebyscore", "+zcard", "+zcount", "+zrange", "+zscore",
          "+config|get");

  /** For a Cluster, in addition: topology discovery and reads from replicas. */
  public static final List<String> CLUSTER_COMMANDS =
      List.of("+cluster|slots", "+cluster|shards", "+cluster|nodes", "+cluster|myid", "+readonly",
          "+readwrite", "+command");

  private LeastPrivilege() {}

  /**
   * The rules after the user name and password, patterns then commands.
   *
   * @return the rules, one per element
   */
  public static List<String> rules() {
    return java.util.stream.Stream.concat(PATTERNS.stream(), COMMANDS.stream()).toList();
  }
}
