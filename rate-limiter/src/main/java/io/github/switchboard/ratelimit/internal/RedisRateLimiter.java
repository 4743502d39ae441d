package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.core.TimeSource;
import io.github.switchboard.core.internal.BlockingRedis;
import io.github.switchboard.core.internal.LuaScript;
import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.ClientStats;
import io.github.switchboard.ratelimit.ClockSource;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.SlotHash;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/*
 * The Redis side, unguarded. Coalescing (the default): a decision that finds its lane idle is one EVALSHA
 * of the single script; those that arrive while a call is in flight go together in the next call, one
 * EVALSHA of the batched script (see Coalescer and batch_head.lua). A lane is the connection, or on a
 * Cluster one slot (all the keys of a batch must be in one slot). Without coalescing: one EVALSHA per
 * decision (RedisConnection.eval re-sends with EVAL only on
 * NOSCRIPT), whatever the number of limits; no WATCH/MULTI, no compare-and-swap. stats() runs the same
 * script with permits = 0 (read-only); reset() is one DEL.
 *
 * Key layout: prefix + "{" + base64url(UTF-8 of the client key) + "}" + suffix, the suffix naming the
 * algorithm (":swl", ":swc", ":fw", ":tb"). The braces make the whole client state one Cluster slot; the
 * encoding has no brace and is injective, so no client key reaches another's state. The prefix must not
 * contain a brace (checked by the builder).
 *
 * The static helpers (scriptFor, keysFor, argsFor, decode) are the stable contract a benchmark uses to
 * issue the identical EVALSHA through raw Lettuce: see the header of each script.
 */
/** The Redis implementation of the rate limiter, without the failover guard. */
public final class RedisRateLimiter {
  /** The value of ARGV[1] that makes the script read Redis's {@code TIME}. */
  public static final String REDIS_TIME = "";

  private static final Map<Algorithm, LuaScript> SCRIPTS = new EnumMap<>(Algorithm.class);
  private static final Map<Algorithm, LuaScript> BATCH_SCRIPTS = new EnumMap<>(Algorithm.class);

  static {
    for (Algorithm a : Algorithm.values()) {
      String body = a.name().toLowerCase(java.util.Locale.ROOT) + ".lua";
      SCRIPTS.put(a, script(body));
      BATCH_SCRIPTS.put(a, batchScript(body));
    }
  }

  /*
   * Every algorithm's body reads its limits once per call, then defines decide(key, now, n, out): the single
   * script calls it once (single_tail.lua), the batched one once per decision (batch_tail.lua).
   */

  /** An algorithm's script: the shared helpers and prelude (time, arguments), its body, one decision. */
  private static LuaScript script(String body) {
    return LuaScript.fromResources(
        RedisRateLimiter.class, body, "helpers.lua", "prelude.lua", body, "single_tail.lua");
  }

  /** An algorithm's batched script: its body's decide(key, now, n, out), called for each decision in turn. */
  private static LuaScript batchScript(String body) {
    return LuaScript.fromResources(
        RedisRateLimiter.class, "batched " + body, "helpers.lua", "batch_head.lua", body, "batch_tail.lua");
  }

