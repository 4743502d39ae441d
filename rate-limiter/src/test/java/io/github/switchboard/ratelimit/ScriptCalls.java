package io.github.switchboard.ratelimit;

import io.github.switchboard.core.testing.RedisServer;
import java.util.Map;

/** Counts the script calls a Redis server has run, from {@code INFO commandstats}. */
final class ScriptCalls {
  private ScriptCalls() {}

  /** Returns the calls of EVALSHA and EVAL so far. */
  static long of(RedisServer redis) {
    Map<String, String> stats = redis.info("commandstats");
    long n = 0;
    for (String cmd : new String[] {"cmdstat_evalsha", "cmdstat_eval"}) {
      String v = stats.get(cmd);
      if (v != null) {
        for (String part : v.split(",")) {
          if (part.startsWith("calls=")) {
            n += Long.parseLong(part.substring("calls=".length()));
          }
        }
      }
    }
    return n;
  }
}
