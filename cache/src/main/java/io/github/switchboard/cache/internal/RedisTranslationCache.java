package io.github.switchboard.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.switchboard.cache.TranslationKey;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.internal.FailoverGuard;
import io.github.switchboard.core.internal.LuaScript;
import io.github.switchboard.core.internal.RedisConnection;
import io.lettuce.core.ScriptOutputType;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/*
 * The cache on Redis.
 *
 * Keys (one hash tag per entry, so an entry and its lease share a slot on a Cluster; nothing of the input
 * in a name, only its SHA-256):
 *   {prefix}{name}:gen                       the generation (INCR by invalidateAll); TTL 2 x timeToLive
 *   {prefix}{name}:{gen}:{<digest>}          an entry (encoded by ValueCodec); TTL timeToLive
 *   {prefix}{name}:{gen}:{<digest>}:lease    who loads it now; TTL loadTimeout
 * Channel {prefix}{name}:events:  "e|<gen>|<digest>|<origin>" an entry changed (put, stored, invalidated,
 *   a lease given back), "a|<gen>|<origin>" a new generation.
 *
 * One load per key across the fleet: acquire() runs get_or_lease.lua, which answers the value, or gives the
 * caller a lease (SET NX PX loadTimeout), or says how long the current lease has left. A waiter registers
 * a wake-up for the digest *before* asking (so a message published between the reply and the wait is not
 * lost), then waits for the message of the store or release, or for min(lease left, 1 s) as a backstop for
 * a lost message, and asks again. A loader that dies leaves its lease to expire after loadTimeout; the next
 * waiter to ask then takes it. A waiter that has waited 2 x loadTimeout + 1 s loads without a lease.
 *
 * Near cache (Caffeine, digest -> value): trusted only while the subscription is live, since only then do
 * other instances' changes reach it; it is cleared whenever the subscription (re)starts and whenever the
 * generation moves. While Redis itself is unreachable it serves anyway (the fallback's answers). A value
 * read from Redis enters it only if no invalidation was seen since the read was sent (the epoch), so a
 * read racing an invalidation cannot put back the old value.
 *
 * The generation is read at start and every 500 ms (a lost "a" message heals within that, and an empty
 * restart of Redis, which resets it, is noticed); until it is known, Redis is not used at all.
 * Invalidations made while Redis was unreachable are kept (up to 10,000 keys, beyond that as one
 * invalidateAll) and sent when it answers again.
 */
/** A translation cache on Redis with a near cache and a local fallback. */
public final class RedisTranslationCache extends AbstractTranslationCache {
  static final LuaScript GET_OR_LEASE = LuaScript.fromResource(RedisTranslationCache.class, "get_or_lease.lua");
  static final LuaScript STORE = LuaScript.fromResource(RedisTranslationCache.class, "store.lua");
  static final LuaScript RELEASE = LuaScript.fromResource(RedisTranslationCache.class, "release.lua");
  static final LuaScript INVALIDATE = LuaScript.fromResource(RedisTranslationCache.class, "invalidate.lua");
  static final LuaScript INVALIDATE_ALL =
      LuaScript.fromResource(RedisTranslationCache.class, "invalidate_all.lua");
  static final LuaScript GENERATION = LuaScript.fromResource(RedisTranslationCache.class, "generation.lua");

  static final long MAINTENANCE_MILLIS = 500;
  static final long RECHECK_SUBSCRIBED_MILLIS = 1000;
  static final long RECHECK_UNSUBSCRIBED_MILLIS = 100;
  static final int MAX_PENDING_INVALIDATIONS = 10_000;
  private static final int MAX_MESSAGE_LENGTH = 256;

