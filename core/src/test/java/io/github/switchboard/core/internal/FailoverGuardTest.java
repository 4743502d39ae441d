package io.github.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The failover guard in front of a real Redis that is killed, restarted, paused and resumed. */
class FailoverGuardTest {

  @RegisterExtension
  static final RedisExtension<RedisServer> REDIS = RedisExtension.standalone();

  static final Duration TIMEOUT = Duration.ofMillis(250);
  static final long FALLBACK = -1L;

  /** How a test calls the guard. */
  enum Mode {
    SYNC,
    ASYNC
  }

  /** The per-call context, as the modules pass it (non-capturing lambdas + ctx). */
  record Ctx(RedisConnection redis, String key, AtomicInteger fallbacks) {}

  private RedisConnection redis;
  private FailoverGuard guard;
  private Ctx ctx;
  private final List<String> transitions = new CopyOnWriteArrayList<>();

  private static RedisServer server() {
    return REDIS.deployment();
  }

  @BeforeEach
  void setUp() {
    server().flushAll();
    redis = RedisConnection.open(server().target(), RedisOptions.defaults(), "guarded");
    guard = new FailoverGuard("guarded", FailoverGuard.defaultConfig(TIMEOUT), TIMEOUT);
    guard.addListener((name, from, to) -> transitions.add(name + ":" + from + "->" + to));
    ctx = new Ctx(redis, "counter", new AtomicInteger());
  }

  @AfterEach
  void tearDown() {
    redis.close();
    if (server().isPaused()) {
      server().resume();
    }
    if (!server().isRunning()) {
      server().restart();
    }
  }

  /** One call; any exception escaping the guard fails the test. */
  private long call(Mode mode) {
    return switch (mode) {
      case SYNC -> guard.executeSync(ctx, c -> c.redis().commands().incr(c.key()), FailoverGuardTest::fallback);
      case ASYNC -> {
        CompletableFuture<Long> f =
            guard
                .execute(ctx, c -> c.redis().commands().incr(c.key()), FailoverGuardTest::fallback)
                .toCompletableFuture();
        try {
          yield f.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new AssertionError("the guard's stage failed or hung", e);
        }
      }
    };
  }

  private static Long fallback(Ctx c) {
    c.fallbacks().incrementAndGet();
    return FALLBACK;
  }

