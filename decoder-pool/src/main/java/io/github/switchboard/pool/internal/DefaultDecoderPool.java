package io.github.switchboard.pool.internal;

import io.github.switchboard.core.BackendListener;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.TimeSource;
import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.NodeHealth;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.NodeView;
import io.github.switchboard.pool.PoolEvent;
import io.github.switchboard.pool.PoolListener;
import io.github.switchboard.pool.PoolWriteTimeoutException;
import io.github.switchboard.pool.RoutingRequest;
import io.github.switchboard.pool.Selection;
import io.github.switchboard.pool.Subscription;
import io.github.switchboard.pool.internal.events.PoolEventDispatcher;
import io.github.switchboard.pool.internal.events.PoolEvents;
import io.github.switchboard.pool.internal.health.HealthChecker;
import io.github.switchboard.pool.internal.select.Selector;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import io.github.switchboard.pool.internal.store.PoolChange;
import io.github.switchboard.pool.internal.store.PoolStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The pool over any PoolStore.
 *
 * Reads: select/nodes/node/abTests read store.snapshot() (a volatile read, no I/O) and overlay this
 * instance's health-check verdicts and health-reported loads; freshness is computed against the
 * TimeSource at read time.
 *
 * Events: the store calls onStoreEvent in revision order; the event is queued to one daemon thread per
 * pool that calls the user listeners one at a time, catching and logging (WARN) whatever they throw. A
 * listener can therefore neither fail nor slow a caller, only delay other listeners. The queue is bounded
 * (PoolEventDispatcher: 10,000; past it events are dropped until the listeners catch up, then one
 * RELOADED stands for them), so a slow listener cannot grow memory without limit.
 *
 * Liveness sweeper (every sweepInterval, one sweep at a time per instance): takes the store's lease
 * (tryLead), skips while the store is on its fallback (a coordinator cut off from Redis sees no
 * heartbeats and must not evict on that basis), picks dynamic nodes whose last heartbeat is older than
 * evictAfter (oldest first), caps them at max(1, floor(maxEvictionShare * nodes)), and evicts each with
 * the store's compare-and-delete evict(), so a heartbeat that lands meanwhile saves the node.
 *
 * Threads: one scheduler thread (sweeps, health rounds), one event thread, and, with health checks on, a
 * small pool for the HTTP client. All daemon, all stopped by close().
 */
