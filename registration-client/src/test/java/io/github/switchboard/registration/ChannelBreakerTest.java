package io.github.switchboard.registration;

import static io.github.switchboard.registration.TestSupport.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Each channel behind its own circuit breaker, and the listener of channel attempts. */
class ChannelBreakerTest extends ChannelTestBase {
  private static final String TOKEN = "tok-breaker-4410";
  private static final Duration TIMEOUT = Duration.ofMillis(400);
  private static final Duration OPEN = Duration.ofMillis(800);

  ChannelBreakerTest() {
    super(TOKEN);
  }

  private static CircuitBreakerConfig quick() {
    return TestSupport.quickBreakers(OPEN);
  }

  record Attempt(String channel, boolean success) {}

  @Test
  void aHungCoordinatorIsSkippedWithoutWaitingThenTriedAgain() {
    CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
    List<Attempt> attempts = new CopyOnWriteArrayList<>();
    coordinator.delayMillis = 3 * TIMEOUT.toMillis();
    try (RegistrationClient client = RegistrationClients.builder()
        .coordinator(coordinator.uri(), TOKEN)
        .redis(redis.target(), "default")
        .requestTimeout(TIMEOUT)
        .circuitBreakerConfig(quick())
        .circuitBreakerRegistry(registry)
        .listener((channel, success) -> attempts.add(new Attempt(channel, success)))
        .build()) {
      // two timeouts open the coordinator's breaker
      for (int i = 0; i < 2; i++) {
        RegistrationResult r = client.register(node("cb-1"));
        assertThat(r.channel()).isEqualTo(Channel.REDIS);
        assertThat(r.failures()).singleElement().satisfies(f -> assertThat(f.message()).contains("did not answer"));
      }
      CircuitBreaker breaker = registry.circuitBreaker("switchboard-registration-coordinator");
      assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
      assertThat(registry.getAllCircuitBreakers()).extracting(CircuitBreaker::getName)
          .containsExactlyInAnyOrder("switchboard-registration-coordinator", "switchboard-registration-redis");

      // now skipped at once: far less than the request timeout
      long start = System.nanoTime();
      RegistrationResult skipped = client.register(node("cb-1"));
      long tookMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(skipped.channel()).isEqualTo(Channel.REDIS);
      assertThat(skipped.failures()).singleElement()
          .satisfies(f -> assertThat(f.message()).contains("circuit breaker").contains("skipped"));
      assertThat(tookMillis).isLessThan(TIMEOUT.toMillis() / 2);
      int postsWhileOpen = coordinator.posts.get();

      // the listener heard each attempt, and not the skip
      assertThat(attempts).containsExactly(new Attempt("coordinator", false), new Attempt("redis", true),
          new Attempt("coordinator", false), new Attempt("redis", true), new Attempt("redis", true));

      // the coordinator answers again: after the open wait one probe goes through and closes the breaker
      coordinator.delayMillis = 0;
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
          .until(() -> client.register(node("cb-1")).channel() == Channel.COORDINATOR);
      assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(coordinator.posts.get()).isGreaterThan(postsWhileOpen);
      assertThat(coordinator.nodes).containsKey("cb-1");
    }
  }

  @Test
  void aRefusalDoesNotOpenTheBreaker() {
    CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
    try (RegistrationClient client = RegistrationClients.builder()
        .coordinator(coordinator.uri(), "not-the-token")
        .file(dir.resolve("decoder_pool.json"))
        .circuitBreakerConfig(quick())
        .circuitBreakerRegistry(registry)
        .build()) {
      for (int i = 0; i < 4; i++) {
        try {
          client.register(node("cb-2"));
        } catch (RegistrationRefusedException expected) {
          assertThat(expected.status()).isEqualTo(401);
        }
      }
      assertThat(registry.circuitBreaker("switchboard-registration-coordinator").getState())
          .isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(coordinator.authorizations).hasSize(4);
    }
    assertThat(dir.resolve("decoder_pool.json")).doesNotExist();
  }

  @Test
  void aListenerThatThrowsNeverReachesTheCallerAndIsLoggedOnce() {
    Logger logger = (Logger) LoggerFactory.getLogger("io.github.switchboard.registration");
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    logger.addAppender(logs);
    AtomicInteger calls = new AtomicInteger();
    try (RegistrationClient client = RegistrationClients.builder()
        .coordinator(coordinator.uri(), TOKEN)
        .listener((channel, success) -> {
          calls.incrementAndGet();
          throw new IllegalStateException("listener bug");
        })
        .build()) {
      for (int i = 0; i < 5; i++) {
        assertThat(client.register(node("cb-3")).channel()).isEqualTo(Channel.COORDINATOR);
      }
      assertThat(client.deregister("cb-3").removed()).isTrue();
    } finally {
      logger.detachAppender(logs);
    }
    assertThat(calls.get()).isEqualTo(6);
    assertThat(logs.list).filteredOn(e -> e.getLevel() == Level.WARN
        && e.getFormattedMessage().contains("listener threw")).hasSize(1);
  }
}
