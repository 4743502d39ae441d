package io.github.switchboard.pool.internal.health;

import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.HealthCheckConfig;
import io.github.switchboard.pool.NodeHealth;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.internal.codec.PoolCodec;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Active health checks with hysteresis. A 2xx answer within the timeout is a success, anything else
 * (status, timeout, connection error, a host outside the configured node networks) a failure. Counters are
 * consecutive: `fall` failures in a row mark a node UNHEALTHY, `rise` successes in a row mark it HEALTHY
 * (from UNKNOWN or UNHEALTHY). A success whose body is a JSON object with `load` or `inflight` also reports
 * the node's load (the body is read up to 16 KiB).
 *
 * Scheduling (so that 10,000 nodes, most of them dead, cost a bounded amount and never delay a live one):
 * - round() (every interval, from the pool's scheduler) queues each node that has no check queued or in
 *   flight, in one of two lanes: PASSING (its last check succeeded) or FAILING (it failed, or was never
 *   checked). A node stays queued once: the queues hold at most one entry per node.
 * - A pacer thread sends, every tick (interval / 50, at least 20 ms), each lane's share of what the round
 *   queued (queued / ticks per interval, at least 1), so checks are spread over the interval instead of
 *   sent at once.
 * - At most MAX_IN_FLIGHT checks at once, of which the FAILING lane takes at most MAX_FAILING_IN_FLIGHT:
 *   dead nodes waiting out their timeouts hold FAILING permits only, and the checks of nodes that answer
 *   go out on time. When the FAILING lane is saturated its nodes are checked less often than the interval
 *   (each still at least once per pass over the lane); a dead node is already unhealthy, or soon is.
 * - Each check is bounded by the timeout from the moment it is sent (connect included), never by time
 *   spent waiting in a queue, so the checker's own backlog cannot fail a node.
 *
 * Memory: one State per node (forgotten when the node leaves), one HttpClient for the pool, at most
 * MAX_IN_FLIGHT exchanges and their buffers (a body is read up to 16 KiB).
 *
 * Logging: a node's verdict changes are at DEBUG; at WARN (unhealthy) and INFO (healthy) the first change
 * of a summary period (60 s) is logged at once and the others are counted and summarised in one line
 * when the period ends, so 10,000 dying nodes make two lines a minute, not 10,000.
 *
 * Redirects are not followed (HttpClient's default), so a health URL cannot bounce the coordinator to
 * another host. With node networks set, the host is resolved before each check and every address must lie
 * in them (a DNS answer that changes between that lookup and the client's own is not caught).
 */
/** Checks nodes over HTTP and reports verdicts and loads. */
public final class HealthChecker {
  private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);

  /** The most checks in flight at once. */
  static final int MAX_IN_FLIGHT = 1024;
  /** The most checks in flight at once of nodes whose last check failed (or that were never checked). */
  static final int MAX_FAILING_IN_FLIGHT = 768;
  /** Ticks of the pacer per interval. */
  static final int TICKS_PER_INTERVAL = 50;
  private static final long MIN_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long SUMMARY_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final int MAX_BODY = 16 * 1024;
  private static final int EXAMPLES = 5;

  /** Receives the outcomes. */
  public interface Sink {
    void healthChanged(String nodeId, NodeHealth health, String why);

    void loadReported(String nodeId, NodeLoad load);
  }

  private static final class State {
    volatile DecoderNode node;
    // guarded by the checker's lock
    boolean queued;
    boolean inFlight;
    @Nullable Lane lane;
    // guarded by the state itself
    int successes;
    int failures;
    volatile NodeHealth health = NodeHealth.UNKNOWN;
    volatile boolean lastOk;
    volatile boolean forgotten;

    State(DecoderNode node) {
      this.node = node;
    }
  }

  private static final class Lane {
    final int capacity;
    final ArrayDeque<State> queue = new ArrayDeque<>();
    int inFlight;
    int perTick = 1;

    Lane(int capacity) {
      this.capacity = capacity;
    }
  }

  /** Verdict changes of one kind in the current summary period. */
  private final class Changes {
    final NodeHealth health;
    long periodStart;
    int unlogged;
    final List<String> examples = new ArrayList<>(EXAMPLES);
    String lastWhy = "";

    Changes(NodeHealth health) {
      this.health = health;
    }

    /** Logs the change at once if it is the period's first, else counts it. */
    synchronized void record(String nodeId, String why, long now) {
      flushIfDue(now);
      if (periodStart == 0) {
        periodStart = now;
        log("pool '{}': node {} is {} after {} {} checks; last: {}", poolName, nodeId, verdict(),
            count(), health == NodeHealth.UNHEALTHY ? "failed" : "successful", why);
        return;
      }
      unlogged++;
      lastWhy = why;
      if (examples.size() < EXAMPLES) {
        examples.add(nodeId);
      }
    }

    synchronized void flushIfDue(long now) {
      if (periodStart == 0 || now - periodStart < SUMMARY_NANOS) {
        return;
      }
      if (unlogged > 0) {
        log("pool '{}': {} more nodes became {} in the last {} s (such as {}; last: {}); {} of {} nodes are"
                + " unhealthy now", poolName, unlogged, verdict(), TimeUnit.NANOSECONDS.toSeconds(now - periodStart),
            String.join(", ", examples), lastWhy, unhealthy(), states.size());
        periodStart = now; // the next change within a period of this summary is counted, not logged
      } else {
        periodStart = 0;
      }
      unlogged = 0;
      examples.clear();
    }

    private String verdict() {
      return health == NodeHealth.UNHEALTHY ? "unhealthy" : "healthy";
    }

    private int count() {
      return health == NodeHealth.UNHEALTHY ? config.fall() : config.rise();
    }

    private void log(String format, Object... args) {
      if (health == NodeHealth.UNHEALTHY) {
        LOG.warn(format, args);
      } else {
        LOG.info(format, args);
      }
    }
  }

  private final String poolName;
  private final HealthCheckConfig config;
  private final HttpClient client;
  private final Executor executor;
  private final Sink sink;
  private final LongSupplier nanoTime;
  private final Map<String, State> states = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  private final Lane passing = new Lane(MAX_IN_FLIGHT - MAX_FAILING_IN_FLIGHT);
  private final Lane failing = new Lane(MAX_FAILING_IN_FLIGHT);
  private final Changes wentDown = new Changes(NodeHealth.UNHEALTHY);
  private final Changes cameUp = new Changes(NodeHealth.HEALTHY);
  private final ScheduledExecutorService pacer;
  private final int ticksPerInterval;
  private volatile boolean closed;

  public HealthChecker(String poolName, HealthCheckConfig config, Executor executor, Sink sink) {
    this(poolName, config, executor, sink, System::nanoTime);
  }

  public HealthChecker(String poolName, HealthCheckConfig config, Executor executor, Sink sink, LongSupplier nanoTime) {
    this.poolName = poolName;
    this.config = config;
    this.sink = sink;
    this.executor = executor;
    this.nanoTime = nanoTime;
    this.client = HttpClient.newBuilder()
        .connectTimeout(config.timeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .version(HttpClient.Version.HTTP_1_1)
        .executor(executor)
        .build();
    ScheduledThreadPoolExecutor p = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "switchboard-pool-" + poolName + "-health-pacer");
      t.setDaemon(true);
      return t;
    });
    p.setRemoveOnCancelPolicy(true);
    this.pacer = p;
    long tick = Math.max(MIN_TICK_NANOS, config.interval().toNanos() / TICKS_PER_INTERVAL);
    this.ticksPerInterval = (int) Math.max(1, config.interval().toNanos() / tick);
    // tickQuietly() catches its failures, so the pacing repeats until close() shuts the pacer down
    var unused = pacer.scheduleWithFixedDelay(this::tickQuietly, tick, tick, TimeUnit.NANOSECONDS);
  }

  /** Queues a check of each node that has none queued or in flight; forgets nodes no longer present. */
  public void round(Supplier<Collection<DecoderNode>> nodes) {
    if (closed) {
      return;
    }
    Set<String> present = new HashSet<>();
    synchronized (lock) {
      for (DecoderNode node : nodes.get()) {
        present.add(node.nodeId());
        State st = states.computeIfAbsent(node.nodeId(), k -> new State(node));
        st.node = node; // an update may have changed its URLs
        if (st.queued || st.inFlight) {
          continue;
        }
        st.queued = true;
        (st.lastOk ? passing : failing).queue.add(st);
      }
      passing.perTick = Math.max(1, ceilDiv(passing.queue.size(), ticksPerInterval));
      failing.perTick = Math.max(1, ceilDiv(failing.queue.size(), ticksPerInterval));
    }
    states.entrySet().removeIf(e -> {
      if (present.contains(e.getKey())) {
        return false;
      }
      e.getValue().forgotten = true;
      return true;
    });
  }

  /** Forgets a node's counters (it was removed). */
  public void forget(String nodeId) {
    State st = states.remove(nodeId);
    if (st != null) {
      st.forgotten = true;
    }
  }

  public NodeHealth health(String nodeId) {
    State st = states.get(nodeId);
    return st == null ? NodeHealth.UNKNOWN : st.health;
  }

  /** How many checks are in flight now (for tests). */
  int inFlight() {
    synchronized (lock) {
      return passing.inFlight + failing.inFlight;
    }
  }

  /** How many checks wait in the queues (for tests). */
  int queued() {
    synchronized (lock) {
      return passing.queue.size() + failing.queue.size();
    }
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  private void tickQuietly() {
    try {
      tick();
    } catch (RuntimeException e) {
      LOG.warn("pool '{}': health check pacing failed", poolName, e);
    }
  }

  /** Sends each lane's share of checks, within its bound on checks in flight. */
  void tick() {
    if (closed) {
      return;
    }
    List<State> send = new ArrayList<>();
    synchronized (lock) {
      take(passing, send);
      take(failing, send);
    }
    for (State st : send) {
      try {
        executor.execute(() -> check(st));
      } catch (RejectedExecutionException e) {
        done(st); // closing
      }
    }
    long now = nanoTime.getAsLong();
    wentDown.flushIfDue(now);
    cameUp.flushIfDue(now);
  }

  private static void take(Lane lane, List<State> send) {
    int n = Math.min(lane.perTick, lane.capacity - lane.inFlight);
    while (n > 0) {
      State st = lane.queue.poll();
      if (st == null) {
        return;
      }
      st.queued = false;
      if (st.forgotten) {
        continue;
      }
      st.inFlight = true;
      st.lane = lane;
      lane.inFlight++;
      n--;
      send.add(st);
    }
  }

  private void done(State st) {
    synchronized (lock) {
      Lane lane = st.lane;
      if (lane != null && st.inFlight) {
        lane.inFlight--;
      }
      st.inFlight = false;
      st.lane = null;
    }
  }

  private void check(State st) {
    DecoderNode node = st.node;
    URI uri = node.effectiveHealthUrl();
    if (closed || st.forgotten) {
      done(st);
      return;
    }
    String refused = config.networks().refusal(uri, "health URL");
    if (refused != null) {
      done(st); // never contacted
      outcome(node.nodeId(), st, false, refused, null);
      return;
    }
    HttpRequest request;
    try {
      request = HttpRequest.newBuilder(uri).timeout(config.timeout()).GET()
          .header("Accept", "application/json").build();
    } catch (IllegalArgumentException e) {
      done(st);
      outcome(node.nodeId(), st, false, "invalid health URL: " + e.getMessage(), null);
      return;
    }
    CompletableFuture<HttpResponse<String>> sent;
    try {
      sent = client.sendAsync(request, info -> new BoundedBody(MAX_BODY));
    } catch (RuntimeException e) { // a closed executor
      done(st);
      return;
    }
    // the outcome is recorded by the callback; nothing waits for the request itself
    var unused = sent.whenComplete((resp, err) -> {
      done(st);
      if (closed) {
        return;
      }
      if (err != null) {
        Throwable cause = err.getCause() != null ? err.getCause() : err;
        outcome(node.nodeId(), st, false, uri + ": " + cause, null);
      } else if (resp.statusCode() / 100 != 2) {
        outcome(node.nodeId(), st, false, uri + " answered HTTP " + resp.statusCode(), null);
      } else {
        outcome(node.nodeId(), st, true, uri + " answered HTTP " + resp.statusCode(), resp.body());
      }
    });
  }

  private void outcome(String nodeId, State st, boolean ok, String why, @Nullable String body) {
    NodeHealth changed = null;
    st.lastOk = ok;
    synchronized (st) {
      if (ok) {
        st.failures = 0;
        st.successes++;
        if (st.health != NodeHealth.HEALTHY && st.successes >= config.rise()) {
          st.health = NodeHealth.HEALTHY;
          changed = st.health;
        }
      } else {
        st.successes = 0;
        st.failures++;
        if (st.health != NodeHealth.UNHEALTHY && st.failures >= config.fall()) {
          st.health = NodeHealth.UNHEALTHY;
          changed = st.health;
        }
      }
    }
    if (ok && body != null && !body.isEmpty()) {
      PoolCodec.readHealthLoad(body).ifPresent(load -> sink.loadReported(nodeId, load));
    }
    if (changed != null && states.get(nodeId) == st) {
      LOG.debug("pool '{}': node {} is {}; last: {}", poolName, nodeId, changed, why);
      (changed == NodeHealth.UNHEALTHY ? wentDown : cameUp).record(nodeId, why, nanoTime.getAsLong());
      sink.healthChanged(nodeId, changed, why);
    }
  }

  /** How many known nodes are unhealthy now. */
  private int unhealthy() {
    int n = 0;
    for (State st : states.values()) {
      if (st.health == NodeHealth.UNHEALTHY) {
        n++;
      }
    }
    return n;
  }

  public void close() {
    closed = true;
    pacer.shutdownNow();
    synchronized (lock) {
      passing.queue.clear();
      failing.queue.clear();
    }
    states.clear();
  }

  /** Reads a health answer up to a bound; past it, stops reading and keeps nothing (no load is read). */
  private static final class BoundedBody implements HttpResponse.BodySubscriber<String> {
    private final int max;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CompletableFuture<String> result = new CompletableFuture<>();
    private Flow.@Nullable Subscription subscription;

    BoundedBody(int max) {
      this.max = max;
    }

    @Override
    public CompletionStage<String> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      this.subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      for (ByteBuffer b : items) {
        if (result.isDone()) {
          return;
        }
        if ((long) out.size() + b.remaining() > max) {
          result.complete("");
          Flow.Subscription s = subscription;
          if (s != null) {
            s.cancel();
          }
          return;
        }
        byte[] chunk = new byte[b.remaining()];
        b.get(chunk);
        out.write(chunk, 0, chunk.length);
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(out.toString(StandardCharsets.UTF_8));
    }
  }
}