  private final RedisConnection redis;
  private final FailoverGuard guard;
  private final ValueCodec codec;
  private final CacheKeys keys;
  private final String origin;
  private final String ttlMillis;
  private final String leaseMillis;
  private final String generationTtlMillis;
  private final @Nullable Cache<String, String> near;
  private final ScheduledExecutorService scheduler;
  private final @Nullable CacheSubscription subscription;
  private final AtomicLong epoch = new AtomicLong();
  private final ConcurrentHashMap<String, CompletableFuture<Void>> wakes = new ConcurrentHashMap<>();
  private final Set<String> pendingRemovals = ConcurrentHashMap.newKeySet();
  private final OnceLog corruptLog = new OnceLog(LOG);
  private final OnceLog messageLog = new OnceLog(LOG);
  private final OnceLog generationLog = new OnceLog(LOG);
  private volatile boolean pendingAll;
  private volatile long generation;
  private volatile boolean generationKnown;
  private volatile boolean closed;

  private RedisTranslationCache(CacheSettings settings, RedisConnection redis, FailoverGuard guard) {
    super(settings);
    this.redis = redis;
    this.guard = guard;
    this.codec = new ValueCodec(settings.compressionThreshold(), settings.maxValueBytes());
    this.keys = new CacheKeys(settings.keyPrefix(), settings.name());
    byte[] id = new byte[8];
    new SecureRandom().nextBytes(id);
    this.origin = HexFormat.of().formatHex(id);
    this.ttlMillis = Long.toString(settings.timeToLive().toMillis());
    this.leaseMillis = Long.toString(settings.loadTimeout().toMillis());
    this.generationTtlMillis = Long.toString(settings.timeToLive().toMillis() * 2);
    boolean canSubscribe = redis.supportsPubSub();
    this.near =
        settings.nearCacheSize() > 0 && canSubscribe
            ? Caffeine.newBuilder()
                .maximumSize(settings.nearCacheSize())
                .expireAfterWrite(settings.timeToLive())
                .executor(Runnable::run)
                .build()
            : null;
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "switchboard-cache-" + settings.name());
              t.setDaemon(true);
              return t;
            });
    this.subscription =
        canSubscribe
            ? new CacheSubscription(
                redis, keys.channel, settings.name(), scheduler, this::onMessage, this::onSubscribed, this::onUnsubscribed)
            : null;
  }

  /**
   * Starts a cache: reads the generation and subscribes, waiting for each at most the connect timeout (a
   * cache started while Redis is down answers from its fallback and moves to Redis when it comes up).
   *
   * @param settings the builder's settings
   * @param redis the connection (closed by {@link #close()} if it opened it)
   * @param guard the circuit breaker
   * @return the cache
   */
  public static RedisTranslationCache start(CacheSettings settings, RedisConnection redis, FailoverGuard guard) {
    RedisTranslationCache cache = new RedisTranslationCache(settings, redis, guard);
    for (LuaScript s : List.of(GET_OR_LEASE, STORE, RELEASE, INVALIDATE, INVALIDATE_ALL, GENERATION)) {
      redis.load(s);
    }
    long waitMillis = redis.options().connectTimeout().toMillis() + 500;
    try {
      cache.readGeneration().toCompletableFuture().get(waitMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // not reachable yet: maintenance keeps trying
    }
    CacheSubscription sub = cache.subscription;
    if (sub != null) {
      sub.connect();
      if (cache.generationKnown) {
        try {
          sub.firstLive().get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (Exception e) {
          // not subscribed yet: the near cache is bypassed until it is
        }
      }
    }
    var unused = cache.scheduler.scheduleWithFixedDelay( // maintain() catches its failures: it repeats
        cache::maintain, MAINTENANCE_MILLIS, MAINTENANCE_MILLIS, TimeUnit.MILLISECONDS);
    LOG.info(
        "Cache '{}' on {} (generation {}, near cache {})",
        settings.name(),
        redis,
        cache.generationKnown ? Long.toString(cache.generation) : "not read yet",
        cache.near == null
            ? (settings.nearCacheSize() > 0 ? "off: a user-supplied connection cannot subscribe" : "off")
            : settings.nearCacheSize() + " entries");
    return cache;
  }

  // ------------------------------------------------------------------------------------------ keys


  private String changed(String digest) {
    return "e|" + generation + "|" + digest + "|" + origin;
  }

  /** Whether Redis may be asked at all: the generation is known and the cache is open. */
  private boolean usable() {
    return generationKnown && !closed;
  }

  // ------------------------------------------------------------------------------------ near tier

  @Override
  @Nullable String nearGet(String digest) {
    Cache<String, String> n = near;
    if (n == null) {
      return null;
    }
    if (!nearTrusted() && redisAnswering()) {
      return null; // changes made elsewhere might not have reached it: ask Redis
    }
    return n.getIfPresent(digest);
  }

  private boolean redisAnswering() {
    return generationKnown && redis.isConnected() && guard.state() == BackendState.PRIMARY;
  }

  private void nearPutIfUnchanged(String digest, String value, long epochAtRead, long genAtRead) {
    Cache<String, String> n = near;
    if (n != null && epoch.get() == epochAtRead && generation == genAtRead) {
      n.put(digest, value);
    }
  }

  private void dropNear(String digest) {
    epoch.incrementAndGet();
    Cache<String, String> n = near;
    if (n != null) {
      n.invalidate(digest);
    }
  }

  private void dropAllNear() {
    epoch.incrementAndGet();
    Cache<String, String> n = near;
    if (n != null) {
      n.invalidateAll();
    }
  }

  // ---------------------------------------------------------------------------------------- reads

  /** One call's context for the guard (functions below are non-capturing). */
  private record Call(RedisTranslationCache cache, String digest, String entry, long gen, long epoch, String arg) {}

  @Override
  CompletionStage<Optional<String>> lookup(TranslationKey key) {
    String d = key.digest();
    if (!usable()) {
      return CompletableFuture.completedFuture(counted(Optional.ofNullable(localNear(d))));
    }
    long gen = generation;
    Call call = new Call(this, d, keys.entry(d, gen), gen, epoch.get(), "");
    return guard.execute(
        call,
        c -> c.cache.redis.commands().get(c.entry),
        (c, stored) -> c.cache.counted(c.cache.decodeLookup(c, stored)),
        c -> c.cache.counted(Optional.ofNullable(c.cache.localNear(c.digest))));
  }

  private @Nullable String localNear(String digest) {
    Cache<String, String> n = near;
    return n == null ? null : n.getIfPresent(digest);
  }

  private Optional<String> decodeLookup(Call c, @Nullable String stored) {
    if (stored == null) {
      return Optional.empty();
    }
    String value;
    try {
      value = codec.decode(stored);
    } catch (ValueCodec.CorruptValueException e) {
      corrupt(e);
      return Optional.empty();
    }
    nearPutIfUnchanged(c.digest, value, c.epoch, c.gen);
    return Optional.of(value);
  }

  private void corrupt(ValueCodec.CorruptValueException e) {
    counters.corrupt.increment();
    corruptLog.warn(
        "Cache '{}': a value in Redis cannot be read ({}); treated as a miss and replaced",
        settings.name(),
        e.getMessage());
  }


  @Override
  CompletionStage<Step> acquire(TranslationKey key) {
    if (!usable()) {
      return CompletableFuture.completedFuture(withoutRedis(key.digest()));
    }
    long deadline = System.nanoTime() + settings.loadTimeout().toNanos() * 2 + TimeUnit.SECONDS.toNanos(1);
    return attempt(key.digest(), LeaseReply.randomToken(), deadline, false, false);
  }

  /** Redis did not answer: the near copy if there is one (trusted or not), else a local load. */
  private Step withoutRedis(String digest) {
    String near = localNear(digest);
    return near != null ? Step.hit(near) : Step.load(null);
  }

  private CompletionStage<Step> attempt(String d, String token, long deadline, boolean waited, boolean force) {
    if (!usable()) {
      return CompletableFuture.completedFuture(withoutRedis(d));
    }
    CompletableFuture<Void> wake = new CompletableFuture<>();
    wakes.put(d, wake); // before asking: a message published after the reply must find it
    long gen = generation;
    Call call = new Call(this, d, keys.entry(d, gen), gen, epoch.get(), force ? "1" : "0");
    CompletionStage<LeaseReply> reply =
        guard.execute(
            call,
            c -> c.cache.redis.<List<Object>>eval(
                GET_OR_LEASE,
                ScriptOutputType.MULTI,
                new String[] {c.entry, CacheKeys.lease(c.entry)},
                token,
                c.cache.leaseMillis,
                c.arg),
            (c, list) -> LeaseReply.decode(list),
            c -> LeaseReply.FALLBACK);
    return reply.thenCompose(
        r -> {
          if (r.kind() != 3) {
            wakes.remove(d, wake);
          }
          return switch (r.kind()) {
            case 1 -> {
              String value;
              try {
                value = codec.decode(r.value());
              } catch (ValueCodec.CorruptValueException e) {
                corrupt(e);
                yield attempt(d, token, deadline, waited, true);
              }
              nearPutIfUnchanged(d, value, call.epoch, gen);
              yield CompletableFuture.completedFuture(waited ? Step.shared(value) : Step.hit(value));
            }
            case 2 -> CompletableFuture.completedFuture(Step.load(token));
            case 3 -> {
              if (System.nanoTime() - deadline > 0) {
                wakes.remove(d, wake);
                LOG.debug("Cache '{}': waited past 2 x loadTimeout for another load; loading", settings.name());
                yield CompletableFuture.completedFuture(Step.load(null));
              }
              long recheck = subscription != null && subscription.isLive()
                  ? RECHECK_SUBSCRIBED_MILLIS
                  : RECHECK_UNSUBSCRIBED_MILLIS;
              long delay = Math.max(1, Math.min(r.leftMillis() + 5, recheck));
              try {
                var unused = scheduler.schedule(() -> wake.complete(null), delay, TimeUnit.MILLISECONDS); // wake is awaited
              } catch (RejectedExecutionException e) {
                wake.complete(null);
              }
              yield wake.thenCompose(
                  ignored -> {
                    wakes.remove(d, wake);
                    return attempt(d, token, deadline, true, false);
                  });
            }
            default -> {
              wakes.remove(d, wake);
              yield CompletableFuture.completedFuture(withoutRedis(d)); // Redis failed
            }
          };
        });
  }

  // --------------------------------------------------------------------------------------- writes

  @Override
  void stored(TranslationKey key, @Nullable String lease, String value, int utf8Length, boolean cacheable) {
    String d = key.digest();
    if (cacheable) {
      epoch.incrementAndGet();
      Cache<String, String> n = near;
      if (n != null) {
        n.put(d, value);
      }
    }
    if (!usable()) {
      return;
    }
    if (!cacheable) {
      failed(key, lease); // waiters load for themselves
      return;
    }
    write(d, codec.encode(value, utf8Length), lease == null ? "" : lease);
  }

  private CompletionStage<Void> write(String d, String encoded, String lease) {
    long gen = generation;
    Call call = new Call(this, d, keys.entry(d, gen), gen, 0, encoded);
    return guard.execute(
        call,
        c -> c.cache.redis.<Long>eval(
            STORE,
            ScriptOutputType.INTEGER,
            new String[] {c.entry, CacheKeys.lease(c.entry)},
            c.arg,
            c.cache.ttlMillis,
            lease,
            c.cache.keys.channel,
            c.cache.changed(c.digest)),
        (c, ignored) -> (Void) null,
        c -> null);
  }

  @Override
  void failed(TranslationKey key, @Nullable String lease) {
    if (lease == null || !usable()) {
      return;
    }
    String d = key.digest();
    long gen = generation;
    Call call = new Call(this, d, keys.entry(d, gen), gen, 0, lease);
    guard.execute(
        call,
        c -> c.cache.redis.<Long>eval(
            RELEASE,
            ScriptOutputType.INTEGER,
            new String[] {CacheKeys.lease(c.entry)},
            c.arg,
            c.cache.keys.channel,
            c.cache.changed(c.digest)),
        (c, ignored) -> (Void) null,
        c -> null);
  }

  @Override
  CompletionStage<Void> store(TranslationKey key, String value, int utf8Length) {
    String d = key.digest();
    epoch.incrementAndGet();
    Cache<String, String> n = near;
    if (n != null) {
      n.put(d, value);
    }
    if (!usable()) {
      return CompletableFuture.completedFuture(null);
    }
    return write(d, codec.encode(value, utf8Length), "");
  }

  @Override
  CompletionStage<Void> remove(TranslationKey key) {
    String d = key.digest();
    dropNear(d);
    if (!usable()) {
      queueRemoval(d);
      return CompletableFuture.completedFuture(null);
    }
    long gen = generation;
    Call call = new Call(this, d, keys.entry(d, gen), gen, 0, "");
    return guard.execute(
        call,
        c -> c.cache.sendRemoval(c.digest, c.entry),
        (c, ignored) -> (Void) null,
        c -> {
          c.cache.queueRemoval(c.digest);
          return null;
        });
  }

  private CompletionStage<Long> sendRemoval(String digest, String entry) {
    return redis.eval(INVALIDATE, ScriptOutputType.INTEGER, new String[] {entry}, keys.channel, changed(digest));
  }

  private void queueRemoval(String digest) {
    if (pendingAll) {
      return;
    }
    pendingRemovals.add(digest);
    if (pendingRemovals.size() > MAX_PENDING_INVALIDATIONS) {
      pendingAll = true; // too many to keep: one invalidateAll covers them
      pendingRemovals.clear();
    }
  }

  @Override
  CompletionStage<Void> removeAll() {
    dropAllNear();
    if (!usable()) {
      pendingAll = true;
      pendingRemovals.clear();
      return CompletableFuture.completedFuture(null);
    }
    return guard.execute(
        this,
        c -> c.sendNewGeneration(),
        (c, gen) -> {
          c.adoptGeneration(gen);
          return (Void) null;
        },
        c -> {
          c.pendingAll = true;
          c.pendingRemovals.clear();
          return null;
        });
  }

  private CompletionStage<Long> sendNewGeneration() {
    return redis.eval(
        INVALIDATE_ALL, ScriptOutputType.INTEGER, new String[] {keys.generation}, generationTtlMillis, keys.channel, origin);
  }

  // ------------------------------------------------------------------------------ generation, events

  private synchronized void adoptGeneration(long gen) {
    if (!generationKnown || gen != generation) {
      if (generationKnown) {
        LOG.info(
            "Cache '{}': generation {} -> {} (invalidateAll, or Redis restarted empty); near cache dropped",
            settings.name(),
            generation,
            gen);
      }
      generation = gen;
      keys.generationIs(gen);
      dropAllNear();
      generationKnown = true;
    }
  }

  private CompletionStage<Void> readGeneration() {
    return redis.<Long>eval(GENERATION, ScriptOutputType.INTEGER, new String[] {keys.generation}, generationTtlMillis)
        .thenAccept(
            g -> {
              if (g == null || g < 0) {
                generationLog.warn(
                    "Cache '{}': key {} holds something that is not a generation; Redis is not used until it"
                        + " is removed",
                    settings.name(),
                    keys.generation);
                generationKnown = false;
                return;
              }
              adoptGeneration(g);
            });
  }

  private void maintain() {
    if (closed) {
      return;
    }
    try {
      CacheSubscription sub = subscription;
      if (sub != null) {
        sub.connect();
      }
      readGeneration().whenComplete((v, error) -> {
        if (error == null) {
          flushPending();
        }
      });
    } catch (RuntimeException e) {
      LOG.debug("Cache '{}': maintenance failed", settings.name(), e);
    }
  }

  private void flushPending() {
    if (!usable() || (!pendingAll && pendingRemovals.isEmpty())) {
      return;
    }
    if (pendingAll) {
      pendingAll = false;
      LOG.info("Cache '{}': sending an invalidateAll made while Redis was unreachable", settings.name());
      sendNewGeneration()
          .whenComplete(
              (gen, error) -> {
                if (error != null) {
                  pendingAll = true;
                } else {
                  adoptGeneration(gen);
                }
              });
      pendingRemovals.clear();
      return;
    }
    List<String> batch = new ArrayList<>(pendingRemovals);
    LOG.info(
        "Cache '{}': sending {} invalidation(s) made while Redis was unreachable", settings.name(), batch.size());
    for (String d : batch) {
      pendingRemovals.remove(d);
      sendRemoval(d, keys.entry(d, generation))
          .whenComplete(
              (v, error) -> {
                if (error != null) {
                  queueRemoval(d);
                }
              });
    }
  }

  private void onSubscribed() {
    // messages published while unsubscribed were lost: nothing near may be trusted (the subscription
    // counts as live only once this has run)
    dropAllNear();
    try {
      scheduler.execute(this::maintain);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  private void onUnsubscribed() {
    epoch.incrementAndGet(); // reads in flight must not fill the near cache from now on
  }

  private void onMessage(String message) {
    if (message.length() > MAX_MESSAGE_LENGTH) {
      messageLog.warn("Cache '{}': ignored a message of {} characters on {}", settings.name(), message.length(), keys.channel);
      return;
    }
    String[] parts = message.split("\\|", -1);
    try {
      if (parts.length == 4 && parts[0].equals("e")) {
        String d = parts[2];
        if (!parts[3].equals(origin)) {
          dropNear(d);
        } else {
          epoch.incrementAndGet();
        }
        CompletableFuture<Void> wake = wakes.remove(d);
        if (wake != null) {
          wake.complete(null);
        }
        return;
      }
      if (parts.length == 3 && parts[0].equals("a")) {
        long gen = Long.parseLong(parts[1]);
        if (gen > generation || !parts[2].equals(origin)) {
          adoptGeneration(Math.max(gen, generation));
          dropAllNear();
        }
        return;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    messageLog.warn("Cache '{}': ignored a message that is not the cache's on {}", settings.name(), keys.channel);
  }

  // ------------------------------------------------------------------------------------ the rest

  @Override
  long maxWaitNanos() {
    return settings.loadTimeout().toNanos() * 2
        + TimeUnit.SECONDS.toNanos(2)
        + redis.options().commandTimeout().toNanos() * 4;
  }

  @Override
  public BackendState backendState() {
    return guard.state();
  }

  @Override
  public long nearCacheEntries() {
    Cache<String, String> n = near;
    return n == null ? 0 : n.estimatedSize();
  }

  /**
   * Returns the generation this instance uses (for tests and diagnostics).
   *
   * @return the generation, -1 while unknown
   */
  public long generation() {
    return generationKnown ? generation : -1;
  }

  /**
   * Returns whether the near cache is trusted now (the subscription is live).
   *
   * @return true if near hits are served while Redis answers
   */
  public boolean nearTrusted() {
    CacheSubscription sub = subscription;
    return sub != null && sub.isLive();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    scheduler.shutdownNow();
    CacheSubscription sub = subscription;
    if (sub != null) {
      sub.close();
    }
    for (CompletableFuture<Void> w : wakes.values()) {
      w.complete(null);
    }
    redis.close();
    Cache<String, String> n = near;
    if (n != null) {
      n.invalidateAll();
    }
    LOG.info("Cache '{}' closed", settings.name());
  }

  @Override
  public String toString() {
    return "RedisTranslationCache[" + settings.name() + ", " + redis + ", " + guard.state() + "]";
  }
}
