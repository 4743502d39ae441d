package io.github.switchboard.examples.coordinator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.NodeView;
import io.github.switchboard.pool.PoolEvent;
import io.github.switchboard.pool.PoolJson;
import io.github.switchboard.pool.Subscription;
import io.github.switchboard.ratelimit.LimitPlans;
import io.github.switchboard.ratelimit.LimitPlansListener;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * GET /api/v1/events (API.md, "Events and the operator console"): server-sent events of what this
 * coordinator sees.
 *
 *   event: snapshot  {"nodes": [...], "ab_tests": [...], "plans": [...]}  first on every stream, and again
 *                    after the pool or the plans were read whole (a reload or a resynchronisation)
 *   event: node      a node with its runtime state (as GET /api/v1/decoders/{id}), on every change of it
 *   event: removed   {"node_id": ...}  deregistered or evicted
 *   event: abtest    an A/B test, or {"name": ..., "removed": true}
 *   event: plan      a plan (as GET /api/v1/plans), or {"name": ..., "removed": true}
 *   event: limiter   {"allowed": n, "denied": n, "shadow_denied": n}  each second, the decisions since the last
 *
 * Changes made on another coordinator arrive through the pool's and the plans' own subscriptions to Redis.
 * Each event is serialised once, here, on the thread that reports it (the pool's event thread, the plans'
 * thread, or the ticker), and handed to every stream without blocking (EventStream). At most maxStreams are
 * open: one more gets 503. Nothing is logged per event or per stream; opening and dropping streams is
 * visible in count().
 */