  private final RedisConnection connection;
  private final RateLimitPolicy policy;
  private final Limits limits;
  private final String prefix;
  private final ClockSource clock;
  private final TimeSource time;
  private final LuaScript script;
  private final String suffix;
  private final String[] argsTemplate;
  /** The prefix as Latin-1 bytes for Keys.stateKey, or null if it holds other chars (rare). */
  private final byte @Nullable [] prefixBytes;
  private final byte[] suffixBytes;
  private final Function<List<Object>, Decision> toDecision;
  private final Function<List<Object>, ClientStats> toStats;
  private final LuaScript batchScript;
  private final boolean coalescing;
  private final Coalescer.Sender sender;
  /*
   * Script calls a lane keeps in flight before decisions wait to go together. A standalone or Sentinel
   * connection whose replies complete on its I/O thread (Lettuce's default): MAX_IN_FLIGHT, every call
   * sent from that thread (see Coalescer), so that a few concurrent callers (4 threads, sync) are not
   * serialised behind one call, Redis works on one call while the client reads another's reply, and
   * decisions still reach Redis in the order they were made. ONE_IN_FLIGHT on a Cluster lane, since the
   * Cluster writer routes asynchronously and a later decision could reach Redis before an earlier one, and
   * on a user-supplied connection that completes its replies on a scheduler (publishOnScheduler): with 1,
   * whoever holds the slot is the only writer of the lane. The order of a client's decisions is part of
   * their exactness (RedisCoalescingTest).
   */
  private static final int MAX_IN_FLIGHT = 4;
  private static final int ONE_IN_FLIGHT = 1;
  private final long batchPermitBudget;
  private final @Nullable Coalescer lane;
  private final AtomicReferenceArray<Coalescer> slotLanes;

  /**
   * Creates the Redis limiter.
   *
   * @param connection the connection (not closed by this object)
   * @param policy the policy
   * @param prefix the key prefix (no braces)
   * @param clock whose clock places requests in time
   * @param time the client clock, used with {@link ClockSource#CLIENT}
   */
  public RedisRateLimiter(
      RedisConnection connection,
      RateLimitPolicy policy,
      String prefix,
      ClockSource clock,
      TimeSource time) {
    this(connection, policy, prefix, clock, time, false);
  }

  /**
   * Creates the Redis limiter.
   *
   * @param connection the connection (not closed by this object)
   * @param policy the policy
   * @param prefix the key prefix (no braces)
   * @param clock whose clock places requests in time
   * @param time the client clock, used with {@link ClockSource#CLIENT}
   * @param coalescing whether decisions that arrive while a call is in flight go together in the next
   *     one (per connection; per slot on a Cluster)
   */
  public RedisRateLimiter(
      RedisConnection connection,
      RateLimitPolicy policy,
      String prefix,
      ClockSource clock,
      TimeSource time,
      boolean coalescing) {
    this.connection = Objects.requireNonNull(connection, "connection");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.limits = new Limits(policy);
    this.prefix = Objects.requireNonNull(prefix, "prefix");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.time = Objects.requireNonNull(time, "time");
    this.script = scriptFor(policy.algorithm());
    this.suffix = suffixFor(policy.algorithm());
    this.argsTemplate = argsFor(policy, REDIS_TIME, 1);
    this.prefixBytes = Keys.isLatin1(prefix) ? prefix.getBytes(StandardCharsets.ISO_8859_1) : null;
    this.suffixBytes = suffix.getBytes(StandardCharsets.ISO_8859_1);
    final Limits l = limits;
    this.toDecision = reply -> decode(reply, l, false);
    this.toStats = reply -> decodeStats(reply, l);
    this.batchScript = Objects.requireNonNull(BATCH_SCRIPTS.get(policy.algorithm()));
    this.coalescing = coalescing;
    this.batchPermitBudget =
        policy.algorithm() == Algorithm.SLIDING_WINDOW_LOG ? RateLimiter.MAX_LOG_PERMITS : Long.MAX_VALUE;
    this.sender = new LaneSender();
    this.lane = coalescing
        ? new Coalescer(sender, batchPermitBudget, MAX_IN_FLIGHT, connection.completesOnIoThread())
        : null;
    this.slotLanes = new AtomicReferenceArray<>(coalescing ? SlotHash.SLOT_COUNT : 0);
    if (coalescing) {
      // Both scripts are loaded before the first decision: a call answered NOSCRIPT is sent again later,
      // behind the calls sent meanwhile, so a first batch on an empty script cache could be overtaken by
      // a later decision. (Redis loses its script cache only with its data: a restart or a failover.)
      connection.load(script);
      connection.load(batchScript);
    }
  }

