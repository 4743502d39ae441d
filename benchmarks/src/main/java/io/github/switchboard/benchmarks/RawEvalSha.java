package io.github.switchboard.benchmarks;

import io.github.switchboard.core.internal.LuaScript;
import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.internal.RedisRateLimiter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
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
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> sync;
  private final RedisAsyncCommands<String, String> async;
  private final String sha;
  private final String[][] keys;
  private final String[] args;

  RawEvalSha(Algorithm algorithm, String[] clientKeys, RedisFixture redis) {
    client = RedisClient.create(redis.uri());
    connection = client.connect();
    sync = connection.sync();
    async = connection.async();
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
