package io.github.switchboard.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.core.RedisTarget;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * With REDIS_URL set the harness must never destroy data it did not write: it refuses a database that
 * holds foreign keys, and empties only the database it claimed (FLUSHDB, not FLUSHALL). The "user's"
 * server here is a harness-started redis-server reached the way REDIS_URL reaches one.
 */
class ExternalRedisSafetyTest {
  private final RedisServer server =
      RedisServer.launch(RedisHarness.runtime(), new RedisServer.Spec("users-server"));

  @AfterEach
  void close() {
    ExternalClaims.releaseAll();
    server.close();
  }

  private RedisTarget db(int n) {
    return RedisTarget.parse("redis://127.0.0.1:" + server.port() + "/" + n);
  }

  @Test
  void aDatabaseHoldingForeignKeysIsRefusedAndLeftAlone() {
    server.cli("-n", "3", "SET", "orders:1", "precious");

    assertThatThrownBy(() -> RedisServer.external(db(3)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("database 3 holds 1 key(s) these tests did not write")
        .hasMessageContaining("orders:1")
        .hasMessageContaining("/15")
        .hasMessageContaining("redis-cli -n 3 FLUSHDB");

    assertThat(server.cli("-n", "3", "GET", "orders:1")).isEqualTo("precious");
  }

  @Test
  void anEmptyDatabaseIsClaimedAndOnlyItIsEmptied() {
    server.cli("-n", "3", "SET", "orders:1", "precious");
    server.cli("-n", "0", "SET", "sessions:9", "keep me");
    RedisServer external = RedisServer.external(db(4));
    assertThat(external.isExternal()).isTrue();

    try (StatefulRedisConnection<String, String> c = external.connect()) {
      c.sync().set("switchboard:test", "v");
    }
    // the harness's own calls reach the claimed database, not database 0
    assertThat(external.call("KEYS", "*")).isEqualTo(List.of("switchboard:test"));
    assertThat(external.cli("DBSIZE")).isEqualTo("1");

    // keys the tests wrote do not make the claimed database foreign to this JVM
    RedisServer again = RedisServer.external(db(4));
    again.flushAll();

    assertThat(server.cli("-n", "4", "DBSIZE")).isEqualTo("0");
    assertThat(server.cli("-n", "3", "GET", "orders:1")).isEqualTo("precious");
    assertThat(server.cli("-n", "0", "GET", "sessions:9")).isEqualTo("keep me");
  }

  @Test
  void atExitTheClaimedDatabaseIsEmptiedSoTheNextRunCanClaimItAgain() {
    RedisServer external = RedisServer.external(db(5));
    external.call("SET", "switchboard:left-over", "1");

    ExternalClaims.releaseAll(); // what the shutdown hook runs

    assertThat(server.cli("-n", "5", "DBSIZE")).isEqualTo("0");
    assertThat(RedisServer.external(db(5)).isExternal()).isTrue();
  }

  @Test
  void flushingADatabaseNeverClaimedIsRefused() {
    Resp.Endpoint e = new Resp.Endpoint("127.0.0.1", server.port(), null, null, null, 6);
    server.cli("-n", "6", "SET", "k", "v");

    assertThatThrownBy(() -> ExternalClaims.flush(e)).hasMessageContaining("was not claimed");
    assertThat(server.cli("-n", "6", "GET", "k")).isEqualTo("v");
  }
}
