package io.github.switchboard.core.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.core.BackendListener;
import io.github.switchboard.core.BackendState;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * A primary (Redis) and a fallback (memory or file) behind a resilience4j CircuitBreaker.
 *
 * - Closed: calls go to Redis. A failure (error or timeout) is recorded and that one call is answered by
 *   the fallback, so no Redis exception ever reaches the caller.
 * - Open: calls go straight to the fallback; Redis is not touched.
 * - Half-open (reached automatically after waitDurationInOpenState): a few calls probe Redis; their
 *   outcome closes or re-opens the breaker; a failed probe is answered by the fallback too.
 *
 * The guard itself allocates nothing per call beyond the one dependent stage of the primary's future:
 * callers pass a context object and non-capturing functions, so no lambda is created per call.
 *
 * Listeners and the log hear every transition; a listener that throws is logged at WARN and ignored.
 */
/** Routes calls to Redis or to a fallback, guarded by a circuit breaker. */
public final class FailoverGuard {
  private static final Logger LOG = LoggerFactory.getLogger(FailoverGuard.class);

  private final String name;
  private final CircuitBreaker breaker;
  private final long syncWaitNanos;
  private final List<BackendListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicReference<BackendState> reported;

  /**
   * Creates a guard.
   *
   * @param name the component's name, for logs and listeners
   * @param config the breaker's configuration
   * @param commandTimeout the Redis command timeout; synchronous calls wait at most twice as long
   */
  public FailoverGuard(String name, CircuitBreakerConfig config, Duration commandTimeout) {
    this(name, config, commandTimeout, null);
  }

  /**
   * Creates a guard whose breaker lives in a user's registry (so that, for example,
   * resilience4j-micrometer reports it as it reports any other breaker).
   *
   * @param name the component's name, for logs and listeners
   * @param config the breaker's configuration
   * @param commandTimeout the Redis command timeout; synchronous calls wait at most twice as long
   * @param registry where to create the breaker, named {@code "switchboard-" + name}, with {@code
   *     config}; {@code null}: a breaker of the same name outside any registry. A registry that already
   *     holds a breaker of that name returns it (and its configuration wins), as resilience4j does.
   */
  public FailoverGuard(
      String name,
      CircuitBreakerConfig config,
      Duration commandTimeout,
      @Nullable CircuitBreakerRegistry registry) {
    this.name = Objects.requireNonNull(name, "name");
    Objects.requireNonNull(config, "config");
    this.breaker =
        registry == null
            ? CircuitBreaker.of(breakerName(name), config)
            : registry.circuitBreaker(breakerName(name), config);
    this.syncWaitNanos = commandTimeout.toNanos() * 2 + TimeUnit.MILLISECONDS.toNanos(50);
    this.reported = new AtomicReference<>(map(breaker.getState()));
  }

  /**
   * Returns the name of the breaker of a component.
   *
   * @param name the component's name
   * @return {@code "switchboard-" + name}
   */
  public static String breakerName(String name) {
    return "switchboard-" + name;
  }

  /*
   * Transitions are found by comparing the breaker's state with the last one reported, after each
   * interaction with the breaker, instead of through resilience4j's event publisher: a publisher with any
   * consumer makes the breaker build an event object (with a ZonedDateTime) on every call. The cost is
   * that the timed move from open to half-open is reported at the next call, not when it happens.
   */
  private void checkTransition() {
    BackendState to = map(breaker.getState());
    BackendState from = Objects.requireNonNull(reported.get(), "reported is set in the constructor");
    if (to != from && reported.compareAndSet(from, to)) {
      switch (to) {
        case FALLBACK -> LOG.warn(
            "'{}': Redis is failing (failure rate {}%, slow-call rate {}%); answering from the fallback"
                + " until it recovers",
            name,
            breaker.getMetrics().getFailureRate(),
            breaker.getMetrics().getSlowCallRate());
        case PROBING -> LOG.info("'{}': probing Redis to see whether it is back", name);
        case PRIMARY -> LOG.info("'{}': Redis is answering again; using Redis", name);
      }
      for (BackendListener l : listeners) {
        try {
          l.onTransition(name, from, to);
        } catch (RuntimeException ex) {
          LOG.warn("'{}': a backend listener threw; ignored", name, ex);
        }
      }
    }
  }

