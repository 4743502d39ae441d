package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.internal.LuaScript;
import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.ratelimit.LimitPlans;
import io.github.switchboard.ratelimit.PlanWriteException;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.UnknownPlanException;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Plans on Redis. Keys (one hash tag: one slot on a Cluster):
 *   {prefix}{<name>}:plans   hash plan -> PolicyCodec text
 *   {prefix}{<name>}:keys    hash client key -> plan
 *   {prefix}{<name>}:rev     the revision, INCR by every change
 *   channel {prefix}{<name>}:events   "<rev>|p|<plan>|<policy>", "<rev>|r|<plan>", "<rev>|a|<plan>|<key>",
 *                                     "<rev>|u|<key>"
 * Each write is one script that changes, INCRs the revision and publishes the change with it. A write's
 * reply and every message are applied to the book in revision order; a gap (a lost message) makes the
 * instance read everything again (plans_read.lua). The subscription re-reads when it is (re)made, and the
 * revision is compared every reconcileInterval, so a missed change is healed within that interval plus one
 * read. Decisions never reach Redis for plans: they read the book.
 */
/** {@link LimitPlans} on Redis. */
public final class PlansOnRedis extends AbstractLimitPlans {
  private static final Logger LOG = LoggerFactory.getLogger(PlansOnRedis.class);
  private static final LuaScript PUT = LuaScript.fromResource(PlansOnRedis.class, "plan_put.lua");
  private static final LuaScript REMOVE = LuaScript.fromResource(PlansOnRedis.class, "plan_remove.lua");
  private static final LuaScript ASSIGN = LuaScript.fromResource(PlansOnRedis.class, "plan_assign.lua");
  private static final LuaScript UNASSIGN = LuaScript.fromResource(PlansOnRedis.class, "plan_unassign.lua");
  private static final LuaScript READ = LuaScript.fromResource(PlansOnRedis.class, "plans_read.lua");
  private static final int MAX_MESSAGE_LENGTH = 4096;

  private final RedisConnection redis;
  private final String plansKey;
  private final String keysKey;
  private final String revKey;
  private final String channel;
  private final ScheduledExecutorService scheduler;
  private final AtomicBoolean reading = new AtomicBoolean();
  private final AtomicLong badValuesWarned = new AtomicLong(Long.MIN_VALUE);
  private volatile @Nullable StatefulRedisPubSubConnection<String, String> pubsub;
  private volatile boolean everSubscribed;
  private volatile boolean subscribeFailing; // a SUBSCRIBE failed and none succeeded since
  private boolean subscribing; // guarded by this: a connection is being made
  private volatile boolean readOk;
  private volatile boolean closed;

