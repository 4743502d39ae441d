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
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/*
 * The Redis side, unguarded. Coalescing (the default): a decision that finds its lane idle is one EVALSHA
 * of the single script; those that arrive while a call is in flight go together in the next call, one
 * EVALSHA of the batched script (see Coalescer and batch_head.lua). A lane is the connection; on a
 * Cluster a Redis 7 master (NodeLanes: across slots), else a slot; a limiter and its plans' limiters share
 * theirs, and a call of several one-limit policies is one EVALSHA of the mixed script (see Lanes and
 * mixed_head.lua). Without coalescing: one EVALSHA per decision (RedisConnection.eval re-sends with EVAL
 * only on NOSCRIPT), whatever the number of limits; no WATCH/MULTI, no compare-and-swap. stats() runs the same
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
  private static final Map<Algorithm, LuaScript> MIXED_SCRIPTS = new EnumMap<>(Algorithm.class);

  static {
    for (Algorithm a : Algorithm.values()) {
      String body = a.name().toLowerCase(java.util.Locale.ROOT) + ".lua";
      SCRIPTS.put(a, script(body));
      BATCH_SCRIPTS.put(a, batchScript(body));
      MIXED_SCRIPTS.put(a, mixedScript(body));
      NodeLanes.twin(BATCH_SCRIPTS.get(a), "batch_tail.lua"); // their Cluster twins, sent on a node's
      NodeLanes.twin(MIXED_SCRIPTS.get(a), "mixed_tail.lua"); // connection (NodeLanes)
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
    return severalScript("batched ", "batch_head.lua", body, "batch_tail.lua");
  }

  /**
   * An algorithm's mixed script: decisions of several one-limit policies (a limiter and its plans'
   * limiters share their lanes), each with its own limit, the values the body derives from a limit
   * derived once by {@link #planArgs}.
   */
  private static LuaScript mixedScript(String body) {
    return severalScript("mixed ", "mixed_head.lua", body, "mixed_tail.lua");
  }

  /** A script of several decisions: the helpers, its head, the clock of several, the body, its tail. */
  private static LuaScript severalScript(String kind, String head, String body, String tail) {
    return LuaScript.fromResources(
        RedisRateLimiter.class, kind + body, "helpers.lua", head, "clock.lua", body, tail);
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
  private final LuaScript mixedScript;
  /** The values of this policy in a mixed call (one limit), or null (several: never in a mixed call). */
  private final String @Nullable [] planArgs;
  private final int replySize;
  private final boolean coalescing;
  /** The lanes this limiter shares with its plans' limiters (on the same connection). */
  private final Lanes.Group group;
  private final long batchPermitBudget;
  private final @Nullable Lanes lanes;

  /**
   * Creates the Redis limiter, beside another limiter on the same connection if it is a plan's: if both
   * coalesce, their decisions share lanes (those of one-limit policies of one algorithm go together in
   * one call, see {@link Lanes}).
   *
   * @param connection the connection (not closed by this object)
   * @param policy the policy
   * @param prefix the key prefix (no braces)
   * @param clock whose clock places requests in time
   * @param time the client clock, used with {@link ClockSource#CLIENT}
   * @param coalescing whether decisions that arrive while a call is in flight go together in the next
   *     one (per connection; per master or per slot on a Cluster)
   * @param beside the limiter whose lanes to share, or null
   */
  public RedisRateLimiter(
      RedisConnection connection,
      RateLimitPolicy policy,
      String prefix,
      ClockSource clock,
      TimeSource time,
      boolean coalescing,
      @Nullable RedisRateLimiter beside) {
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
    this.mixedScript = Objects.requireNonNull(MIXED_SCRIPTS.get(policy.algorithm()));
    this.planArgs = limits.size == 1 ? planArgs(policy.algorithm(), policy.limits().get(0)) : null;
    this.replySize = 2 + 4 * limits.size;
    this.group =
        beside != null && beside.coalescing && beside.connection == connection
            ? beside.group
            : new Lanes.Group(connection);
    if (!coalescing) {
      this.lanes = null;
    } else if (planArgs != null) {
      this.lanes = group.of(policy.algorithm(), SENDER, ON_NODE, batchPermitBudget);
    } else {
      this.lanes = new Lanes(connection, SENDER, ON_NODE, batchPermitBudget);
    }
    if (coalescing) {
      connection.load(mixedScript);
      // Both scripts are loaded before the first decision: a call answered NOSCRIPT is sent again later,
      // behind the calls sent meanwhile, so a first batch on an empty script cache could be overtaken by
      // a later decision. (Redis loses its script cache only with its data: a restart or a failover.)
      connection.load(script);
      connection.load(batchScript);
    }
  }

  /*
   * The calls of the lanes: the single script, the batched one (the decisions of one policy), or the mixed
   * one (of several one-limit policies of the algorithm: each policy's values once, then each decision's
   * key and the number of its policy). One sender for every lane (a decision's owner is its limiter), and
   * one for each master's lane on a Redis 7 Cluster, its calls on that node's connection (NodeLanes).
   */
  private static final Coalescer.Sender SENDER = new LaneSender(null);
  private static final Function<NodeLanes.NodeEval, Coalescer.Sender> ON_NODE = LaneSender::new;

  private static final class LaneSender implements Coalescer.Sender {
    private final NodeLanes.@Nullable NodeEval node;

    LaneSender(NodeLanes.@Nullable NodeEval node) {
      this.node = node;
    }

    @Override
    public CompletionStage<List<Object>> single(Object owner, String stateKey, String now, long permits) {
      RedisRateLimiter r = (RedisRateLimiter) owner;
      return r.eval(node, r.script, new String[] {stateKey}, r.args(now, permits));
    }

    @Override
    public CompletionStage<List<Object>> batch(Coalescer.Pending[] batch) {
      Object first = batch[0].owner;
      for (Coalescer.Pending p : batch) {
        if (p.owner != first) {
          return mixed(batch, node);
        }
      }
      return ((RedisRateLimiter) first).batch(batch, node);
    }
  }

  /** A call of the lanes: through the connection's routing, or on a Cluster node's own connection. */
  private CompletionStage<List<Object>> eval(
      NodeLanes.@Nullable NodeEval node, LuaScript s, String[] keys, String[] args) {
    return node == null ? connection.eval(s, ScriptOutputType.MULTI, keys, args) : node.eval(s, keys, args);
  }

  /** The decisions of this limiter's policy: the batched script, compact when it can be. */
  private CompletionStage<List<Object>> batch(Coalescer.Pending[] batch, NodeLanes.@Nullable NodeEval node) {
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
    return eval(node, batchScript, keys, args);
  }

  /** P, the number of policies in a mixed call, as text. */
  private static final String[] POLICY_COUNTS = new String[Coalescer.MAX_BATCH + 1];

  static {
    for (int i = 0; i < POLICY_COUNTS.length; i++) {
      POLICY_COUNTS[i] = Integer.toString(i);
    }
  }

  /**
   * Decisions of several one-limit policies of one algorithm: the mixed script, each decision's policy one
   * character of one argument. The decisions of each policy go together (the script sets a policy up once
   * per run of its decisions), in arrival order within each, unless one state key has decisions under two
   * policies (its plan changed while they were on their way): then all go in arrival order. The batch is
   * reordered in place, so the reply follows it.
   */
  private static CompletionStage<List<Object>> mixed(
      Coalescer.Pending[] batch, NodeLanes.@Nullable NodeEval node) {
    int m = batch.length;
    RedisRateLimiter[] policies = new RedisRateLimiter[m];
    int[] number = new int[m];
    int count = 0;
    int values = 0;
    boolean compact = true;
    for (int j = 0; j < m; j++) {
      RedisRateLimiter r = (RedisRateLimiter) batch[j].owner;
      int i = 0;
      while (i < count && policies[i] != r) {
        i++;
      }
      if (i == count) {
        policies[count++] = r;
        values += Objects.requireNonNull(r.planArgs).length;
      }
      number[j] = i + 1;
      compact &= batch[j].permits == 1 && REDIS_TIME.equals(batch[j].now);
    }
    if (oneKeyOnePolicy(batch, number)) {
      groupByPolicy(batch, number, count);
    }
    char[] numbers = new char[m];
    String[] keys = new String[m];
    for (int j = 0; j < m; j++) {
      numbers[j] = (char) ('0' + number[j]);
      keys[j] = batch[j].stateKey;
    }
    String[] args = new String[3 + values + (compact ? 0 : 2 * m)];
    args[0] = compact ? "1" : REDIS_TIME;
    args[1] = POLICY_COUNTS[count];
    args[2] = new String(numbers);
    int at = 3;
    for (int i = 0; i < count; i++) {
      String[] v = Objects.requireNonNull(policies[i].planArgs);
      System.arraycopy(v, 0, args, at, v.length);
      at += v.length;
    }
    if (!compact) {
      for (int j = 0; j < m; j++) {
        args[at++] = batch[j].now;
        args[at++] = Long.toString(batch[j].permits);
      }
    }
    RedisRateLimiter any = policies[0];
    return any.eval(node, any.mixedScript, keys, args);
  }

  /**
   * Whether no state key of a batch has decisions under two policies (conservatively: two keys of one
   * hash code under two policies count as one key).
   */
  private static boolean oneKeyOnePolicy(Coalescer.Pending[] batch, int[] number) {
    int size = Integer.highestOneBit(batch.length) * 4; // open addressing, at most half full
    int[] hashes = new int[size];
    int[] policyOf = new int[size]; // 0: empty
    for (int j = 0; j < batch.length; j++) {
      int h = batch[j].stateKey.hashCode();
      int at = (h ^ (h >>> 16)) & (size - 1);
      while (policyOf[at] != 0 && hashes[at] != h) {
        at = (at + 1) & (size - 1);
      }
      if (policyOf[at] == 0) {
        hashes[at] = h;
        policyOf[at] = number[j];
      } else if (policyOf[at] != number[j]) {
        return false;
      }
    }
    return true;
  }

  /** Sorts a batch by policy number, stably (a counting sort), with its numbers. */
  private static void groupByPolicy(Coalescer.Pending[] batch, int[] number, int count) {
    int[] start = new int[count + 2];
    for (int n : number) {
      start[n + 1]++;
    }
    for (int i = 1; i < start.length; i++) {
      start[i] += start[i - 1];
    }
    Coalescer.Pending[] sorted = new Coalescer.Pending[batch.length];
    int[] numbers = new int[batch.length];
    for (int j = 0; j < batch.length; j++) {
      int to = start[number[j]]++;
      sorted[to] = batch[j];
      numbers[to] = number[j];
    }
    System.arraycopy(sorted, 0, batch, 0, batch.length);
    System.arraycopy(numbers, 0, number, 0, number.length);
  }

  /**
   * The values of a one-limit policy in a mixed call, in the order its algorithm's plan(at) reads them:
   * what the single script derives from the limit (count C, window W in microseconds), derived here once
   * per policy (the same integer arithmetic) so that a mixed call spends nothing per policy but reading
   * them. Token bucket: C, T = ceil(W / C), the field 't:W:C', the expiry ceil(C * T / 1000) ms.
   * Fixed window: C, W, 's:W', 'c:W', ceil(W / 1000). Sliding window counter: C, W, 's:W', 'c:W', 'p:W',
   * ceil(2W / 1000). Sliding window log: C, W, ceil(W / 1000).
   */
  static String[] planArgs(Algorithm algorithm, RateLimitPolicy.Limit limit) {
    long c = limit.count();
    long w = limit.windowMicros();
    String cs = Long.toString(c);
    String ws = Long.toString(w);
    return switch (algorithm) {
      case TOKEN_BUCKET -> {
        long t = (w + c - 1) / c;
        long b = c * t;
        yield new String[] {cs, Long.toString(t), "t:" + ws + ':' + cs, Long.toString((b + 999) / 1000)};
      }
      case FIXED_WINDOW -> new String[] {cs, ws, "s:" + ws, "c:" + ws, Long.toString((w + 999) / 1000)};
      case SLIDING_WINDOW_COUNTER ->
          new String[] {cs, ws, "s:" + ws, "c:" + ws, "p:" + ws, Long.toString((2 * w + 999) / 1000)};
      case SLIDING_WINDOW_LOG -> new String[] {cs, ws, Long.toString((w + 999) / 1000)};
    };
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
      return Objects.requireNonNull(lanes).of(stateKey).submit(this, replySize, stateKey, now(), permits);
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