  /**
   * Returns the default breaker configuration: a count-based window of 10 calls, open at a 50% failure
   * rate after at least 5 calls or when half of them are slower than the command timeout, 1 s open before
   * probing, 3 probes, and an automatic move from open to half-open.
   *
   * @param commandTimeout the Redis command timeout (a slower call counts as slow)
   * @return the configuration
   */
  public static CircuitBreakerConfig defaultConfig(Duration commandTimeout) {
    return CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(10)
        .minimumNumberOfCalls(5)
        .failureRateThreshold(50)
        .slowCallDurationThreshold(commandTimeout)
        .slowCallRateThreshold(50)
        .waitDurationInOpenState(Duration.ofSeconds(1))
        .permittedNumberOfCallsInHalfOpenState(3)
        .automaticTransitionFromOpenToHalfOpenEnabled(true)
        .build();
  }

  private static BackendState map(CircuitBreaker.State s) {
    return switch (s) {
      case CLOSED, DISABLED, METRICS_ONLY -> BackendState.PRIMARY;
      case HALF_OPEN -> BackendState.PROBING;
      case OPEN, FORCED_OPEN -> BackendState.FALLBACK;
    };
  }

  /**
   * Adds a listener of transitions.
   *
   * @param listener the listener
   */
  public void addListener(BackendListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Returns the current state.
   *
   * @return the state
   */
  public BackendState state() {
    return map(breaker.getState());
  }

  /**
   * Returns the underlying breaker, for metrics.
   *
   * @return the breaker
   */
  public CircuitBreaker circuitBreaker() {
    return breaker;
  }

  /**
   * Runs a call asynchronously: on Redis when the breaker permits, else (or when Redis fails) on the
   * fallback. The returned stage never completes with a Redis exception; it fails only if the fallback
   * itself throws.
   *
   * @param ctx the call's context, handed to both functions
   * @param primary the Redis call; may throw or return a failed stage
   * @param fallback the local answer
   * @param <C> the context type
   * @param <T> the result type
   * @return the result
   */
  public <C, T> CompletionStage<T> execute(
      C ctx, Function<C, ? extends CompletionStage<T>> primary, Function<C, T> fallback) {
    return execute(ctx, primary, FailoverGuard::same, fallback);
  }

  /**
   * Runs a call asynchronously and decodes Redis's reply in the same completion step (one dependent stage
   * per call, not two). A reply that the decoder rejects (it throws) counts as a Redis failure and is
   * answered by the fallback.
   *
   * @param ctx the call's context, handed to every function
   * @param primary the Redis call; may throw or return a failed stage
   * @param decode turns Redis's reply into the result
   * @param fallback the local answer
   * @param <C> the context type
   * @param <R> the reply type
   * @param <T> the result type
   * @return the result
   */
  public <C, R, T> CompletionStage<T> execute(
      C ctx,
      Function<C, ? extends CompletionStage<R>> primary,
      BiFunction<C, ? super R, ? extends T> decode,
      Function<C, T> fallback) {
    if (!breaker.tryAcquirePermission()) {
      checkTransition();
      return CompletableFuture.completedFuture(fallback.apply(ctx));
    }
    long start = System.nanoTime();
    CompletionStage<R> stage;
    try {
      stage = primary.apply(ctx);
    } catch (RuntimeException e) {
      breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
      checkTransition();
      return CompletableFuture.completedFuture(fallback.apply(ctx));
    }
    return stage.handle(
        new BiFunction<R, Throwable, T>() {
          @Override
          public T apply(R value, Throwable error) {
            return complete(ctx, start, value, error, decode, fallback);
          }
        });
  }

  private <C, R, T> T complete(
      C ctx,
      long start,
      @Nullable R value,
      @Nullable Throwable error,
      BiFunction<C, ? super R, ? extends T> decode,
      Function<C, T> fallback) {
    long took = System.nanoTime() - start;
    if (error != null) {
      return failed(ctx, took, RedisConnection.unwrap(error), fallback);
    }
    T result;
    try {
      result = decode.apply(ctx, value);
    } catch (RuntimeException e) {
      return failed(ctx, took, e, fallback);
    }
    breaker.onSuccess(took, TimeUnit.NANOSECONDS);
    checkTransition();
    return result;
  }

  private <C, T> T failed(C ctx, long took, Throwable failure, Function<C, T> fallback) {
    breaker.onError(took, TimeUnit.NANOSECONDS, failure);
    checkTransition();
    return fallback.apply(ctx);
  }

  /**
   * Runs a call synchronously, waiting for Redis at most twice the command timeout.
   *
   * @param ctx the call's context, handed to both functions
   * @param primary the Redis call
   * @param fallback the local answer
   * @param <C> the context type
   * @param <T> the result type
   * @return the result
   */
  public <C, T> T executeSync(
      C ctx, Function<C, ? extends CompletionStage<T>> primary, Function<C, T> fallback) {
    return executeSync(ctx, primary, FailoverGuard::same, fallback);
  }

  /**
   * Runs a call synchronously and decodes Redis's reply, waiting for Redis at most twice the command
   * timeout. A reply that the decoder rejects counts as a Redis failure.
   *
   * @param ctx the call's context, handed to every function
   * @param primary the Redis call
   * @param decode turns Redis's reply into the result
   * @param fallback the local answer
   * @param <C> the context type
   * @param <R> the reply type
   * @param <T> the result type
   * @return the result
   */
  public <C, R, T> T executeSync(
      C ctx,
      Function<C, ? extends CompletionStage<R>> primary,
      BiFunction<C, ? super R, ? extends T> decode,
      Function<C, T> fallback) {
    return executeBlocking(
        ctx,
        (c, waitNanos) -> primary.apply(c).toCompletableFuture().get(waitNanos, TimeUnit.NANOSECONDS),
        decode,
        fallback);
  }

  /**
   * A Redis call made on the calling thread, which waits for the reply itself.
   *
   * @param <C> the context type
   * @param <R> the reply type
   */
  @FunctionalInterface
  public interface BlockingCall<C, R> {
    /**
     * Makes the call.
     *
     * @param ctx the call's context
     * @param waitNanos the longest wait for a reply that goes through the shared connection
     * @return the reply
     * @throws Exception if Redis fails or does not answer in time
     */
    R call(C ctx, long waitNanos) throws Exception;
  }

  /**
   * Runs a call synchronously on the calling thread and decodes Redis's reply; the call bounds its own
   * wait ({@code waitNanos}: twice the command timeout, as {@link #executeSync}). A failure, a timeout or
   * a reply that the decoder rejects counts as a Redis failure and is answered by the fallback.
   *
   * @param ctx the call's context, handed to every function
   * @param primary the Redis call
   * @param decode turns Redis's reply into the result
   * @param fallback the local answer
   * @param <C> the context type
   * @param <R> the reply type
   * @param <T> the result type
   * @return the result
   */
  public <C, R, T> T executeBlocking(
      C ctx,
      BlockingCall<C, R> primary,
      BiFunction<C, ? super R, ? extends T> decode,
      Function<C, T> fallback) {
    if (!breaker.tryAcquirePermission()) {
      checkTransition();
      return fallback.apply(ctx);
    }
    long start = System.nanoTime();
    R value;
    try {
      value = primary.call(ctx, syncWaitNanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      breaker.releasePermission();
      return fallback.apply(ctx);
    } catch (Exception e) {
      return complete(ctx, start, null, e, decode, fallback);
    }
    return complete(ctx, start, value, null, decode, fallback);
  }

  /** The decode of a call whose reply is its result. */
  private static <C, T> T same(C ctx, T reply) {
    return reply;
  }

  @Override
  public String toString() {
    return "FailoverGuard[" + name + ", " + state() + "]";
  }
}
