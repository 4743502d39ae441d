package io.github.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** RedisConnection against a server that is paused, down at start, or closed under it. */
class RedisConnectionFaultTest {

  @RegisterExtension
  static final RedisExtension<RedisServer> REDIS = RedisExtension.standalone();

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

  private static long connectedClients() {
    // minus the INFO connection itself
    return Long.parseLong(server().info("clients").get("connected_clients")) - 1;
  }

  @Test
  void aCommandToAPausedServerFailsWithinTheBound() throws Exception {
    try (RedisConnection c = RedisConnection.open(server().target(), RedisOptions.defaults(), "paused")) {
      assertThat(c.commands().set("k", "v").get(2, TimeUnit.SECONDS)).isEqualTo("OK");
      server().pause();
      for (int i = 0; i < 3; i++) {
        long start = System.nanoTime();
        CompletableFuture<String> f = c.commands().get("k").toCompletableFuture();
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .hasCauseInstanceOf(RedisCommandTimeoutException.class);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(tookMillis).as("250 ms timeout, call %d", i).isGreaterThanOrEqualTo(200).isLessThan(1000);
      }
      CompletableFuture<Long> script =
          c.<Long>eval(RedisConnectionContract.INCR_BY, ScriptOutputType.INTEGER, new String[] {"n"}, "1")
              .toCompletableFuture();
      long start = System.nanoTime();
      assertThatThrownBy(() -> script.get(5, TimeUnit.SECONDS))
          .hasRootCauseInstanceOf(RedisCommandTimeoutException.class);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
      server().resume();
      await()
          .atMost(Duration.ofSeconds(5))
          .ignoreExceptions()
          .until(() -> "v".equals(c.commands().get("k").get(1, TimeUnit.SECONDS)));
    }
  }

  @Test
  void openWithRedisDownReturnsAndConnectsWhenRedisStarts() throws Exception {
    server().kill();
    RedisOptions options = RedisOptions.builder().connectTimeout(Duration.ofMillis(500)).build();
    long start = System.nanoTime();
    try (RedisConnection c = RedisConnection.open(server().target(), options, "late")) {
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(tookMillis).as("open() with Redis down").isLessThan(2000);
      assertThat(c.isConnected()).isFalse();
      assertThatThrownBy(c::commands).isInstanceOf(RedisUnavailableException.class);
      assertThatThrownBy(
              () ->
                  c.eval(RedisConnectionContract.INCR_BY, ScriptOutputType.INTEGER, new String[] {"n"}, "1")
                      .toCompletableFuture()
                      .get(1, TimeUnit.SECONDS))
          .hasCauseInstanceOf(RedisUnavailableException.class);

      server().restart();
      await("background connect").atMost(Duration.ofSeconds(10)).until(c::isConnected);
      assertThat(c.commands().set("late", "yes").get(2, TimeUnit.SECONDS)).isEqualTo("OK");
      assertThat(server().cli("GET", "late")).isEqualTo("yes");
    }
  }

  @Test
  void aConnectionReconnectsAfterTheServerRestarts() throws Exception {
    try (RedisConnection c = RedisConnection.open(server().target(), RedisOptions.defaults(), "restart")) {
      assertThat(c.commands().set("a", "1").get(2, TimeUnit.SECONDS)).isEqualTo("OK");
      server().kill();
      await().atMost(Duration.ofSeconds(5)).until(() -> !c.isConnected());
      // while disconnected, commands are rejected at once rather than queued
      long start = System.nanoTime();
      assertThatThrownBy(() -> c.commands().get("a").get(2, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
      server().restart();
      await()
          .atMost(Duration.ofSeconds(10))
          .ignoreExceptions()
          .until(() -> "OK".equals(c.commands().set("a", "2").get(1, TimeUnit.SECONDS)));
    }
  }

  @Test
  void closeClosesTheServerSideConnectionOfAnOwnedConnection() throws Exception {
    await().atMost(Duration.ofSeconds(5)).until(() -> connectedClients() == 0);
    RedisConnection c = RedisConnection.open(server().target(), RedisOptions.defaults(), "owned");
    c.commands().ping().get(2, TimeUnit.SECONDS);
    assertThat(connectedClients()).isEqualTo(1);
    c.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> connectedClients() == 0);
  }

  @Test
  void closeOfAWrapperLeavesTheUsersConnectionOpen() throws Exception {
    await().atMost(Duration.ofSeconds(5)).until(() -> connectedClients() == 0);
    try (var user = server().connect()) {
      RedisConnection c = RedisConnection.wrap(user, RedisOptions.defaults(), "wrapped");
      assertThat(c.commands().set("w", "1").get(2, TimeUnit.SECONDS)).isEqualTo("OK");
      c.close();
      assertThat(user.isOpen()).isTrue();
      assertThat(user.sync().get("w")).isEqualTo("1");
      assertThat(connectedClients()).isEqualTo(1);
      assertThatThrownBy(c::connectPubSub).isInstanceOf(UnsupportedOperationException.class);
    }
  }

  @Test
  void aUserConnectionThatPublishesOnASchedulerIsToldApart() throws Exception {
    RedisConnection owned = RedisConnection.open(server().target(), RedisOptions.defaults(), "owned");
    try (var user = server().connect()) {
      assertThat(owned.completesOnIoThread()).isTrue();
      assertThat(RedisConnection.wrap(user, RedisOptions.defaults(), "default").completesOnIoThread()).isTrue();
      io.lettuce.core.RedisClient client =
          io.lettuce.core.RedisClient.create(server().target().toRedisUris().get(0));
      client.setOptions(io.lettuce.core.ClientOptions.builder().publishOnScheduler(true).build());
      try (var scheduled = client.connect(io.lettuce.core.codec.StringCodec.UTF8)) {
        assertThat(RedisConnection.wrap(scheduled, RedisOptions.defaults(), "scheduled").completesOnIoThread())
            .isFalse();
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
      }
    } finally {
      owned.close();
    }
  }
}