  private static long p99(List<Long> nanos) {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aKilledServerIsAnsweredByTheFallbackAndRedisIsUsedAgainAfterARestart(Mode mode) {
    for (int i = 1; i <= 10; i++) {
      assertThat(call(mode)).isEqualTo(i);
    }
    assertThat(guard.state()).isEqualTo(BackendState.PRIMARY);

    server().kill();
    long killedAt = System.nanoTime();
    List<Long> afterKill = new CopyOnWriteArrayList<>();
    await("breaker opens")
        .atMost(Duration.ofSeconds(3))
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              afterKill.add(call(mode));
              return guard.state() == BackendState.FALLBACK;
            });
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt)).isLessThan(3000);
    assertThat(afterKill).as("every call after the kill").containsOnly(FALLBACK);
    // while open, calls do not even try Redis
    for (int i = 0; i < 20; i++) {
      assertThat(call(mode)).isEqualTo(FALLBACK);
    }

    server().restart();
    await("back to Redis")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              call(mode);
              return guard.state() == BackendState.PRIMARY;
            });
    // Redis answers again: the counter starts over (the restarted server is empty)
    long next = call(mode);
    assertThat(next).isPositive();
    assertThat(server().cli("GET", "counter")).isEqualTo(Long.toString(next));
    assertThat(transitions)
        .startsWith("guarded:PRIMARY->FALLBACK", "guarded:FALLBACK->PROBING")
        .endsWith("guarded:PROBING->PRIMARY");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aPausedServerMakesNoCallSlowAndOpensTheBreaker(Mode mode) {
    assertThat(call(mode)).isEqualTo(1);
    server().pause();
    List<Long> durations = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
    boolean sawFallbackState = false;
    while (System.nanoTime() < deadline) {
      long start = System.nanoTime();
      long v = call(mode);
      durations.add(System.nanoTime() - start);
      assertThat(v).isEqualTo(FALLBACK);
      sawFallbackState |= guard.state() != BackendState.PRIMARY;
    }
    long p99Millis = TimeUnit.NANOSECONDS.toMillis(p99(durations));
    long maxMillis = TimeUnit.NANOSECONDS.toMillis(Collections.max(durations));
    assertThat(p99Millis).as("p99 of %d calls to a paused server", durations.size()).isLessThan(1500);
    assertThat(maxMillis).as("slowest call").isLessThan(2000);
    assertThat(sawFallbackState).isTrue();
    assertThat(transitions).contains("guarded:PRIMARY->FALLBACK");
    assertThat(durations.size()).as("once open, calls are answered at once").isGreaterThan(50);

    server().resume();
    await("back to Redis")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              call(mode);
              return guard.state() == BackendState.PRIMARY;
            });
    assertThat(call(mode)).isGreaterThan(1);
  }

  @Test
  void aThrowingListenerDoesNotReachTheCallerNorStopOtherListeners() {
    FailoverGuard g = new FailoverGuard("throwing", FailoverGuard.defaultConfig(TIMEOUT), TIMEOUT);
    List<BackendState> seen = new CopyOnWriteArrayList<>();
    g.addListener(
        (name, from, to) -> {
          throw new IllegalStateException("listener bug");
        });
    g.addListener((name, from, to) -> seen.add(to));
    server().kill();
    await()
        .atMost(Duration.ofSeconds(3))
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              assertThat(g.executeSync(ctx, c -> c.redis().commands().incr(c.key()), FailoverGuardTest::fallback))
                  .isEqualTo(FALLBACK);
              return g.state() == BackendState.FALLBACK;
            });
    assertThat(seen).startsWith(BackendState.FALLBACK);
  }

  @Test
  void aPrimaryThatThrowsSynchronouslyIsAnsweredByTheFallback() {
    // a connection that never connected throws from commands()
    server().kill();
    RedisOptions fast = RedisOptions.builder().connectTimeout(Duration.ofMillis(200)).build();
    try (RedisConnection never = RedisConnection.open(server().target(), fast, "never")) {
      Ctx c = new Ctx(never, "k", new AtomicInteger());
      for (int i = 0; i < 10; i++) {
        assertThat(guard.executeSync(c, x -> x.redis().commands().incr(x.key()), FailoverGuardTest::fallback))
            .isEqualTo(FALLBACK);
        assertThat(
                guard
                    .execute(c, x -> x.redis().commands().incr(x.key()), FailoverGuardTest::fallback)
                    .toCompletableFuture()
                    .join())
            .isEqualTo(FALLBACK);
      }
      assertThat(c.fallbacks()).hasValue(20);
      assertThat(guard.state()).isEqualTo(BackendState.FALLBACK);
    }
  }

  @Test
  void theFallbacksOwnFailureIsTheOnlyOneThatReachesTheCaller() {
    server().kill();
    IllegalArgumentException own = new IllegalArgumentException("fallback says no");
    assertThatThrownBy(
            () ->
                guard.executeSync(
                    ctx,
                    c -> c.redis().commands().incr(c.key()),
                    c -> {
                      throw own;
                    }))
        .isSameAs(own);
    CompletableFuture<Long> f =
        guard
            .execute(
                ctx,
                c -> c.redis().commands().incr(c.key()),
                c -> {
                  throw own;
                })
            .toCompletableFuture();
    assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).hasRootCause(own);
  }

  @Test
  void aUserConfigIsHonoured() {
    CircuitBreakerConfig config =
        CircuitBreakerConfig.custom()
            .slidingWindowSize(2)
            .minimumNumberOfCalls(2)
            .failureRateThreshold(100)
            .waitDurationInOpenState(Duration.ofSeconds(60))
            .build();
    FailoverGuard g = new FailoverGuard("custom", config, TIMEOUT);
    assertThat(g.circuitBreaker().getCircuitBreakerConfig()).isSameAs(config);
    server().kill();
    g.executeSync(ctx, c -> c.redis().commands().incr(c.key()), FailoverGuardTest::fallback);
    assertThat(g.state()).isEqualTo(BackendState.PRIMARY);
    g.executeSync(ctx, c -> c.redis().commands().incr(c.key()), FailoverGuardTest::fallback);
    assertThat(g.state()).isEqualTo(BackendState.FALLBACK);
    assertThat(g.toString()).contains("custom").contains("FALLBACK");
  }

  @Test
  void defaultConfigMatchesItsDocumentation() {
    CircuitBreakerConfig c = FailoverGuard.defaultConfig(TIMEOUT);
    assertThat(c.getSlidingWindowSize()).isEqualTo(10);
    assertThat(c.getMinimumNumberOfCalls()).isEqualTo(5);
    assertThat(c.getFailureRateThreshold()).isEqualTo(50f);
    assertThat(c.getSlowCallDurationThreshold()).isEqualTo(TIMEOUT);
    assertThat(c.getPermittedNumberOfCallsInHalfOpenState()).isEqualTo(3);
    assertThat(c.isAutomaticTransitionFromOpenToHalfOpenEnabled()).isTrue();
  }
}
