package io.github.switchboard.benchmarks;

import io.github.switchboard.core.internal.LuaScript;
import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.internal.RedisRateLimiter;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/*
 * The ceiling: the very EVALSHA Switchboard sends (same script resource, same KEYS and ARGV, built by the
 * rate limiter's own helpers RedisRateLimiter.scriptFor/keysFor/argsFor with Redis's clock), issued by
 * plain Lettuce on one connection, with every KEYS array and the ARGV array computed before measuring and
 * the reply read only as far as its first element (allowed or not). What Switchboard does above this line
 * (checking the key and permits, building the key and arguments, the circuit breaker, decoding the reply
 * into a Decision) is its overhead.
 */
/** A raw Lettuce EVALSHA of Switchboard's script for one algorithm. */
final class RawEvalSha implements Limiter {
  private final AbstractRedisClient client;
  private final StatefulConnection<String, String> connection;
  private final RedisClusterCommands<String, String> sync;
  private final RedisClusterAsyncCommands<String, String> async;
  private final String sha;
  private final String[][] keys;
  private final String[] args;

  /** A client, its one connection and that connection's commands (standalone or Cluster). */
  private record Connected(
      AbstractRedisClient client,
      StatefulConnection<String, String> connection,
      RedisClusterCommands<String, String> sync,
      RedisClusterAsyncCommands<String, String> async) {
    static Connected standalone(RedisURI uri) {
      RedisClient c = RedisClient.create(uri);
      StatefulRedisConnection<String, String> conn = c.connect();
      return new Connected(c, conn, conn.sync(), conn.async());
    }

    static Connected cluster(List<RedisURI> seeds) {
      RedisClusterClient c = RedisClusterClient.create(seeds);
      StatefulRedisClusterConnection<String, String> conn = c.connect();
      return new Connected(c, conn, conn.sync(), conn.async());
    }
  }

  RawEvalSha(Algorithm algorithm, String[] clientKeys, RedisFixture redis) {
    this(algorithm, clientKeys, Connected.standalone(redis.uri()));
  }

  /**
   * The same EVALSHA on a Cluster, each call routed by Lettuce to the master of its key's slot (the
   * script is loaded on every master).
   */
  RawEvalSha(Algorithm algorithm, String[] clientKeys, ClusterFixture cluster) {
    this(algorithm, clientKeys, Connected.cluster(cluster.masters()));
  }

  private RawEvalSha(Algorithm algorithm, String[] clientKeys, Connected c) {
    client = c.client();
    connection = c.connection();
    sync = c.sync();
    async = c.async();
    LuaScript script = RedisRateLimiter.scriptFor(algorithm);
    sha = sync.scriptLoad(script.source());
    if (!sha.equals(script.sha1())) {
      throw new IllegalStateException("Redis computed another SHA-1 for " + script.name());
    }
    keys = new String[clientKeys.length][];
    for (int i = 0; i < clientKeys.length; i++) {
      keys[i] = RedisRateLimiter.keysFor(SwitchboardLimiter.PREFIX, clientKeys[i], algorithm);
    }
    args = RedisRateLimiter.argsFor(BenchmarkPolicy.switchboard(algorithm), RedisRateLimiter.REDIS_TIME, 1);
  }

  @Override
  public boolean tryAcquire(int key) {
    List<Object> reply = sync.evalsha(sha, ScriptOutputType.MULTI, keys[key], args);
    return granted(reply);
  }

  @Override
  public CompletionStage<?> tryAcquireAsync(int key) {
    return async.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys[key], args);
  }

  @Override
  public boolean granted(Object result) {
    return ((List<?>) result).get(0).equals(1L);
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