/** A {@link DecoderPool} over a {@link PoolStore}. */
public final class DefaultDecoderPool extends NodeWrites implements DecoderPool {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultDecoderPool.class);

  private final PoolStore store;
  private final PoolSettings settings;
  private final TimeSource clock;
  private final String ownerId = UUID.randomUUID().toString();
  private final long staleMicros;
  private final long evictMicros;
  private final DoubleSupplier random;
  private final List<PoolListener> listeners = new CopyOnWriteArrayList<>();
  private final PoolEventDispatcher events;
  private final ScheduledExecutorService scheduler;
  private final @Nullable ExecutorService httpExecutor;
  private final @Nullable HealthChecker health;
  private final Selector.@Nullable Overlay overlay; // health verdicts and loads for select, null without checks
  private final Map<String, HealthLoad> healthLoads = new ConcurrentHashMap<>();
  private final AtomicBoolean sweeping = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  private record HealthLoad(NodeLoad load, long atMicros) {}

  /**
   * Starts a pool over a store; the pool owns the store and closes it.
   *
   * @param store the store
   * @param settings the settings
   */
  DefaultDecoderPool(PoolStore store, PoolSettings settings) {
    this.store = Objects.requireNonNull(store, "store");
    this.settings = settings;
    this.clock = settings.timeSource();
    this.staleMicros = settings.staleAfter().toNanos() / 1000;
    this.evictMicros = settings.evictAfter().toNanos() / 1000;
    Long seed = settings.seed();
    if (seed != null) {
      Random r = new Random(seed);
      this.random = r::nextDouble;
    } else {
      this.random = () -> ThreadLocalRandom.current().nextDouble();
    }
    String name = settings.poolName();
    this.events = new PoolEventDispatcher(name, listeners, PoolEventDispatcher.MAX_QUEUED,
        daemon("switchboard-pool-" + name + "-events"));
    this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("switchboard-pool-" + name));
    store.setListener(this::onStoreEvent);
    for (BackendListener l : settings.backendListeners()) {
      store.addBackendListener(l);
    }
    long sweepMs = Math.max(1, settings.sweepInterval().toMillis());
    // the periodic tasks catch their failures, so they repeat until close() shuts the scheduler down
    var unused = scheduler.scheduleWithFixedDelay(this::sweepQuietly, sweepMs, sweepMs, TimeUnit.MILLISECONDS);
    if (settings.healthChecks().enabled()) {
      this.httpExecutor = Executors.newFixedThreadPool(2, daemon("switchboard-pool-" + name + "-health"));
      this.health = new HealthChecker(name, settings.healthChecks(), httpExecutor, new HealthChecker.Sink() {
        @Override
        public void healthChanged(String nodeId, NodeHealth h, String why) {
          dispatch(PoolEvents.healthChanged(nodeId, h));
        }

        @Override
        public void loadReported(String nodeId, NodeLoad load) {
          healthLoads.put(nodeId, new HealthLoad(load, clock.currentTimeMicros()));
        }
      });
      long intervalMs = Math.max(1, settings.healthChecks().interval().toMillis());
      var unused2 = scheduler.scheduleWithFixedDelay(this::healthRound, 0, intervalMs, TimeUnit.MILLISECONDS);
    } else {
      this.httpExecutor = null;
      this.health = null;
    }
    this.overlay = overlay();
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, n.getAndIncrement() == 0 ? name : name + "-" + n.get());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Returns the store, for tests and wiring.
   *
   * @return the store
   */
  public PoolStore store() {
    return store;
  }

  // ------------------------------------------------------------------------------------------- mutations

  @Override
  public boolean putAbTest(AbTest test) {
    return await(putAbTestAsync(test), "putAbTest");
  }

  @Override
  public CompletionStage<Boolean> putAbTestAsync(AbTest test) {
    return write(new PoolChange.PutAbTest(Objects.requireNonNull(test, "test")));
  }

  @Override
  public boolean removeAbTest(String name) {
    return await(removeAbTestAsync(name), "removeAbTest");
  }

  @Override
  public CompletionStage<Boolean> removeAbTestAsync(String name) {
    return write(new PoolChange.RemoveAbTest(Objects.requireNonNull(name, "name")));
  }

  @Override
  public void reload() {
    await(reloadAsync(), "reload");
  }

  @Override
  public CompletionStage<Void> reloadAsync() {
    checkOpen();
    return store.reload();
  }

  @Override
  long heartbeatMicros() {
    return clock.currentTimeMicros();
  }

  @Override
  CompletionStage<Boolean> write(PoolChange change) {
    checkOpen();
    return store.write(change);
  }

  /*
   * The sync twin of every write: waits at most writeTimeout, re-sets the interrupt flag, and rethrows the
   * stage's failure unwrapped (a checked cause, which no store produces, is wrapped in CompletionException).
   */
  @Override
  <T> T await(CompletionStage<T> stage, String operation) {
    Duration timeout = settings.writeTimeout();
    try {
      return stage.toCompletableFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new PoolWriteTimeoutException(settings.poolName(), operation, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("pool '" + settings.poolName() + "': interrupted while waiting for "
          + operation, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new CompletionException(cause);
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("pool '" + settings.poolName() + "' is closed");
    }
  }

  // ----------------------------------------------------------------------------------------------- reads

  @Override
  public List<NodeView> nodes() {
    PoolSnapshot s = store.snapshot();
    long now = clock.currentTimeMicros();
    List<NodeView> out = new ArrayList<>(s.nodes().size());
    for (DecoderNode n : s.sortedNodes()) {
      out.add(view(s, n, now));
    }
    return List.copyOf(out);
  }

  @Override
  public Optional<NodeView> node(String nodeId) {
    PoolSnapshot s = store.snapshot();
    DecoderNode n = s.node(nodeId);
    return n == null ? Optional.empty() : Optional.of(view(s, n, clock.currentTimeMicros()));
  }

  @Override
  public Optional<Selection> select(RoutingRequest request) {
    Objects.requireNonNull(request, "request");
    // no view per node: the selector reads the snapshot's runtime states by slot, and the health overlay
    // (the same rules as view()) only when health checks are on
    return Selector.select(store.snapshot(), request, clock.currentTimeMicros(), staleMicros, overlay, random);
  }

  @Override
  public List<AbTest> abTests() {
    return List.copyOf(store.snapshot().sortedAbTests());
  }

  @Override
  public BackendState backendState() {
    return store.backendState();
  }

  /** view()'s health rules for the selector; null without health checks. */
  private Selector.@Nullable Overlay overlay() {
    HealthChecker h = health;
    if (h == null) {
      return null;
    }
    return new Selector.Overlay() {
      @Override
      public boolean healthy(String nodeId) {
        return h.health(nodeId) != NodeHealth.UNHEALTHY;
      }

      @Override
      public NodeLoad load(String nodeId, NodeRuntime recorded) {
        HealthLoad hl = healthLoads.get(nodeId);
        return hl != null && hl.atMicros() > recorded.lastHeartbeatMicros() ? hl.load() : recorded.load();
      }
    };
  }

  private NodeView view(PoolSnapshot s, DecoderNode n, long now) {
    String id = n.nodeId();
    NodeRuntime r = s.runtimeOf(id);
    HealthChecker h = health;
    if (h != null) {
      r = r.withHealth(h.health(id));
      HealthLoad hl = healthLoads.get(id);
      if (hl != null && hl.atMicros() > r.lastHeartbeatMicros()) {
        r = r.withLoad(hl.load());
      }
    }
    boolean fresh = !r.hasHeartbeat() || now - r.lastHeartbeatMicros() < staleMicros;
    return new NodeView(n, r, s.isConfigured(id), fresh);
  }

  // ---------------------------------------------------------------------------------------------- events

  @Override
  public Subscription subscribe(PoolListener listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  private void onStoreEvent(PoolEvent e) {
    if (e instanceof PoolEvent.NodeRemoved || e instanceof PoolEvent.NodeEvicted) {
      String id = ((PoolEvent.NodeEvent) e).nodeId();
      healthLoads.remove(id);
      HealthChecker h = health;
      if (h != null) {
        h.forget(id);
      }
    }
    dispatch(e);
  }

  private void dispatch(PoolEvent e) {
    if (listeners.isEmpty() || closed.get()) {
      return;
    }
    events.dispatch(e);
  }

  // ----------------------------------------------------------------------------------------------- sweep

  private void sweepQuietly() {
    try {
      sweep();
    } catch (RuntimeException e) {
      LOG.warn("pool '{}': liveness sweep failed", settings.poolName(), e);
    }
  }

  /**
   * Runs one liveness sweep now (if none is running): takes the lease, then evicts at most the bounded
   * share of dynamic nodes without a heartbeat for {@code evictAfter}.
   *
   * @return the number of nodes evicted (0 if this instance does not hold the lease)
   */
  public CompletionStage<Integer> sweep() {
    if (closed.get() || !sweeping.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(0);
    }
    long now = clock.currentTimeMicros();
    Duration ttl = settings.sweepInterval().multipliedBy(3).compareTo(Duration.ofSeconds(1)) < 0
        ? Duration.ofSeconds(1) : settings.sweepInterval().multipliedBy(3);
    CompletionStage<Integer> result;
    if (store.backendState() != BackendState.PRIMARY) {
      result = CompletableFuture.completedFuture(0);
    } else {
      result = store.tryLead(ownerId, ttl, now).thenCompose(lead -> lead ? evictStale(now) : zero());
    }
    return result.whenComplete((n, err) -> sweeping.set(false));
  }

  private static CompletionStage<Integer> zero() {
    return CompletableFuture.completedFuture(0);
  }

  private CompletionStage<Integer> evictStale(long now) {
    PoolSnapshot s = store.snapshot();
    long before = now - evictMicros;
    List<String> stale = new ArrayList<>();
    for (String id : s.nodes().keySet()) {
      NodeRuntime r = s.runtimeOf(id);
      if (!s.isConfigured(id) && r.hasHeartbeat() && r.lastHeartbeatMicros() < before) {
        stale.add(id);
      }
    }
    if (stale.isEmpty()) {
      return zero();
    }
    stale.sort(Comparator.comparingLong((String id) -> s.runtimeOf(id).lastHeartbeatMicros())
        .thenComparing(Comparator.naturalOrder()));
    int cap = Math.max(1, (int) Math.floor(settings.maxEvictionShare() * s.nodes().size()));
    if (stale.size() > cap) {
      LOG.warn("pool '{}': {} of {} nodes have sent no heartbeat for {}; evicting only {} this sweep"
              + " (maxEvictionShare {})", settings.poolName(), stale.size(), s.nodes().size(),
          settings.evictAfter(), cap, settings.maxEvictionShare());
      stale = stale.subList(0, cap);
    }
    CompletableFuture<Integer> total = CompletableFuture.completedFuture(0);
    for (String id : stale) {
      total = total.thenCompose(sum -> store.write(new PoolChange.Evict(id, before)).toCompletableFuture()
          .handle((ok, err) -> {
            if (err != null) {
              LOG.warn("pool '{}': could not evict {}: {}", settings.poolName(), id, err.toString());
              return sum;
            }
            if (ok) {
              LOG.info("pool '{}': evicted node {} (no heartbeat for {})", settings.poolName(), id,
                  settings.evictAfter());
            }
            return ok ? sum + 1 : sum;
          }));
    }
    return total;
  }

  private void healthRound() {
    HealthChecker h = health;
    if (h == null || closed.get()) {
      return;
    }
    try {
      h.round(() -> store.snapshot().nodes().values());
    } catch (RuntimeException e) {
      LOG.warn("pool '{}': health check round failed", settings.poolName(), e);
    }
  }

  // ----------------------------------------------------------------------------------------------- close

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    scheduler.shutdownNow();
    HealthChecker h = health;
    if (h != null) {
      h.close();
    }
    if (httpExecutor != null) {
      httpExecutor.shutdownNow();
    }
    try {
      store.close();
    } finally {
      events.close();
    }
  }

  @Override
  public String toString() {
    return "DecoderPool[" + settings.poolName() + ", " + store + "]";
  }
}
