package io.github.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.lettuce.core.ScriptOutputType;
import org.junit.jupiter.api.Test;

class StandaloneConnectionTest extends RedisConnectionContract {

  @Override
  RedisDeployment deployment() {
    return RedisHarness.sharedStandalone();
  }

  private static long noscriptErrors(RedisServer s) {
    String stat = s.info("errorstats").get("errorstat_NOSCRIPT");
    return stat == null ? 0 : Long.parseLong(stat.replaceAll("count=(\\d+).*", "$1"));
  }

  private static long evalCalls(RedisServer s) {
    String stat = s.info("commandstats").get("cmdstat_eval");
    return stat == null ? 0 : Long.parseLong(stat.replaceAll("calls=(\\d+).*", "$1"));
  }

  @Test
  void aScriptErrorOtherThanNoscriptIsNotSentAgainWithEval() throws Exception {
    RedisServer s = RedisHarness.sharedStandalone();
    LuaScript failing = LuaScript.of("failing-once", "return redis.call('INCR', KEYS[1]) -- once");
    try (RedisConnection c = open()) {
      get(c.commands().set("nan", "x"));
      // load it, so that EVALSHA finds it and fails with the script's own error
      get(c.commands().scriptLoad(failing.source()));
      long before = evalCalls(s);
      java.util.concurrent.CompletableFuture<Long> f =
          c.<Long>eval(failing, ScriptOutputType.INTEGER, new String[] {"nan"}).toCompletableFuture();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.get(5, java.util.concurrent.TimeUnit.SECONDS))
          .rootCause()
          .hasMessageContaining("not an integer");
      assertThat(evalCalls(s)).isEqualTo(before);
    }
  }

  @Test
  void afterScriptFlushEvalshaFailsWithNoscriptAndEvalLoadsTheScriptAgain() throws Exception {
    RedisServer s = RedisHarness.sharedStandalone();
    try (RedisConnection c = open()) {
      get(c.<Long>eval(INCR_BY, ScriptOutputType.INTEGER, new String[] {"ns"}, "1"));
      long before = noscriptErrors(s);
      s.scriptFlush();
      assertThat(s.call("SCRIPT", "EXISTS", INCR_BY.sha1())).isEqualTo(java.util.List.of(0L));
      assertThat(get(c.<Long>eval(INCR_BY, ScriptOutputType.INTEGER, new String[] {"ns"}, "1")))
          .isEqualTo(2L);
      assertThat(noscriptErrors(s)).isEqualTo(before + 1);
      assertThat(s.call("SCRIPT", "EXISTS", INCR_BY.sha1())).isEqualTo(java.util.List.of(1L));
      // loaded again: the next call is a plain EVALSHA
      assertThat(get(c.<Long>eval(INCR_BY, ScriptOutputType.INTEGER, new String[] {"ns"}, "1")))
          .isEqualTo(3L);
      assertThat(noscriptErrors(s)).isEqualTo(before + 1);
    }
  }
}