/** The coordinator's event streams: the sources they hear, the bound on them, and the once-a-second limiter summary. */
final class EventStreams implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventStreams.class);

  /** The route. */
  static final String PATH = "/api/v1/events";
  /** How far (in bytes of queued events) a reader may fall behind before its stream is dropped. */
  static final int MAX_QUEUED_BYTES = 1024 * 1024;
  /** How long a browser waits before it reconnects, in milliseconds (the stream's {@code retry} field). */
  static final int RETRY_MILLIS = 2000;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The decisions counted so far; read once a second. */
  interface DecisionCounts {
    /** Returns the decisions so far with this outcome: allowed, denied or shadow_denied. */
    long count(String outcome);
  }

  private final DecoderPool pool;
  private final @Nullable LimitPlans plans;
  private final DecisionCounts decisions;
  private final int maxStreams;
  private final Set<EventStream> streams = ConcurrentHashMap.newKeySet();
  private final AtomicInteger open = new AtomicInteger();
  private final ScheduledExecutorService ticker;
  private final Subscription subscription;
  private final long[] last = new long[3];
  private volatile boolean closed;

  private static final String[] OUTCOMES = {"allowed", "denied", "shadow_denied"};

  EventStreams(DecoderPool pool, @Nullable LimitPlans plans, DecisionCounts decisions, int maxStreams) {
    this.pool = pool;
    this.plans = plans;
    this.decisions = decisions;
    this.maxStreams = maxStreams;
    for (int i = 0; i < OUTCOMES.length; i++) {
      last[i] = decisions.count(OUTCOMES[i]);
    }
    this.subscription = pool.subscribe(this::onPoolEvent);
    if (plans != null) {
      plans.addListener(new LimitPlansListener() {
        @Override
        public void onPlan(String name, @Nullable RateLimitPolicy policy) {
          if (!streams.isEmpty()) {
            broadcast("plan", policy == null ? removed("name", name) : PlanRoutes.json(name, policy));
          }
        }

        @Override
        public void onReload() {
          if (!streams.isEmpty()) {
            broadcast("snapshot", snapshot());
          }
        }
      });
    }
    this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "coordinator-events");
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
  }

  /** Returns how many streams are open. */
  int count() {
    return open.get();
  }

  /**
   * Opens a stream on this request, or answers 503 when {@code maxStreams} are open or the coordinator
   * stops. The stream lasts until its reader goes, falls behind, or {@link #close()}.
   */
  void open(Request request, Response response, Callback callback) {
    if (closed || open.incrementAndGet() > maxStreams) {
      if (!closed) {
        open.decrementAndGet();
      }
      String detail = closed ? "the coordinator is shutting down"
          : "too many event streams are open (EVENT_STREAMS " + maxStreams + "); try again later";
      OperatorRoutes.problem(request, response, callback, 503, detail, Map.of("Retry-After", "5"));
      return;
    }
    response.setStatus(200);
    response.getHeaders().put("Content-Type", "text/event-stream; charset=utf-8");
    response.getHeaders().put("Cache-Control", "no-store");
    response.getHeaders().put("X-Accel-Buffering", "no");
    EventStream[] self = new EventStream[1];
    EventStream stream = new EventStream(request, response, callback, MAX_QUEUED_BYTES, () -> {
      if (streams.remove(self[0])) {
        open.decrementAndGet();
      }
    });
    self[0] = stream;
    streams.add(stream); // before the snapshot is read: a change from now on is queued behind it
    byte[] retry = ("retry: " + RETRY_MILLIS + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] first = frame("snapshot", snapshot());
    byte[] start = new byte[retry.length + first.length];
    System.arraycopy(retry, 0, start, 0, retry.length);
    System.arraycopy(first, 0, start, retry.length, first.length);
    stream.start(start);
    if (closed) {
      stream.close();
    }
  }

  /** Ends every stream and stops the ticker; new streams get 503. Idempotent. */
  @Override
  public void close() {
    closed = true;
    subscription.close();
    ticker.shutdownNow();
    for (EventStream s : streams) {
      s.close();
    }
  }

  private void onPoolEvent(PoolEvent event) {
    if (streams.isEmpty()) {
      return;
    }
    if (event instanceof PoolEvent.NodeRemoved || event instanceof PoolEvent.NodeEvicted) {
      broadcast("removed", removed("node_id", ((PoolEvent.NodeEvent) event).nodeId()));
    } else if (event instanceof PoolEvent.NodeEvent n) {
      Optional<NodeView> view = pool.node(n.nodeId());
      if (view.isPresent()) {
        broadcast("node", PoolJson.writeView(view.get()));
      } else {
        broadcast("removed", removed("node_id", n.nodeId()));
      }
    } else if (event instanceof PoolEvent.AbTestPut put) {
      broadcast("abtest", abTest(put.abTest()));
    } else if (event instanceof PoolEvent.AbTestRemoved gone) {
      broadcast("abtest", removed("name", gone.name()));
    } else if (event instanceof PoolEvent.Reloaded) {
      broadcast("snapshot", snapshot());
    }
  }

  private void tick() {
    try {
      ObjectNode o = Http.object();
      for (int i = 0; i < OUTCOMES.length; i++) {
        long now = decisions.count(OUTCOMES[i]);
        o.put(OUTCOMES[i], Math.max(0, now - last[i]));
        last[i] = now;
      }
      if (!streams.isEmpty()) {
        broadcast("limiter", o);
      }
    } catch (RuntimeException e) {
      LOG.warn("the event streams' limiter summary failed: {}", e.toString()); // at most once a second
    }
  }

  private void broadcast(String event, ObjectNode data) {
    broadcast(event, write(data));
  }

  private void broadcast(String event, String data) {
    byte[] frame = frame(event, data);
    for (EventStream s : streams) {
      s.offer(frame);
    }
  }

  /** The whole state, as the first event of a stream. */
  String snapshot() {
    ObjectNode o;
    try {
      o = (ObjectNode) MAPPER.readTree(PoolJson.writeViews(pool.nodes()));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    ArrayNode tests = o.putArray("ab_tests");
    pool.abTests().forEach(t -> tests.add(abTestNode(t)));
    ArrayNode list = o.putArray("plans");
    if (plans != null) {
      for (Map.Entry<String, RateLimitPolicy> e : plans.plans().entrySet()) {
        list.add(PlanRoutes.json(e.getKey(), e.getValue()));
      }
    }
    return write(o);
  }

  private static byte[] frame(String event, String data) {
    return ("event: " + event + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  private static ObjectNode removed(String field, String value) {
    ObjectNode o = Http.object();
    o.put(field, value);
    o.put("removed", true);
    return o;
  }

  private static String abTest(AbTest t) {
    return write(abTestNode(t));
  }

  private static ObjectNode abTestNode(AbTest t) {
    ObjectNode o = Http.object();
    o.put("name", t.name());
    o.put("is_active", t.active());
    o.put("language_pair", t.languagePair());
    o.put("traffic_percentage", t.trafficPercentage());
    ArrayNode c = o.putArray("control_group_tags");
    t.controlGroupTags().forEach(c::add);
    ArrayNode x = o.putArray("experiment_group_tags");
    t.experimentGroupTags().forEach(x::add);
    return o;
  }

  private static String write(ObjectNode o) {
    try {
      return MAPPER.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