  private PlansOnRedis(String name, String prefix, RedisConnection redis) {
    super(name);
    this.redis = redis;
    String base = prefix + "{" + name + "}:";
    this.plansKey = base + "plans";
    this.keysKey = base + "keys";
    this.revKey = base + "rev";
    this.channel = base + "events";
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "switchboard-plans-" + name);
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Starts the plans: reads them (waiting at most the connect timeout), subscribes, and checks the
   * revision every interval.
   *
   * @param name the plans' name
   * @param prefix the key prefix
   * @param redis the connection (closed by {@link #close()} if it opened it)
   * @param reconcileInterval how often the revision is compared
   * @return the plans
   */
  public static PlansOnRedis start(String name, String prefix, RedisConnection redis, Duration reconcileInterval) {
    PlansOnRedis p = new PlansOnRedis(name, prefix, redis);
    try {
      p.read().toCompletableFuture().get(redis.options().connectTimeout().toMillis() + 500, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("plans '{}': could not read the plans from Redis yet ({}); reading them when it answers",
          name, RedisConnection.unwrap(e).toString());
    }
    if (redis.supportsPubSub()) {
      p.subscribe();
    }
    long every = reconcileInterval.toMillis();
    // reconcile() catches its failures, so the repetition never stops before close() shuts the scheduler
    var unused = p.scheduler.scheduleWithFixedDelay(p::reconcile, every, every, TimeUnit.MILLISECONDS);
    LOG.info("plans '{}' on {}: {} plans, {} assignments, revision {}", name, redis, p.book.planCount(),
        p.book.assignments(), p.book.revision());
    return p;
  }

  // -------------------------------------------------------------------------------------------- writes

  @Override
  public void putPlan(String plan, RateLimitPolicy policy) {
    await(putPlanAsync(plan, policy));
  }

  @Override
  public CompletionStage<Void> putPlanAsync(String plan, RateLimitPolicy policy) {
    PlanChecks.plan(book, plan, policy);
    return write("put plan " + plan, PUT, new String[] {plansKey, revKey},
        new PlanBook.SetPlan(plan, policy), plan, PolicyCodec.encode(policy), Integer.toString(MAX_PLANS), channel);
  }

  @Override
  public void removePlan(String plan) {
    await(removePlanAsync(plan));
  }

  @Override
  public CompletionStage<Void> removePlanAsync(String plan) {
    PlanBook.checkName(plan, "plan");
    return write("remove plan " + plan, REMOVE, new String[] {plansKey, keysKey, revKey},
        new PlanBook.SetPlan(plan, null), plan, channel);
  }

  @Override
  public void assign(String key, String plan) {
    await(assignAsync(key, plan));
  }

  @Override
  public CompletionStage<Void> assignAsync(String key, String plan) {
    PlanChecks.assignment(book, key, plan);
    return write("assign a key to plan " + plan, ASSIGN, new String[] {plansKey, keysKey, revKey},
        new PlanBook.SetAssignment(key, plan), key, plan, Integer.toString(MAX_ASSIGNMENTS), channel);
  }

  @Override
  public void unassign(String key) {
    await(unassignAsync(key));
  }

  @Override
  public CompletionStage<Void> unassignAsync(String key) {
    Keys.checkKey(key);
    return write("unassign a key", UNASSIGN, new String[] {keysKey, revKey}, new PlanBook.SetAssignment(key, null), key, channel);
  }

  private CompletionStage<Void> write(String what, LuaScript script, String[] keys, PlanBook.PlanChange change, String... args) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("the plans are closed"));
    }
    CompletionStage<Long> reply;
    try {
      reply = redis.eval(script, ScriptOutputType.INTEGER, keys, args);
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    return reply.handle((rev, error) -> {
      if (error != null) {
        throw new PlanWriteException("plans '" + name + "': Redis did not take the write (" + what + "): "
            + RedisConnection.unwrap(error), RedisConnection.unwrap(error));
      }
      if (rev == -1) {
        throw new UnknownPlanException(Objects.requireNonNull(((PlanBook.SetAssignment) change).plan()));
      }
      if (rev == -2) {
        throw new IllegalArgumentException(change instanceof PlanBook.SetPlan
            ? "plans must be at most " + MAX_PLANS + "; remove one first"
            : "assignments must be at most " + MAX_ASSIGNMENTS + "; unassign keys first");
      }
      return rev;
    }).thenCompose(rev -> {
      // apply() answers under the book's monitor: a change that another thread (the subscription) is
      // applying counts as applied only once its listeners have run, so the write returns after the
      // limiter follows it (reading the revision alone let it return in between)
      if (book.apply(rev, change)) {
        return CompletableFuture.<Void>completedFuture(null);
      }
      return read(); // a change of another instance came in between: read everything (read your writes)
    });
  }

  private void await(CompletionStage<Void> stage) {
    long wait = redis.options().commandTimeout().toMillis() * 4 + 1000;
    try {
      stage.toCompletableFuture().get(wait, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PlanWriteException("plans '" + name + "': interrupted while writing", e);
    } catch (ExecutionException e) {
      Throwable c = RedisConnection.unwrap(e);
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw new PlanWriteException("plans '" + name + "': " + c, c);
    } catch (TimeoutException e) {
      throw new PlanWriteException("plans '" + name + "': Redis did not answer a write within " + wait + " ms", e);
    }
  }

  // ------------------------------------------------------------------------------------- reads, changes

  /** Reads every plan and assignment and replaces the book with them. */
  CompletionStage<Void> read() {
    long askedAt = book.revision(); // before the read is sent: a change applied after it makes it stale
    CompletionStage<List<Object>> reply;
    try {
      reply = redis.eval(READ, ScriptOutputType.MULTI, new String[] {plansKey, keysKey, revKey});
    } catch (RuntimeException e) {
      readOk = false;
      return CompletableFuture.failedFuture(e);
    }
    return reply.thenCompose(r -> replaceWith(r, askedAt) ? CompletableFuture.<Void>completedFuture(null) : read())
        .whenComplete((v, e) -> readOk = e == null);
  }

  @SuppressWarnings("unchecked")
  private boolean replaceWith(List<Object> reply, long askedAt) {
    long rev = (Long) reply.get(0);
    List<Object> flatPlans = (List<Object>) reply.get(1);
    List<Object> flatKeys = (List<Object>) reply.get(2);
    Map<String, RateLimitPolicy> plans = new HashMap<>();
    int bad = 0;
    for (int i = 0; i + 1 < flatPlans.size(); i += 2) {
      String plan = String.valueOf(flatPlans.get(i));
      try {
        plans.put(PlanBook.checkName(plan, "plan"), PolicyCodec.decode(String.valueOf(flatPlans.get(i + 1))));
      } catch (RuntimeException e) {
        bad++;
      }
    }
    Map<String, String> keys = new HashMap<>();
    for (int i = 0; i + 1 < flatKeys.size(); i += 2) {
      String plan = String.valueOf(flatKeys.get(i + 1));
      if (plans.containsKey(plan)) {
        keys.put(String.valueOf(flatKeys.get(i)), plan);
      }
    }
    if (bad > 0) {
      warnBadValues(bad);
    }
    return book.replace(rev, askedAt, plans, keys);
  }

  private void warnBadValues(int bad) {
    long now = System.nanoTime();
    long next = badValuesWarned.get();
    if ((next == Long.MIN_VALUE || now - next >= 0) && badValuesWarned.compareAndSet(next, now + TimeUnit.MINUTES.toNanos(1))) {
      LOG.warn("plans '{}': {} plan(s) in {} cannot be read and are ignored (their keys get the default policy)",
          name, bad, plansKey);
    }
  }

  private void requestRead() {
    if (closed || !reading.compareAndSet(false, true)) {
      return;
    }
    try {
      scheduler.execute(() -> read().whenComplete((v, e) -> reading.set(false)));
    } catch (RejectedExecutionException e) {
      reading.set(false);
    }
  }

  private void reconcile() {
    if (closed) {
      return;
    }
    try {
      redis.commands().get(revKey).whenComplete((rev, error) -> {
        if (error != null) {
          readOk = false;
          return;
        }
        long theirs = rev == null ? 0 : parseLong(rev);
        if (theirs != book.revision() || !readOk) {
          requestRead();
        }
      });
    } catch (RuntimeException e) {
      readOk = false;
    }
    if (redis.supportsPubSub() && pubsub == null) {
      subscribe();
    }
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  void onMessage(String message) {
    if (message.length() > MAX_MESSAGE_LENGTH + 2048) {
      requestRead();
      return;
    }
    int bar = message.indexOf('|');
    long rev = bar > 0 ? parseLong(message.substring(0, bar)) : -1;
    PlanBook.PlanChange change = null;
    try {
      change = parseChange(message.substring(bar + 1));
    } catch (RuntimeException e) {
      change = null;
    }
    if (rev < 0 || change == null || !book.apply(rev, change)) {
      requestRead();
    }
  }

  private static PlanBook.@Nullable PlanChange parseChange(String body) {
    if (body.length() < 2 || body.charAt(1) != '|') {
      return null;
    }
    String rest = body.substring(2);
    switch (body.charAt(0)) {
      case 'p' -> {
        int bar = rest.indexOf('|');
        return new PlanBook.SetPlan(PlanBook.checkName(rest.substring(0, bar), "plan"), PolicyCodec.decode(rest.substring(bar + 1)));
      }
      case 'r' -> {
        return new PlanBook.SetPlan(PlanBook.checkName(rest, "plan"), null);
      }
      case 'a' -> {
        int bar = rest.indexOf('|');
        return new PlanBook.SetAssignment(rest.substring(bar + 1), PlanBook.checkName(rest.substring(0, bar), "plan"));
      }
      case 'u' -> {
        return new PlanBook.SetAssignment(rest, null);
      }
      default -> {
        return null;
      }
    }
  }

  private synchronized void subscribe() {
    if (closed || pubsub != null || subscribing) {
      return;
    }
    subscribing = true;
    CompletionStage<StatefulRedisPubSubConnection<String, String>> attempt;
    try {
      attempt = redis.connectPubSub();
    } catch (RuntimeException e) {
      subscribing = false;
      return; // the reconcile tries again
    }
    attempt.whenComplete((ps, error) -> {
      synchronized (this) {
        subscribing = false;
      }
      if (error != null) {
        return;
      }
      if (closed) {
        var unused = ps.closeAsync(); // made after close(): nobody waits for it
        return;
      }
      ps.addListener(new RedisPubSubAdapter<String, String>() {
        @Override
        public void message(String ch, String message) {
          if (channel.equals(ch)) {
            onMessage(message);
          }
        }

        @Override
        public void subscribed(String ch, long count) {
          if (channel.equals(ch)) {
            if (everSubscribed) {
              LOG.info("plans '{}': subscription back; reading the plans again", name);
            }
            everSubscribed = true;
            subscribeFailing = false;
            requestRead(); // what was published while unsubscribed is lost
          }
        }
      });
      ps.addListener(new RedisConnectionStateListener() {
        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> c) {
          if (!closed) {
            LOG.info("plans '{}': subscription lost; the last known plans apply", name);
          }
        }

        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {}
      });
      pubsub = ps;
      ps.async().subscribe(channel).whenComplete((v, e) -> {
        // without this a failed SUBSCRIBE left pubsub set: no retry, no message, only the reconcile's polling
        if (e != null && !closed) {
          String why = RedisConnection.unwrap(e).toString();
          if (subscribeFailing) { // once at INFO until one succeeds: a denied channel fails every second
            LOG.debug("plans '{}': SUBSCRIBE failed again ({})", name, why);
          } else {
            subscribeFailing = true;
            LOG.info("plans '{}': SUBSCRIBE failed ({}); the reconcile subscribes again", name, why);
          }
          synchronized (this) {
            if (pubsub == ps) {
              pubsub = null;
            }
          }
          var unused = ps.closeAsync(); // discarded; its SUBSCRIBE error is the one handled
        }
      });
    });
  }

  // ---------------------------------------------------------------------------------------- the rest

  @Override
  public BackendState backendState() {
    return readOk && redis.isConnected() ? BackendState.PRIMARY : BackendState.FALLBACK;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    scheduler.shutdownNow();
    StatefulRedisPubSubConnection<String, String> ps = pubsub;
    pubsub = null;
    if (ps != null) {
      try {
        ps.close();
      } catch (RuntimeException e) {
        LOG.debug("plans '{}': closing the subscription failed", name, e);
      }
    }
    redis.close();
  }

  @Override
  public String toString() {
    return "LimitPlans[" + name + ", " + redis + ", revision " + book.revision() + "]";
  }
}
