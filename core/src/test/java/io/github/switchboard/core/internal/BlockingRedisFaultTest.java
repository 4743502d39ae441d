package io.github.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.core.testing.Topology;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** BlockingRedis against a server that is paused, killed and restarted, or refuses the credentials. */
class BlockingRedisFaultTest {
  @RegisterExtension
  static final RedisExtension<RedisServer> REDIS = RedisExtension.standalone();

  /** Holds Redis (and the connection that runs it) for about 400 ms, by Redis's clock. */
  static final LuaScript SLOW =
      LuaScript.of(
          "blocking-slow-test",
          "local t = redis.call('TIME') local start = t[1] * 1000000 + t[2] local now = start"
              + " while now - start < 400000 do t = redis.call('TIME') now = t[1] * 1000000 + t[2] end"
              + " return {1} -- switchboard test");

  private static RedisServer server() {
    return REDIS.deployment();
  }

  @AfterEach
  void heal() {
    if (server().isPaused()) {
      server().resume();
    }
    if (!server().isRunning()) {
      server().restart();
    }
  }

  private static BlockingRedis open(RedisOptions options) {
    return Objects.requireNonNull(BlockingRedis.forTarget(server().target(), options, "blocking-fault"));
  }

  private static List<Object> echo(BlockingRedis b) {
    return b.eval(BlockingRedisContract.ECHO, new String[] {"fault"}, new String[] {"1", "a"});
  }

  @Test
  void aPausedServerTimesOutWithinTheCommandTimeoutAndTheConnectionIsNotLentAgain() {
    RedisOptions options = server().optionsBuilder().commandTimeout(Duration.ofMillis(300)).build();
    try (BlockingRedis b = open(options)) {
      assertThat(echo(b)).isNotNull();
      server().pause();
      long start = System.nanoTime();
      assertThatThrownBy(() -> echo(b))
          .isInstanceOf(RedisCommandTimeoutException.class)
          .hasMessageContaining("within 300 ms");
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(tookMillis).isBetween(250L, 2_000L);
      assertThat(b.openConnections()).isZero();
      server().resume();
      assertThat(echo(b)).isNotNull();
      assertThat(b.openConnections()).isEqualTo(1);
    }
  }

  /** Makes the pool hold two idle connections: two slow scripts at once each take one. */
  private static void twoIdle(BlockingRedis b) throws Exception {
    CompletableFuture<List<Object>> first =
        CompletableFuture.supplyAsync(() -> b.eval(SLOW, new String[] {"slow-1"}, new String[0]));
    CompletableFuture<List<Object>> second =
        CompletableFuture.supplyAsync(() -> b.eval(SLOW, new String[] {"slow-2"}, new String[0]));
    assertThat(first.get(10, TimeUnit.SECONDS)).containsExactly(1L);
    assertThat(second.get(10, TimeUnit.SECONDS)).containsExactly(1L);
    assertThat(b.idleConnections()).isEqualTo(2);
  }

  /** Connections the server has accepted, less the harness's own (each INFO call opens one). */
  private static long connectionsReceived() {
    infoCalls++;
    return Long.parseLong(server().info("stats").get("total_connections_received")) - infoCalls;
  }

  private static long infoCalls;

  @Test
  void aKilledServerFailsOneCallOnTheOldConnectionsThenOpeningBacksOffUntilItIsBack() throws Exception {
    RedisOptions slow = server().optionsBuilder().commandTimeout(Duration.ofSeconds(5)).build();
    try (LogCapture logs = new LogCapture();
        BlockingRedis b = open(slow)) {
      twoIdle(b);
      server().kill();
      assertThatThrownBy(() -> echo(b)).isInstanceOf(RedisConnectionException.class);
      // the other idle connection went with it: no second call fails on a dead connection
      assertThat(b.openConnections()).isZero();
      // no server: no connection to lend, so the caller takes the shared one
      assertThat(echo(b)).isNull();
      assertThat(echo(b)).isNull();
      assertThat(
              logs.lines().stream()
                  .filter(l -> l.startsWith("WARN") && l.contains("cannot open a blocking connection")))
          .hasSize(1);
      server().restart();
      await().atMost(Duration.ofSeconds(10)).until(() -> echo(b) != null);
      assertThat(logs.lines()).anyMatch(l -> l.startsWith("INFO") && l.contains("open again"));
    }
  }