  /** The calls of the lanes: the single script, or the batched one. */
  private final class LaneSender implements Coalescer.Sender {
    @Override
    public CompletionStage<List<Object>> single(String stateKey, String now, long permits) {
      return connection.eval(script, ScriptOutputType.MULTI, new String[] {stateKey}, args(now, permits));
    }

    @Override
    public CompletionStage<List<Object>> batch(Coalescer.Pending[] batch) {
      int m = batch.length;
      String[] keys = new String[m];
      // compact when every decision is on Redis's clock and asks for one permit (the usual case): then no
      // argument per decision, only its key
      boolean compact = true;
      for (int j = 0; j < m; j++) {
        keys[j] = batch[j].stateKey;
        compact &= batch[j].permits == 1 && REDIS_TIME.equals(batch[j].now);
      }
      int base = argsTemplate.length;
      String[] args = new String[compact ? base : base + 2 * m];
      System.arraycopy(argsTemplate, 0, args, 0, base);
      args[0] = compact ? "1" : REDIS_TIME;
      args[1] = Integer.toString(m);
      if (!compact) {
        for (int j = 0; j < m; j++) {
          args[base + 2 * j] = batch[j].now;
          args[base + 2 * j + 1] = Long.toString(batch[j].permits);
        }
      }
      return connection.eval(batchScript, ScriptOutputType.MULTI, keys, args);
    }

    @Override
    public int replySize() {
      return 2 + 4 * limits.size;
    }
  }

  /** The lane of a state key: the connection's, or on a Cluster its slot's (made on first use). */
  private Coalescer laneOf(String stateKey) {
    Coalescer l = lane;
    if (!connection.isCluster()) {
      return Objects.requireNonNull(l);
    }
    int slot = SlotHash.getSlot(stateKey);
    Coalescer c = slotLanes.get(slot);
    if (c == null) {
      Coalescer made = new Coalescer(sender, batchPermitBudget, ONE_IN_FLIGHT, false);
      c = slotLanes.compareAndSet(slot, null, made) ? made : slotLanes.get(slot);
    }
    return c;
  }

  /**
   * Returns the script of an algorithm. Its header comment documents KEYS, ARGV and the reply.
   *
   * @param algorithm the algorithm
   * @return the script, with its SHA-1 for EVALSHA
   */
  public static LuaScript scriptFor(Algorithm algorithm) {
    return Objects.requireNonNull(SCRIPTS.get(algorithm));
  }

  /**
   * Returns the suffix of an algorithm's state key.
   *
   * @param algorithm the algorithm
   * @return {@code ":swl"}, {@code ":swc"}, {@code ":fw"} or {@code ":tb"}
   */
  public static String suffixFor(Algorithm algorithm) {
    return switch (algorithm) {
      case SLIDING_WINDOW_LOG -> ":swl";
      case SLIDING_WINDOW_COUNTER -> ":swc";
      case FIXED_WINDOW -> ":fw";
      case TOKEN_BUCKET -> ":tb";
    };
  }

  /**
   * Returns the KEYS of a call: the one state key of a client.
   *
   * @param prefix the key prefix
   * @param key the client key (checked by the caller)
   * @param algorithm the algorithm
   * @return {@code [prefix + "{" + base64url(key) + "}" + suffix]}
   */
  public static String[] keysFor(String prefix, String key, Algorithm algorithm) {
    return new String[] {prefix + '{' + Keys.hashtag(key) + '}' + suffixFor(algorithm)};
  }

  /**
   * Returns the ARGV of a call.
   *
   * @param policy the policy
   * @param now the time in microseconds as decimal text, or {@link #REDIS_TIME} for Redis's clock
   * @param permits the permits requested; 0 for statistics (nothing written)
   * @return {@code [now, permits, count1, window1Micros, count2, window2Micros, ...]}, limits by window
   */
  public static String[] argsFor(RateLimitPolicy policy, String now, long permits) {
    List<RateLimitPolicy.Limit> ls = policy.limits();
    String[] args = new String[2 + 2 * ls.size()];
    args[0] = now;
    args[1] = Long.toString(permits);
    for (int i = 0; i < ls.size(); i++) {
      args[2 + 2 * i] = Long.toString(ls.get(i).count());
      args[3 + 2 * i] = Long.toString(ls.get(i).windowMicros());
    }
    return args;
  }

