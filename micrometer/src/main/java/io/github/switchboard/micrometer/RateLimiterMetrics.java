package io.github.switchboard.micrometer;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.micrometer.internal.DecisionMeters;
import io.github.switchboard.micrometer.internal.MeterDecisionListener;
import io.github.switchboard.micrometer.internal.Names;
import io.github.switchboard.ratelimit.DecisionListener;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import io.github.switchboard.ratelimit.internal.ListeningRateLimiter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * Micrometer meters for a {@link RateLimiter}, each tagged {@code name}:
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>meter</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@value #DECISIONS}</td><td>counter</td><td>{@code outcome} = {@code allowed}/{@code denied}/
 *       {@code shadow_denied}, {@code degraded} = {@code true}/{@code false}</td><td>every decision, sync or
 *       async; {@code shadow_denied}: allowed only because the policy is in shadow mode ({@code
 *       Decision.shadowDenied()}), never also counted as {@code allowed}</td></tr>
 *   <tr><td>{@value #LATENCY}</td><td>timer</td><td></td><td>the time a decision took (histogram
 *       buckets from 100 µs to 1 s)</td></tr>
 *   <tr><td>{@value #BACKEND}</td><td>gauge</td><td></td><td>1 while Redis answers (and always for an
 *       in-memory limiter), 0 while the fallback does or the breaker probes Redis</td></tr>
 * </table>
 *
 * <p>Two ways to attach them:
 *
 * <pre>{@code
 * // to a limiter already built: use the limiter monitor returns from then on
 * RateLimiter limiter = RateLimiterMetrics.monitor(registry, RateLimiters.builder(policy).build(), "api");
 *
 * // or through the builder's hook, then the backend gauge
 * RateLimiter limiter = RateLimiters.builder(policy)
 *     .name("api")
 *     .decisionListener(RateLimiterMetrics.listener(registry, "api"))
 *     .build();
 * RateLimiterMetrics.backendGauge(registry, limiter, "api");
 * }</pre>
 *
 * <p>Both record the same meters in the same way. Give each limiter its own name in a registry: two limiters
 * monitored under one name add their decisions into the same counters, and the backend gauge follows the
 * first of them only (Micrometer keeps the first gauge registered under an id).
 */
public final class RateLimiterMetrics {

  /** The counter of decisions. */
  public static final String DECISIONS = DecisionMeters.DECISIONS;

  /** The timer of decisions. */
  public static final String LATENCY = DecisionMeters.LATENCY;

  /** The gauge of the backend. */
  public static final String BACKEND = "switchboard.ratelimit.backend";

  private RateLimiterMetrics() {}

  /**
   * Records every decision of a limiter, and its backend, in a registry. Registers the meters at once
   * (the counters start at 0).
   *
   * <p>The limiter returned records each decision (sync, async or {@code allow}) and then answers as the
   * limiter given; use it from then on. Its {@code allow} asks the limiter for a whole {@code Decision}, since
   * only a decision says whether it was degraded: an in-memory limiter then allocates that decision, which
   * it otherwise would not. Closing the returned limiter closes the one given. The backend gauge holds the
   * limiter weakly, as Micrometer's gauges do.
   *
   * @param registry where the meters go
   * @param limiter the limiter to watch
   * @param name the value of the {@code name} tag, usually the name given to {@link
   *     RateLimiters.Builder#name(String)}
   * @return a limiter that records, to use instead of {@code limiter}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the name is empty or blank
   */
  public static RateLimiter monitor(MeterRegistry registry, RateLimiter limiter, String name) {
    Objects.requireNonNull(limiter, "limiter");
    DecisionListener listener = listener(registry, name);
    backendGauge(registry, limiter, name);
    return new ListeningRateLimiter(limiter, listener, name);
  }

  /**
   * Returns a listener for {@link RateLimiters.Builder#decisionListener(DecisionListener)} that records
   * decisions and their latency; registers the counters and the timer at once. It never throws. The
   * backend gauge needs the limiter itself: add it with {@link #backendGauge} once the limiter is built.
   *
   * @param registry where the meters go
   * @param name the value of the {@code name} tag
   * @return the listener
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the name is empty or blank
   */
  public static DecisionListener listener(MeterRegistry registry, String name) {
    Objects.requireNonNull(registry, "registry");
    return new MeterDecisionListener(new DecisionMeters(registry, Names.check(name)));
  }

  /**
   * Registers only the gauge {@value #BACKEND} of a limiter: for a limiter built with {@link #listener}
   * ({@link #monitor} registers it itself). The gauge holds the limiter weakly.
   *
   * @param registry where the gauge goes
   * @param limiter the limiter whose {@link RateLimiter#backendState()} the gauge reads
   * @param name the value of the {@code name} tag
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the name is empty or blank
   */
  public static void backendGauge(MeterRegistry registry, RateLimiter limiter, String name) {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(limiter, "limiter");
    Gauge.builder(BACKEND, limiter, l -> l.backendState() == BackendState.PRIMARY ? 1 : 0)
        .description("1 while Redis answers the rate limiter (or it has no Redis), 0 while a fallback does")
        .tag("name", Names.check(name))
        .register(registry);
  }
}
