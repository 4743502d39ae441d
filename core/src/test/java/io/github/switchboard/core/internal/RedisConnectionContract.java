package io.github.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.testing.RedisDeployment;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link RedisConnection} must do on every topology; one subclass per topology supplies the
 * deployment.
 */
abstract class RedisConnectionContract {

  static final LuaScript INCR_BY =
      LuaScript.of(
          "incr-by-test", "return redis.call('INCRBY', KEYS[1], ARGV[1]) -- switchboard test");
  static final LuaScript ECHO_KEYS =
      LuaScript.of("echo-keys-test", "return {KEYS[1], ARGV[1], ARGV[2]} -- switchboard test");

  abstract RedisDeployment deployment();

  @BeforeEach
  void flush() {
    deployment().flushAll();
  }

  RedisConnection open() {
    return RedisConnection.open(deployment().target(), deployment().options(), "contract");
  }

  static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void commandRoundTrip() throws Exception {
    try (RedisConnection c = open()) {
      assertThat(c.isConnected()).isTrue();
      String key = "rt:" + UUID.randomUUID();
      assertThat(get(c.commands().set(key, "value"))).isEqualTo("OK");
      assertThat(get(c.commands().get(key))).isEqualTo("value");
      assertThat(get(c.commands().incr(key + ":n"))).isEqualTo(1L);
    }
  }

  @Test
  void evalRunsAScriptWithKeysAndArgs() throws Exception {
    try (RedisConnection c = open()) {
      String key = "eval:" + UUID.randomUUID();
      Long first = get(c.<Long>eval(INCR_BY, ScriptOutputType.INTEGER, new String[] {key}, "5"));
      Long second = get(c.<Long>eval(INCR_BY, ScriptOutputType.INTEGER, new String[] {key}, "7"));
      assertThat(first).isEqualTo(5L);
      assertThat(second).isEqualTo(12L);
      List<Object> echoed =
          get(c.<List<Object>>eval(ECHO_KEYS, ScriptOutputType.MULTI, new String[] {key}, "a", "b"));
      assertThat(echoed).containsExactly(key, "a", "b");
    }
  }

  @Test
  void theScriptRunnerSurvivesScriptFlush() throws Exception {
    try (RedisConnection c = open()) {
      // keys spread over many slots, so that on a Cluster every node has run the script
      for (int i = 0; i < 20; i++) {
        assertThat(get(c.<Long>eval(INCR_BY, ScriptOutputType.INTEGER, new String[] {"sf:" + i}, "1")))
            .isEqualTo(1L);
      }
      deployment().scriptFlush();
      for (int i = 0; i < 20; i++) {
        assertThat(get(c.<Long>eval(INCR_BY, ScriptOutputType.INTEGER, new String[] {"sf:" + i}, "2")))
            .as("key sf:%d after SCRIPT FLUSH", i)
            .isEqualTo(3L);
      }
    }
  }

  @Test
  void aScriptErrorReachesTheCaller() throws Exception {
    LuaScript failing = LuaScript.of("failing", "return redis.call('INCR', KEYS[1]) -- not a number");
    try (RedisConnection c = open()) {
      String key = "err:" + UUID.randomUUID();
      get(c.commands().set(key, "not a number"));
      java.util.concurrent.CompletableFuture<Long> f =
          c.<Long>eval(failing, ScriptOutputType.INTEGER, new String[] {key}).toCompletableFuture();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
          .rootCause()
          .hasMessageContaining("not an integer");
    }
  }

  @Test
  void closeClosesAnOwnedConnection() throws Exception {
    RedisConnection c = open();
    assertThat(c.isConnected()).isTrue();
    c.close();
    assertThat(c.isConnected()).isFalse();
    c.close(); // idempotent
  }

  @Test
  @SuppressWarnings("unchecked")
  void closeLeavesAWrappedConnectionOpen() throws Exception {
    StatefulConnection<String, String> user = deployment().connect();
    try {
      RedisConnection c =
          user instanceof StatefulRedisClusterConnection<String, String> cc
              ? RedisConnection.wrap(cc, RedisOptions.defaults(), "wrapped")
              : RedisConnection.wrap(
                  (StatefulRedisConnection<String, String>) user, RedisOptions.defaults(), "wrapped");
      assertThat(c.isConnected()).isTrue();
      String key = "wrap:" + UUID.randomUUID();
      assertThat(get(c.commands().set(key, "v"))).isEqualTo("OK");
      assertThat(get(c.<Long>eval(INCR_BY, ScriptOutputType.INTEGER, new String[] {key + ":n"}, "2")))
          .isEqualTo(2L);
      c.close();
      assertThat(user.isOpen()).isTrue();
      String value =
          user instanceof StatefulRedisClusterConnection<String, String> cc
              ? cc.sync().get(key)
              : ((StatefulRedisConnection<String, String>) user).sync().get(key);
      assertThat(value).isEqualTo("v");
    } finally {
      user.close();
    }
  }

  @Test
  void aDefaultCommandTimeoutIsApplied() {
    assertThat(deployment().options().commandTimeout()).isEqualTo(Duration.ofMillis(250));
  }
}