  /**
   * Turns a script's reply into a decision.
   *
   * @param reply the reply: {@code [allowed, now, (used, remaining, resetAfter, retryAfter) per limit]}
   * @param policy the policy of the call
   * @param degraded whether to mark the decision degraded
   * @return the decision
   */
  public static Decision decode(List<?> reply, RateLimitPolicy policy, boolean degraded) {
    return decode(reply, new Limits(policy), degraded);
  }

  /*
   * Straight from the reply to the Decision, with the rule of Limits.decide (allowed: the fewest remaining,
   * denied: the longest retry-after, the first on a tie) applied while reading: no arrays. The values come
   * from the network, so they go through the checking factory: a malformed reply fails the call (and the
   * guard answers from the fallback) instead of making an invalid Decision.
   */
  static Decision decode(List<?> reply, Limits limits, boolean degraded) {
    int size = limits.size;
    if (reply.size() != 2 + 4 * size) {
      throw new IllegalStateException("unexpected script reply of " + reply.size() + " elements");
    }
    boolean ok = ((Long) reply.get(0)) == 1L;
    int chosen = 0;
    long remaining = (Long) reply.get(3);
    long reset = (Long) reply.get(4);
    long retry = (Long) reply.get(5);
    for (int i = 1; i < size; i++) {
      long rem = (Long) reply.get(3 + 4 * i);
      long ret = (Long) reply.get(5 + 4 * i);
      if (ok ? rem < remaining : ret > retry) {
        chosen = i;
        remaining = rem;
        reset = (Long) reply.get(4 + 4 * i);
        retry = ret;
      }
    }
    return Decision.ofMicros(
        ok, limits.counts[chosen], remaining, ok ? 0 : retry, reset, limits.windows[chosen], degraded);
  }

  static ClientStats decodeStats(List<?> reply, Limits limits) {
    int size = limits.size;
    if (reply.size() != 2 + 4 * size) {
      throw new IllegalStateException("unexpected script reply of " + reply.size() + " elements");
    }
    long[] used = new long[size];
    long[] remaining = new long[size];
    long[] reset = new long[size];
    for (int i = 0; i < size; i++) {
      used[i] = (Long) reply.get(2 + 4 * i);
      remaining[i] = (Long) reply.get(3 + 4 * i);
      reset[i] = (Long) reply.get(4 + 4 * i);
    }
    return limits.stats(used, remaining, reset, false);
  }

  /**
   * Checks a client key (as {@link Keys#checkKey} does, with the same errors) and builds its state key,
   * {@code prefix + "{" + hashtag(key) + "}" + suffix}, in one pass.
   *
   * @param key the client key, not yet checked
   * @return the state key
   * @throws IllegalArgumentException if the key is not valid
   */
  public String checkedStateKey(@Nullable String key) {
    byte[] p = prefixBytes;
    if (p != null) {
      return Keys.stateKey(p, key, suffixBytes);
    }
    return stateKey(Keys.checkKey(key));
  }

  private String stateKey(String key) {
    return prefix + '{' + Keys.hashtag(key) + '}' + suffix;
  }

  private static final String[] SMALL = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

  /** ARGV[1] of a call made now: the client's time, or '' for Redis's. */
  private String now() {
    return clock == ClockSource.CLIENT ? Long.toString(time.currentTimeMicros()) : REDIS_TIME;
  }

  private String[] args(long permits) {
    return args(now(), permits);
  }

