package io.github.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.core.RedisBackend;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** RedisBackend's value rules, and the connection shared by the handles of equal backends. */
class RedisBackendSharingTest {
  private static RedisServer server;

  @BeforeAll
  static void start() {
    server = RedisHarness.standalone(); // its own server: the test counts its clients
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** The clients connected now, except the one asking. */
  static List<String> clients(RedisServer s) {
    String list = String.valueOf(s.call("CLIENT", "LIST"));
    return Arrays.stream(list.split("\n"))
        .map(String::strip)
        .filter(l -> !l.isEmpty() && !l.contains("cmd=client|list"))
        .toList();
  }

  private static RedisOptions noSync() {
    return server.optionsBuilder().syncConnections(0).build();
  }

  private static String ping(RedisConnection c) throws Exception {
    return c.commands().ping().get(5, TimeUnit.SECONDS);
  }

  @Test
  void backendsAreEqualByWhatTheyName() {
    RedisTarget t = RedisTarget.parse("redis://:secret@localhost:6390");
    CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
    RedisOptions slow = RedisOptions.builder().commandTimeout(Duration.ofSeconds(1)).build();
    assertThat(RedisBackend.of(t)).isEqualTo(RedisBackend.of(RedisTarget.parse("redis://:secret@localhost:6390")))
        .hasSameHashCodeAs(RedisBackend.of(t));
    assertThat(RedisBackend.of(t).withOptions(slow)).isEqualTo(RedisBackend.of(t).withOptions(slow))
        .isNotEqualTo(RedisBackend.of(t));
    assertThat(RedisBackend.of(t).withCircuitBreakerRegistry(registry))
        .isEqualTo(RedisBackend.of(t).withCircuitBreakerRegistry(registry))
        .isNotEqualTo(RedisBackend.of(t).withCircuitBreakerRegistry(CircuitBreakerRegistry.ofDefaults()));
    assertThat(RedisBackend.of(t).toString()).doesNotContain("secret").contains("localhost:6390");
    assertThat(RedisBackend.of(t).isUserConnection()).isFalse();
  }

  @Test
  void aConnectionHandedInIsComparedByIdentityAndTakesNoClientResources() {
    try (StatefulRedisConnection<String, String> mine = server.connect();
        StatefulRedisConnection<String, String> other = server.connect()) {
      assertThat(RedisBackend.of(mine)).isEqualTo(RedisBackend.of(mine)).isNotEqualTo(RedisBackend.of(other));
      assertThat(RedisBackend.of(mine).isUserConnection()).isTrue();
      ClientResources resources = DefaultClientResources.create();
      try {
        assertThatThrownBy(() -> RedisBackend.of(mine).withClientResources(resources))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("clientResources");
      } finally {
        resources.shutdown(0, 1, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void handlesOnEqualBackendsShareOneConnectionAndTheLastCloseClosesIt() throws Exception {
    int before = clients(server).size();
    RedisConnection a = RedisConnection.open(RedisBackend.of(server.target()).withOptions(noSync()), "a");
    RedisConnection b = RedisConnection.open(RedisBackend.of(server.target()).withOptions(noSync()), "b");
    try {
      assertThat(ping(a)).isEqualTo("PONG");
      assertThat(ping(b)).isEqualTo("PONG");
      assertThat(clients(server)).hasSize(before + 1);
      a.close();
      a.close(); // a second close of one handle gives back nothing more
      assertThat(ping(b)).isEqualTo("PONG");
      assertThat(clients(server)).hasSize(before + 1);
    } finally {
      b.close();
    }
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(clients(server)).hasSize(before));
  }

  @Test
  void backendsThatDifferOpenConnectionsOfTheirOwn() throws Exception {
    int before = clients(server).size();
    RedisOptions other = server.optionsBuilder().syncConnections(0).commandTimeout(Duration.ofSeconds(2)).build();
    try (RedisConnection a = RedisConnection.open(RedisBackend.of(server.target()).withOptions(noSync()), "a");
        RedisConnection b = RedisConnection.open(RedisBackend.of(server.target()).withOptions(other), "b")) {
      assertThat(ping(a)).isEqualTo("PONG");
      assertThat(ping(b)).isEqualTo("PONG");
      assertThat(clients(server)).hasSize(before + 2);
    }
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(clients(server)).hasSize(before));
  }

  @Test
  void clientResourcesHandedInAreUsedAndNeverShutDown() throws Exception {
    DefaultClientResources resources = DefaultClientResources.create();
    try {
      RedisBackend backend = RedisBackend.of(server.target()).withOptions(noSync()).withClientResources(resources);
      try (RedisConnection c = RedisConnection.open(backend, "own-resources")) {
        assertThat(ping(c)).isEqualTo("PONG");
      }
      assertThat(resources.eventExecutorGroup().isShuttingDown()).isFalse();
      // still usable: a second backend of them connects after the first closed
      try (RedisConnection c = RedisConnection.open(backend, "again")) {
        assertThat(ping(c)).isEqualTo("PONG");
      }
    } finally {
      resources.shutdown(0, 1, TimeUnit.SECONDS);
    }
  }
}
