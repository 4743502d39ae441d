package io.github.switchboard.ratelimit;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.core.BackendListener;
import io.github.switchboard.core.RedisBackend;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.core.TimeSource;
import io.github.switchboard.core.internal.FailoverGuard;
import io.github.switchboard.core.internal.RedisChoice;
import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.ratelimit.internal.GuardedRateLimiter;
import io.github.switchboard.ratelimit.internal.InMemoryRateLimiter;
import io.github.switchboard.ratelimit.internal.ListeningRateLimiter;
import io.github.switchboard.ratelimit.internal.PlanRoutingRateLimiter;
import io.github.switchboard.ratelimit.internal.PlanSource;
import io.github.switchboard.ratelimit.internal.PlannedInMemoryRateLimiter;
import io.github.switchboard.ratelimit.internal.ShadowRateLimiter;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Builds {@link RateLimiter}s: in memory, or on Redis with a fallback.
 *
 * <p>Redis is chosen with {@link Builder#redis(RedisBackend)} (or its shorthands), by the same rules in
 * every Switchboard builder: the last {@code redis(...)} call wins, {@code redisOptions(...)} sets the
 * options of whichever backend is chosen, and components built on equal backends share one connection.
 *
 * <pre>{@code
 * try (RateLimiter limiter = RateLimiters.builder(policy)
 *         .redis(RedisTarget.parse("redis://localhost:6379"))   // leave out: in-memory limiter
 *         .fallback(FallbackMode.LOCAL)
 *         .build()) {
 *   Decision d = limiter.tryAcquire("client-42");
 * }
 * }</pre>
 */
public final class RateLimiters {

  /** The default key prefix. */
  public static final String DEFAULT_KEY_PREFIX = "switchboard:rl:";

  /** The default name of a limiter. */
  public static final String DEFAULT_NAME = "rate-limiter";

  /** The default of {@link Builder#maximumKeys(long)}: the most client keys kept in memory. */
  public static final long DEFAULT_MAXIMUM_KEYS = 1_000_000L;

  /** The longest name of a limiter, in characters. */
  public static final int MAX_NAME_LENGTH = 100;

  private RateLimiters() {}

  /**
   * Returns a builder for a limiter that enforces a policy.
   *
   * @param policy the policy
   * @return a builder with the defaults: in memory, prefix {@value #DEFAULT_KEY_PREFIX}, LOCAL fallback,
   *     1 expected instance, Redis's clock, the system time source
   */
  public static Builder builder(RateLimitPolicy policy) {
    return new Builder(Objects.requireNonNull(policy, "policy"));
  }

  /**
   * Builds a {@link RateLimiter}. Setters check their argument at once; {@link #build()} checks the rest.
   * Without a {@code redis(...)} call the limiter is in memory (and the Redis-only settings are ignored).
   */
  public static final class Builder {
    private final RateLimitPolicy policy;
    private final RedisChoice redis = new RedisChoice();
    private String keyPrefix = DEFAULT_KEY_PREFIX;
    private FallbackMode fallback = FallbackMode.LOCAL;
    private int expectedInstances = 1;
    private ClockSource clock = ClockSource.REDIS;
    private TimeSource timeSource = TimeSource.system();
    private @Nullable CircuitBreakerConfig breakerConfig;
    private String name = DEFAULT_NAME;
    private @Nullable DecisionListener decisionListener;
    private boolean localDenyCache = true;
    private long maximumKeys = DEFAULT_MAXIMUM_KEYS;
    private boolean coalescing = true;
    private @Nullable LimitPlans plans;
    private final List<BackendListener> listeners = new ArrayList<>();

    private Builder(RateLimitPolicy policy) {
      this.policy = policy;
    }

    /**
     * Uses Redis through a backend: the limiter shares the connection of every component built on an
     * equal backend ({@link RedisBackend}), and gives it back on {@link RateLimiter#close()} (the last
     * component to close closes it; a connection handed in is never closed). Replaces any earlier {@code
     * redis(...)} call: the last one wins.
     *
     * @param backend the backend
     * @return this builder
     */
    public Builder redis(RedisBackend backend) {
      redis.backend(backend);
      return this;
    }

    /**
     * Uses Redis at a target: shorthand for {@code redis(RedisBackend.of(target))}.
     *
     * @param target where Redis is
     * @return this builder
     */
    public Builder redis(RedisTarget target) {
      return redis(RedisBackend.of(Objects.requireNonNull(target, "target")));
    }

    /**
     * Uses a standalone (or Sentinel) connection handed in, never closed by the limiter: shorthand for
     * {@code redis(RedisBackend.of(connection))}.
     *
     * @param connection an open connection with String keys and values
     * @return this builder
     */
    public Builder redis(StatefulRedisConnection<String, String> connection) {
      return redis(RedisBackend.of(Objects.requireNonNull(connection, "connection")));
    }

    /**
     * Uses a Cluster connection handed in, never closed by the limiter: shorthand for {@code
     * redis(RedisBackend.of(connection))}.
     *
     * @param connection an open Cluster connection with String keys and values
     * @return this builder
     */
    public Builder redis(StatefulRedisClusterConnection<String, String> connection) {
      return redis(RedisBackend.of(Objects.requireNonNull(connection, "connection")));
    }

    /**
     * Sets the Redis timeouts and TLS trust of the backend, whether chosen before or after (default: the
     * backend's, {@link RedisOptions#defaults()} for the shorthands: a 250 ms command timeout, which also
     * bounds the synchronous calls at about twice that).
     *
     * @param options the options
     * @return this builder
     */
    public Builder redisOptions(RedisOptions options) {
      redis.options(options);
      return this;
    }

    /**
     * Sets the prefix of every Redis key (default {@value RateLimiters#DEFAULT_KEY_PREFIX}).
     *
     * @param prefix a non-empty prefix without '{' or '}' (the braces are the Cluster hash tag)
     * @return this builder
     * @throws IllegalArgumentException if the prefix is empty or holds a brace
     */
    public Builder keyPrefix(String prefix) {
      Objects.requireNonNull(prefix, "keyPrefix");
      if (prefix.isEmpty()) {
        throw new IllegalArgumentException("keyPrefix must not be empty");
      }
      if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
        throw new IllegalArgumentException(
            "keyPrefix must not contain '{' or '}' (they mark the Cluster hash tag), was " + prefix);
      }
      this.keyPrefix = prefix;
      return this;
    }

    /**
     * Sets what answers while Redis is unavailable (default {@link FallbackMode#LOCAL}).
     *
     * @param mode the fallback
     * @return this builder
     */
    public Builder fallback(FallbackMode mode) {
      this.fallback = Objects.requireNonNull(mode, "fallback");
      return this;
    }

    /**
     * Sets how many instances share the limits, so that the LOCAL fallback of each enforces its share:
     * each count divided by {@code n}, rounded down, at least 1 (default 1).
     *
     * @param n the number of instances, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code n} is less than 1
     */
    public Builder expectedInstances(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("expectedInstances must be at least 1, was " + n);
      }
      this.expectedInstances = n;
      return this;
    }

    /**
     * Sets whose clock places requests in time on Redis (default {@link ClockSource#REDIS}).
     *
     * @param clock the clock source
     * @return this builder
     */
    public Builder clock(ClockSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets the client clock: used by the in-memory limiter, the LOCAL fallback and, with {@link
     * ClockSource#CLIENT}, by Redis calls (default {@link TimeSource#system()}).
     *
     * @param timeSource the clock
     * @return this builder
     */
    public Builder timeSource(TimeSource timeSource) {
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /**
     * Sets the circuit breaker's configuration (default {@code FailoverGuard.defaultConfig}: opens at
     * 50% failures or slow calls over the last 10 calls, at least 5; probes after 1 s).
     *
     * @param config the configuration
     * @return this builder
     */
    public Builder circuitBreakerConfig(CircuitBreakerConfig config) {
      this.breakerConfig = Objects.requireNonNull(config, "circuitBreakerConfig");
      return this;
    }

    /**
     * Sets the limiter's name (default {@value RateLimiters#DEFAULT_NAME}): its name in logs, in {@link
     * BackendListener} calls and in metrics, and the name of its circuit breaker, {@code "switchboard-" +
     * name}.
     *
     * @param name 1 to {@value RateLimiters#MAX_NAME_LENGTH} characters, each a letter or digit (ASCII),
     *     {@code '-'}, {@code '_'}, {@code '.'} or {@code ':'}
     * @return this builder
     * @throws IllegalArgumentException if the name is empty, too long or holds another character
     */
    public Builder name(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
        throw new IllegalArgumentException(
            "name must be 1 to " + MAX_NAME_LENGTH + " characters long, was " + name.length());
      }
      for (int i = 0; i < name.length(); i++) {
        char c = name.charAt(i);
        boolean ok =
            (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '-'
                || c == '_'
                || c == '.'
                || c == ':';
        if (!ok) {
          throw new IllegalArgumentException(
              "name may hold only ASCII letters, digits, '-', '_', '.' and ':', found '"
                  + c
                  + "' at index "
                  + i);
        }
      }
      this.name = name;
      return this;
    }

    /**
     * Creates the circuit breaker in a registry, named {@code "switchboard-" + name} (see {@link
     * #name(String)}), so that whatever watches the registry (resilience4j-micrometer, for one) sees it.
     * Default: the backend's ({@link RedisBackend#withCircuitBreakerRegistry}), else a breaker outside any
     * registry. Only used with Redis.
     *
     * @param registry the registry; a breaker of that name already in it is reused, with its own
     *     configuration
     * @return this builder
     */
    public Builder circuitBreakerRegistry(CircuitBreakerRegistry registry) {
      redis.registry(registry);
      return this;
    }

    /**
     * Sets a listener told of every decision, synchronous or asynchronous, with its latency (for
     * metrics). Without one, a decision costs nothing extra. Replaces an earlier listener.
     *
     * @param listener the listener; an exception it throws is logged (rate-limited), never propagated
     * @return this builder
     */
    public Builder decisionListener(DecisionListener listener) {
      this.decisionListener = Objects.requireNonNull(listener, "decisionListener");
      return this;
    }

    /**
     * Sets whether this instance answers a client that Redis has just denied by itself, without Redis,
     * until the retry-after Redis gave has passed (default {@code true}). It answers one-permit requests
     * after a one-permit denial (the flood case), with exactly the decision Redis would give: the same
     * limit, remaining 0, retry-after and reset-after counted down. A request for more permits always
     * goes to Redis, since only Redis knows its exact retry-after. It never allows anything, and other
     * instances can only consume more, so it never allows what Redis would deny nor denies what Redis
     * would allow; {@link RateLimiter#reset(String)} on this instance clears it, but a reset made on
     * another instance is seen here only once the retry-after has passed. {@link
     * ClientStats#localDenials()} counts the calls it answered. Only used with Redis; it holds at most
     * {@link #maximumKeys(long)} clients (past that, Redis answers the others).
     *
     * @param enabled whether to answer denied clients locally
     * @return this builder
     */
    public Builder localDenyCache(boolean enabled) {
      this.localDenyCache = enabled;
      return this;
    }

    /**
     * Sets whether concurrent decisions on one connection are sent together (default {@code true}, Redis
     * only). A decision that finds no script call in flight is sent at once, alone (no timer: an idle
     * limiter adds no latency); the decisions that arrive while a call is in flight go together in the
     * next call, up to 64 (and, for a sliding-window log, up to {@link RateLimiter#MAX_LOG_PERMITS}
     * permits in all), each decided in arrival order inside one script exactly as if sent alone. On a
     * standalone or Sentinel Redis they batch across keys; on a Cluster, per slot (a hot key batches with
     * itself). The decisions are the same with or without it; what changes is the number of script calls
     * under load. If a call fails or times out, the decisions queued behind it are answered by the
     * fallback at once.
     *
     * @param enabled whether to coalesce
     * @return this builder
     */
    public Builder coalescing(boolean enabled) {
      this.coalescing = enabled;
      return this;
    }

    /**
     * Sets the most client keys this limiter keeps in memory (default {@value
     * RateLimiters#DEFAULT_MAXIMUM_KEYS}): the in-memory limiter's and the {@link FallbackMode#LOCAL}
     * fallback's clients, and the clients held by the local deny cache.
     *
     * <p>At the bound, a new client takes the place of one that is idle (all its limits back to full, so
     * nothing is lost) or, if a small sample holds none, of the least recently used of that sample; the
     * first time is logged at WARN. A client that is kept never exceeds its limits; one that was evicted
     * starts again with its full limits, so a bound above the number of clients active within the
     * longest window changes no decision. The deny cache, at its bound, stops caching new denials
     * (Redis answers those clients).
     *
     * @param maximumKeys at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code maximumKeys} is less than 1
     */
    public Builder maximumKeys(long maximumKeys) {
      if (maximumKeys < 1) {
        throw new IllegalArgumentException("maximumKeys must be at least 1, was " + maximumKeys);
      }
      this.maximumKeys = maximumKeys;
      return this;
    }

    /**
     * Adds a listener told of every move between Redis and the fallback.
     *
     * @param listener the listener; an exception it throws is logged, never propagated
     * @return this builder
     */
    public Builder listener(BackendListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Gives each key the policy of its plan ({@link LimitPlans}); keys on no plan get this builder's
     * policy. The plans are read in memory for each decision (no extra Redis call); a change applies
     * within a second on every limiter sharing them, keeping a key's usage when the algorithm stays. On
     * Redis, each plan's limiter shares this limiter's connection, circuit breaker and key prefix. Closing
     * the limiter does not close the plans.
     *
     * @param plans the plans, from {@link LimitPlans#builder(String)}
     * @return this builder
     * @throws IllegalArgumentException if the plans were not built by {@link LimitPlans#builder(String)}
     */
    public Builder plans(LimitPlans plans) {
      Objects.requireNonNull(plans, "plans");
      if (!(plans instanceof PlanSource)) {
        throw new IllegalArgumentException("plans must be built by LimitPlans.builder(name)");
      }
      this.plans = plans;
      return this;
    }

    /**
     * Builds the limiter. With Redis, it connects (waiting up to the connect timeout); if Redis is not
     * reachable it still returns, answers from the fallback and keeps trying in the background.
     *
     * @return the limiter
     */
    public RateLimiter build() {
      RateLimiter limiter;
      LimitPlans p = plans;
      if (p == null) {
        limiter = buildDecider();
        if (policy.shadow()) {
          limiter = new ShadowRateLimiter(limiter);
        }
      } else if (isInMemory()) {
        limiter =
            new PlannedInMemoryRateLimiter(
                policy, ((PlanSource) p).book(), timeSource, maximumKeys, name);
      } else {
        GuardedRateLimiter base = buildGuarded();
        limiter = new PlanRoutingRateLimiter(base, ((PlanSource) p).book(), base::sibling);
      }
      DecisionListener l = decisionListener;
      return l == null ? limiter : new ListeningRateLimiter(limiter, l, name);
    }

    private boolean isInMemory() {
      return !redis.isSet();
    }

    private RateLimiter buildDecider() {
      return isInMemory() ? new InMemoryRateLimiter(policy, timeSource, maximumKeys, name) : buildGuarded();
    }

    private GuardedRateLimiter buildGuarded() {
      RedisConnection c = redis.open(keyPrefix);
      CircuitBreakerConfig cfg =
          breakerConfig != null ? breakerConfig : FailoverGuard.defaultConfig(redis.options().commandTimeout());
      try {
        return new GuardedRateLimiter(
            name,
            policy,
            c,
            keyPrefix,
            clock,
            timeSource,
            fallback,
            expectedInstances,
            cfg,
            redis.registry(),
            localDenyCache,
            maximumKeys,
            redis.isUserConnection(),
            coalescing,
            List.copyOf(listeners));
      } catch (RuntimeException e) {
        c.close();
        throw e;
      }
    }
  }
}