  private String[] args(String now, long permits) {
    String[] args = argsTemplate.clone();
    args[0] = now;
    if (permits != 1) {
      args[1] = permits >= 0 && permits < SMALL.length ? SMALL[(int) permits] : Long.toString(permits);
    }
    return args;
  }

  /**
   * Decides one request with one EVALSHA.
   *
   * @param key a checked client key
   * @param permits a checked number of permits
   * @return the decision, or a failed stage if Redis fails
   */
  public CompletionStage<Decision> acquire(String key, long permits) {
    return acquireByStateKey(stateKey(key), permits);
  }

  /**
   * Decides one request with one EVALSHA, given the state key made by {@link #checkedStateKey}.
   *
   * @param stateKey the client's state key
   * @param permits a checked number of permits
   * @return the decision, or a failed stage if Redis fails
   */
  public CompletionStage<Decision> acquireByStateKey(String stateKey, long permits) {
    return evalAcquire(stateKey, permits).thenApply(toDecision);
  }

  /**
   * Sends the one EVALSHA of a decision and returns Redis's raw reply; {@link #decodeDecision} turns it
   * into the decision. Lets the guard decode in its own completion step (one dependent stage per call).
   *
   * @param stateKey the client's state key, made by {@link #checkedStateKey}
   * @param permits a checked number of permits
   * @return the raw reply, or a failed stage if Redis fails
   */
  public CompletionStage<List<Object>> evalAcquire(String stateKey, long permits) {
    if (coalescing) {
      return laneOf(stateKey).submit(stateKey, now(), permits);
    }
    return connection.eval(script, ScriptOutputType.MULTI, new String[] {stateKey}, args(permits));
  }

  /**
   * Sends the one EVALSHA of a decision and waits for Redis's raw reply on the calling thread: on a
   * blocking connection of the pool ({@link RedisConnection#blocking()}) when there is one free, else
   * through the shared connection (coalesced with the others), waiting at most {@code waitNanos}.
   *
   * @param stateKey the client's state key, made by {@link #checkedStateKey}
   * @param permits a checked number of permits
   * @param waitNanos the longest wait on the shared connection
   * @return the raw reply
   * @throws Exception if Redis fails or does not answer in time (an ExecutionException or a
   *     TimeoutException from the shared connection, a Lettuce exception from a blocking one)
   */
  public List<Object> evalAcquireBlocking(String stateKey, long permits, long waitNanos) throws Exception {
    BlockingRedis direct = connection.blocking();
    if (direct != null) {
      List<Object> reply = direct.eval(script, new String[] {stateKey}, args(permits));
      if (reply != null) {
        return reply;
      }
    }
    return evalAcquire(stateKey, permits).toCompletableFuture().get(waitNanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Decodes the reply of {@link #evalAcquire}.
   *
   * @param reply the script's reply
   * @return the decision
   * @throws RuntimeException if the reply is malformed
   */
  public Decision decodeDecision(List<Object> reply) {
    return toDecision.apply(reply);
  }

  /**
   * Reads the statistics of a key with one EVALSHA (the script with 0 permits writes nothing).
   *
   * @param key a checked client key
   * @return the statistics, or a failed stage if Redis fails
   */
  public CompletionStage<ClientStats> stats(String key) {
    CompletionStage<List<Object>> reply =
        connection.eval(script, ScriptOutputType.MULTI, new String[] {stateKey(key)}, args(0));
    return reply.thenApply(toStats);
  }

  /**
   * Deletes a key's state with one DEL.
   *
   * @param key a checked client key
   * @return the number of keys deleted, or a failed stage if Redis fails
   */
  public CompletionStage<Long> reset(String key) {
    try {
      return connection.commands().del(stateKey(key));
    } catch (RuntimeException e) {
      return java.util.concurrent.CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Returns the policy.
   *
   * @return the policy
   */
  public RateLimitPolicy policy() {
    return policy;
  }

  /**
   * Returns the connection.
   *
   * @return the connection
   */
  public RedisConnection connection() {
    return connection;
  }
}
