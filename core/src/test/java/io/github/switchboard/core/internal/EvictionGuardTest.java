package io.github.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The eviction guard: a server whose maxmemory-policy can evict keys is reported once at WARN with what
 * to set; noeviction is not reported; a user without CONFIG is not an error. Each test gets its own
 * server (findings are reported once per server and JVM).
 */
class EvictionGuardTest {
  @RegisterExtension final RedisExtension<RedisServer> redis = RedisExtension.standalone();

  private static List<String> about(LogCapture logs, String word) {
    return logs.lines().stream().filter(l -> l.contains(word)).toList();
  }

  private static EvictionGuard.Finding finding(RedisConnection c) throws Exception {
    return c.evictionCheck().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void anEvictingPolicyIsReportedOnceAtWarnNamingThePolicyAndTheFix() throws Exception {
    RedisServer s = redis.deployment();
    s.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
    try (LogCapture logs = new LogCapture()) {
      // a limiter and a pool on the same server, one of them on a connection the user made
      try (RedisConnection limiter = RedisConnection.open(s.target(), s.options(), "limiter");
          RedisConnection pool = RedisConnection.open(s.target(), s.options(), "pool")) {
        assertThat(finding(limiter)).isEqualTo(EvictionGuard.Finding.EVICTING);
        assertThat(finding(pool)).isEqualTo(EvictionGuard.Finding.EVICTING);
      }
      List<String> warns = about(logs, "maxmemory-policy");
      assertThat(warns).hasSize(1);
      assertThat(warns.get(0))
          .startsWith("WARN " + EvictionGuard.class.getName())
          .contains("maxmemory-policy allkeys-lru")
          .contains("Set maxmemory-policy noeviction")
          .contains(s.target().redactedUrl());
    }
  }

  @Test
  void aUserSuppliedConnectionIsCheckedToo() throws Exception {
    RedisServer s = redis.deployment();
    s.call("CONFIG", "SET", "maxmemory-policy", "volatile-ttl");
    try (LogCapture logs = new LogCapture();
        StatefulRedisConnection<String, String> own = s.connect();
        RedisConnection c = RedisConnection.wrap(own, RedisOptions.defaults(), "user-conn")) {
      assertThat(finding(c)).isEqualTo(EvictionGuard.Finding.EVICTING);
      assertThat(about(logs, "maxmemory-policy volatile-ttl")).hasSize(1).allMatch(l -> l.startsWith("WARN"));
    }
  }

  @Test
  void noevictionIsNotReportedButMissingPersistenceIsAtInfo() throws Exception {
    RedisServer s = redis.deployment();
    assertThat(s.call("CONFIG", "GET", "maxmemory-policy")).isEqualTo(List.of("maxmemory-policy", "noeviction"));
    try (LogCapture logs = new LogCapture();
        RedisConnection c = RedisConnection.open(s.target(), s.options(), "pool")) {
      assertThat(finding(c)).isEqualTo(EvictionGuard.Finding.SAFE);
      assertThat(about(logs, "maxmemory-policy")).isEmpty();
      // the harness runs redis-server with --save "" --appendonly no
      assertThat(about(logs, "does not persist")).hasSize(1).allMatch(l -> l.startsWith("INFO"));
    }
  }

  @Test
  void aPersistingServerIsNotReported() throws Exception {
    RedisServer s = redis.deployment();
    s.call("CONFIG", "SET", "appendonly", "yes");
    try (LogCapture logs = new LogCapture();
        RedisConnection c = RedisConnection.open(s.target(), s.options(), "pool")) {
      assertThat(finding(c)).isEqualTo(EvictionGuard.Finding.SAFE);
      assertThat(about(logs, "persist")).isEmpty();
    }
  }

  @Test
  void aUserWithoutConfigIsNotAnError() throws Exception {
    RedisServer s = redis.deployment();
    s.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
    s.call("ACL", "SETUSER", "app", "on", ">app-pw", "~*", "&*", "+@all", "-config");
    RedisTarget app = RedisTarget.parse("redis://app:app-pw@127.0.0.1:" + s.port());
    RedisOptions options = RedisOptions.builder().connectTimeout(Duration.ofSeconds(2)).build();
    try (LogCapture logs = new LogCapture();
        RedisConnection c = RedisConnection.open(app, options, "managed")) {
      assertThat(c.isConnected()).isTrue();
      assertThat(finding(c)).isEqualTo(EvictionGuard.Finding.UNKNOWN);
      assertThat(logs.lines()).noneMatch(l -> l.startsWith("WARN") || l.startsWith("ERROR"));
      assertThat(about(logs, "cannot read maxmemory-policy"))
          .hasSize(1)
          .allMatch(l -> l.startsWith("INFO") && l.contains("NOPERM"));
      assertThat(logs.lines()).noneMatch(l -> l.contains("app-pw"));
    }
  }
}
