package io.github.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.core.testing.RedisDeployment;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link BlockingRedis} must do on every standalone kind of server (plain, TLS, ACL user): one
 * subclass per topology supplies the deployment.
 */
abstract class BlockingRedisContract {
  static final LuaScript ECHO =
      LuaScript.of(
          "blocking-echo-test",
          "return {redis.call('INCRBY', KEYS[1], ARGV[1]), KEYS[1], ARGV[2], {1, 'x'}} -- switchboard test");
  static final LuaScript FAIL =
      LuaScript.of("blocking-fail-test", "return redis.error_reply('BOOM from the script') -- switchboard test");
  static final LuaScript HUGE =
      LuaScript.of(
          "blocking-huge-test",
          "local t = {} for i = 1, 70000 do t[i] = i end return t -- switchboard test");

  abstract RedisDeployment deployment();

  @BeforeEach
  void flush() {
    deployment().flushAll();
  }

  BlockingRedis open() {
    return Objects.requireNonNull(
        BlockingRedis.forTarget(deployment().target(), deployment().options(), "blocking-contract"));
  }

  @Test
  void aScriptRunsWithKeysAndArgumentsAndItsConnectionIsKept() {
    try (BlockingRedis b = open()) {
      String key = "blocking:" + UUID.randomUUID();
      List<Object> first = b.eval(ECHO, new String[] {key}, new String[] {"5", "héllo ✓"});
      List<Object> second = b.eval(ECHO, new String[] {key}, new String[] {"7", ""});
      assertThat(first).containsExactly(5L, key, "héllo ✓", List.of(1L, "x"));
      assertThat(second).containsExactly(12L, key, "", List.of(1L, "x"));
      assertThat(b.openConnections()).isEqualTo(1);
      assertThat(b.idleConnections()).isEqualTo(1);
    }
  }

  @Test
  void aLostScriptCacheIsAnsweredBySendingTheScript() {
    try (BlockingRedis b = open()) {
      String key = "blocking-flush:" + UUID.randomUUID();
      assertThat(b.eval(ECHO, new String[] {key}, new String[] {"1", "a"})).first().isEqualTo(1L);
      deployment().scriptFlush();
      assertThat(b.eval(ECHO, new String[] {key}, new String[] {"1", "a"})).first().isEqualTo(2L);
      assertThat(b.eval(ECHO, new String[] {key}, new String[] {"1", "a"})).first().isEqualTo(3L);
      assertThat(b.openConnections()).isEqualTo(1);
    }
  }

  @Test
  void anErrorReplyFailsTheCallAndKeepsTheConnection() {
    try (BlockingRedis b = open()) {
      assertThatThrownBy(() -> b.eval(FAIL, new String[] {"k"}, new String[0]))
          .isInstanceOf(RedisCommandExecutionException.class)
          .hasMessageContaining("BOOM from the script");
      assertThat(b.openConnections()).isEqualTo(1);
      assertThat(b.eval(ECHO, new String[] {"after-error"}, new String[] {"1", "a"})).first().isEqualTo(1L);
      assertThat(b.openConnections()).isEqualTo(1);
    }
  }

  @Test
  void aReplyPastTheParserLimitFailsNamingItAndClosesTheConnection() {
    try (BlockingRedis b = open()) {
      assertThatThrownBy(() -> b.eval(HUGE, new String[] {"k"}, new String[0]))
          .isInstanceOf(RedisException.class)
          .hasMessageContaining("MAX_ARRAY (65536)");
      assertThat(b.openConnections()).isZero();
      assertThat(b.eval(ECHO, new String[] {"after-limit"}, new String[] {"1", "a"})).first().isEqualTo(1L);
    }
  }

  @Test
  void closingClosesTheIdleConnectionsAndLendsNoMore() {
    BlockingRedis b = open();
    assertThat(b.eval(ECHO, new String[] {"before-close"}, new String[] {"1", "a"})).isNotNull();
    b.close();
    assertThat(b.openConnections()).isZero();
    assertThat(b.eval(ECHO, new String[] {"after-close"}, new String[] {"1", "a"})).isNull();
  }
}
