package io.github.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.lettuce.core.ScriptOutputType;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LuaScriptTest {

  @Test
  void theDigestIsTheOneRedisComputes() {
    RedisServer redis = RedisHarness.sharedStandalone();
    LuaScript script = LuaScript.fromResource(LuaScriptTest.class, "concat-test.lua");
    assertThat(script.name()).isEqualTo("concat-test.lua");
    assertThat(script.source()).contains("return ARGV[1]");
    assertThat(redis.call("SCRIPT", "LOAD", script.source())).isEqualTo(script.sha1());
    assertThat(LuaScript.of("x", "return 1").sha1()).isEqualTo("e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    assertThat(script.toString()).contains(script.sha1()).doesNotContain("return");
  }

  @Test
  void aScriptFromAResourceRuns() throws Exception {
    RedisServer redis = RedisHarness.sharedStandalone();
    LuaScript script = LuaScript.fromResource(LuaScriptTest.class, "concat-test.lua");
    try (RedisConnection c = RedisConnection.open(redis.target(), RedisOptions.defaults(), "lua")) {
      String r =
          c.<String>eval(script, ScriptOutputType.VALUE, new String[] {"key"}, "arg")
              .toCompletableFuture()
              .get(5, TimeUnit.SECONDS);
      assertThat(r).isEqualTo("arg:key");
    }
  }

  @Test
  void aMissingResourceSaysWhichOne() {
    assertThatThrownBy(() -> LuaScript.fromResource(LuaScriptTest.class, "missing.lua"))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("missing.lua")
        .hasMessageContaining(LuaScriptTest.class.getName());
  }

  @Test
  void aScriptMadeOfSeveralResourcesJoinsThemInOrderAndRuns() throws Exception {
    RedisServer redis = RedisHarness.sharedStandalone();
    LuaScript script =
        LuaScript.fromResources(LuaScriptTest.class, "joined", "prelude-test.lua", "body-test.lua");
    assertThat(script.name()).isEqualTo("joined");
    // the prelude has no final newline: the join must add one, or its last line would swallow the body's
    assertThat(script.source())
        .isEqualTo(
            LuaScript.fromResource(LuaScriptTest.class, "prelude-test.lua").source()
                + "\n"
                + LuaScript.fromResource(LuaScriptTest.class, "body-test.lua").source());
    assertThat(redis.call("SCRIPT", "LOAD", script.source())).isEqualTo(script.sha1());
    try (RedisConnection c = RedisConnection.open(redis.target(), RedisOptions.defaults(), "lua")) {
      String r =
          c.<String>eval(script, ScriptOutputType.VALUE, new String[] {"key"}, "arg")
              .toCompletableFuture()
              .get(5, TimeUnit.SECONDS);
      assertThat(r).isEqualTo("<arg:key>");
    }
  }
}