  @Test
  void aConnectionIdleTooLongIsReplacedBeforeItIsLent() throws Exception {
    try (BlockingRedis b = open(server().options())) {
      assertThat(echo(b)).isNotNull();
      long received = connectionsReceived();
      assertThat(echo(b)).isNotNull();
      assertThat(connectionsReceived()).as("kept while fresh").isEqualTo(received);
      b.maxIdle(Duration.ofMillis(1));
      long idleFrom = System.nanoTime();
      await().atMost(Duration.ofSeconds(5)).until(() -> System.nanoTime() - idleFrom > 5_000_000L);
      assertThat(echo(b)).isNotNull();
      assertThat(connectionsReceived()).as("replaced after idling").isEqualTo(received + 1);
      assertThat(b.openConnections()).isEqualTo(1);
    }
  }

  @Test
  void whenEveryConnectionIsLentTheCallIsLeftToTheSharedConnection() throws Exception {
    RedisOptions one = server().optionsBuilder().commandTimeout(Duration.ofSeconds(5)).syncConnections(1).build();
    try (BlockingRedis b = open(one)) {
      CompletableFuture<List<Object>> slow =
          CompletableFuture.supplyAsync(() -> b.eval(SLOW, new String[] {"slow"}, new String[0]));
      await().atMost(Duration.ofSeconds(5)).until(() -> b.openConnections() == 1 && b.idleConnections() == 0);
      long start = System.nanoTime();
      assertThat(echo(b)).isNull();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(200);
      assertThat(slow.get(10, TimeUnit.SECONDS)).containsExactly(1L);
      assertThat(b.idleConnections()).isEqualTo(1);
      assertThat(echo(b)).isNotNull();
      assertThat(b.openConnections()).isEqualTo(1);
    }
  }

  @Test
  void refusedCredentialsAreWarnedOnceWithoutThePassword() {
    RedisServer acl = (RedisServer) RedisHarness.shared(Topology.ACL);
    String wrong = "Wr0ngBl0ckingPassw0rd";
    RedisTarget target =
        RedisTarget.parse("redis://" + acl.user() + ":" + wrong + "@127.0.0.1:" + acl.port());
    try (LogCapture logs = new LogCapture();
        BlockingRedis b = Objects.requireNonNull(BlockingRedis.forTarget(target, RedisOptions.defaults(), "wrong"))) {
      assertThat(echo(b)).isNull();
      assertThat(b.openConnections()).isZero();
      assertThat(logs.lines()).filteredOn(l -> l.startsWith("WARN")).singleElement().asString()
          .contains("'wrong'", "WRONGPASS", "***@127.0.0.1:" + acl.port());
      assertThat(logs.lines()).noneMatch(l -> l.contains(wrong));
    }
  }

  @Test
  void noPoolForClusterTargetsOrWithNoSyncConnections() {
    RedisOptions none = RedisOptions.builder().syncConnections(0).build();
    assertThat(BlockingRedis.forTarget(server().target(), none, "none")).isNull();
    assertThat(BlockingRedis.forTarget(RedisTarget.parse("redis-sentinel://127.0.0.1:26379#mymaster"),
        RedisOptions.defaults(), "sentinel")).isNotNull();
    assertThat(BlockingRedis.forTarget(RedisTarget.parse("redis-cluster://127.0.0.1:7000,127.0.0.1:7001"),
        RedisOptions.defaults(), "cluster")).isNull();
    assertThatThrownBy(() -> RedisOptions.builder().syncConnections(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("syncConnections must be between 0 and 1024, was -1");
  }

  @Test
  void aServerTurnedReplicaAnswersReadOnlyAndItsConnectionsAreDropped() throws Exception {
    RedisOptions slow = server().optionsBuilder().commandTimeout(Duration.ofSeconds(5)).build();
    try (BlockingRedis b = open(slow)) {
      twoIdle(b);
      server().call("REPLICAOF", "127.0.0.1", "1"); // a master that is not there: read-only from now on
      try {
        assertThatThrownBy(() -> echo(b))
            .isInstanceOf(RedisCommandExecutionException.class)
            .hasMessageStartingWith("READONLY");
        assertThat(b.openConnections()).as("the failed connection and the idle one are closed").isZero();
      } finally {
        server().call("REPLICAOF", "NO", "ONE");
      }
      assertThat(echo(b)).isNotNull();
    }
  }
}
