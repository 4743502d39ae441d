package io.github.switchboard.examples.coordinator;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.cache.TranslationCache;
import io.github.switchboard.cache.TranslationCaches;
import io.github.switchboard.cache.TranslationKey;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.RoutingRequest;
import io.github.switchboard.pool.Selection;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * POST /api/v1/decode: the pool, the cache and the limiter on one path.
 *
 * On the worker that delivered the body (in this order, so that a malformed request costs the key
 * nothing): the body (413, 408), the key and the language headers (Admission: 401, 400), X-Domain (400),
 * the key budget and the rate limit (Admission: 429). Then, without holding the worker:
 *
 *   cache.getOrLoadAsync(key, loader)   key = languages + X-Domain + the body (the model is not known)
 *     loader: pool.select(request) as POST /api/v1/route does (503 when no node serves the pair), then
 *             NodeClient: the node, then once its first alternative (502, 504)
 *
 * and the answer is written from whichever thread completes it. The cache runs one load per key across
 * every coordinator on the Redis, so identical concurrent decodes reach the nodes once; a failed load
 * caches nothing. X-Cache is MISS when this request's loader ran (it asked a node), HIT when the answer
 * came without one (from the cache, or from an identical decode in flight here or on another coordinator).
 * The cached value keeps the node's Content-Type with the body (NodeAnswer).
 *
 * Time: one deadline, DECODE_TIMEOUT_MS from the arrival. NodeClient bounds its attempts by it, and the
 * whole wait (for another coordinator's load, for Redis) is bounded by it too: past it, 504. The
 * connection's idle timeout does not cut the wait short: Jetty applies it to a request only while a read
 * or a write is pending (CoordinatorDecodeTest.aDecodeLongerThanTheIdleTimeoutIsStillAnswered). The
 * cache's load timeout (after which another coordinator may load a key whose loader has gone quiet) is
 * DECODE_TIMEOUT_MS plus LEASE_MARGIN, so a live load, which never outlives its deadline, is never
 * duplicated.
 *
 * Without Redis the cache lives in this process (CACHE_NEAR_SIZE results); with CACHE_ENABLED=false there
 * is no cache and every decode goes to a node (X-Cache: MISS). Nothing is logged per request.
 */
/** The coordinator's decode path: limit, cache, forward. */
final class DecodeHandler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DecodeHandler.class);

  static final String PATH = "/api/v1/decode";
  /** The cache's name: its Redis keys start with {@code switchboard:cache:decode:}. */
  static final String CACHE_NAME = "decode";
  /** The request headers passed on to the node (X-API-Key is not). */
  static final List<String> PASSED_ON =
      List.of("Content-Type", "X-Source-Language", "X-Target-Language", "X-Domain", "X-Region");

  private static final Duration LEASE_MARGIN = Duration.ofSeconds(2);
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  private final DecoderPool pool;
  private final Admission admission;
  private final @Nullable TranslationCache cache;
  private final NodeClient nodes;
  private final long timeoutNanos;

  private DecodeHandler(DecoderPool pool, Admission admission, @Nullable TranslationCache cache,
      NodeClient nodes, Duration timeout) {
    this.pool = pool;
    this.admission = admission;
    this.cache = cache;
    this.nodes = nodes;
    this.timeoutNanos = timeout.toNanos();
  }

  /**
   * Builds the cache (on the coordinator's Redis, or in this process without one; none when disabled) and
   * the client to the nodes.
   */
  static DecodeHandler create(DecoderPool pool, Admission admission, CoordinatorConfig config,
      CircuitBreakerRegistry breakers) {
    DecodeConfig settings = config.decode();
    TranslationCache cache = null;
    if (settings.cacheEnabled()) {
      TranslationCaches.Builder b = TranslationCaches.builder(CACHE_NAME)
          .timeToLive(settings.cacheTtl())
          .nearCacheSize(settings.cacheNearSize())
          .loadTimeout(settings.timeout().plus(LEASE_MARGIN))
          .circuitBreakerRegistry(breakers);
      RedisTarget redis = config.redis();
      if (redis != null) {
        b.redis(redis);
      }
      cache = b.build();
    }
    NodeClient client = new NodeClient(settings.timeout(), config.fleet().nodeNetworks());
    return new DecodeHandler(pool, admission, cache, client, settings.timeout());
  }

  /** The decode cache, or null when CACHE_ENABLED is false. */
  @Nullable TranslationCache cache() {
    return cache;
  }

  /** Whether the cache answers from Redis (always true without Redis or without a cache). */
  BackendState backendState() {
    return cache == null ? BackendState.PRIMARY : cache.backendState();
  }

  /**
   * Serves one decode: the checks now, on the calling worker; the cache and the nodes asynchronously.
   *
   * @return completes once the answer is written
   */
  CompletionStage<Void> handle(Exchange ex) throws IOException {
    long deadline = System.nanoTime() + timeoutNanos;
    byte[] body;
    try {
      body = ex.bodyBytes();
    } catch (Http.BodyRefused e) {
      ex.setHeader("Connection", "close");
      Http.problem(ex, e.status, e.getMessage());
      return DONE;
    }
    Admission.Client client = admission.identify(ex);
    if (client == null) {
      return DONE;
    }
    RoutingRequest request = client.request();
    TranslationKey key;
    try {
      TranslationKey.Builder kb =
          TranslationKey.builder(request.sourceLanguage(), request.targetLanguage(), body);
      String domain = Http.header(ex, "X-Domain");
      if (domain != null) {
        kb.domain(domain);
      }
      key = kb.build();
    } catch (IllegalArgumentException e) {
      Http.problem(ex, 400, "X-Domain: " + e.getMessage());
      return DONE;
    }
    if (!admission.admit(ex, client)) {
      return DONE;
    }
    NodeClient.Call call = new NodeClient.Call(body, passedOn(ex));
    AtomicBoolean asked = new AtomicBoolean(); // whether this request's loader ran: X-Cache MISS
    CompletionStage<NodeAnswer> answer = cache == null
        ? forward(request, call, deadline, asked)
        : cached(cache, key, request, call, deadline, asked);
    long left = Math.max(1, deadline - System.nanoTime());
    return answer.toCompletableFuture()
        .orTimeout(left, TimeUnit.NANOSECONDS)
        .handle((a, error) -> a != null ? ok(ex, a, asked.get()) : failed(ex, error))
        .thenCompose(written -> written);
  }

  private CompletionStage<NodeAnswer> cached(TranslationCache c, TranslationKey key, RoutingRequest request,
      NodeClient.Call call, long deadline, AtomicBoolean asked) {
    return c.getOrLoadAsync(key, k -> forward(request, call, deadline, asked).thenApply(NodeAnswer::encode))
        .thenCompose(value -> {
          NodeAnswer a = NodeAnswer.decode(value);
          if (a != null) {
            return CompletableFuture.completedFuture(a);
          }
          // not written by this version of the coordinator: ask a node and replace it
          return forward(request, call, deadline, asked).thenApply(fresh -> {
            c.putAsync(key, fresh.encode());
            return fresh;
          });
        });
  }

  /** Selects a node as the route endpoint does and sends the call (the node, then one alternative). */
  private CompletableFuture<NodeAnswer> forward(RoutingRequest request, NodeClient.Call call, long deadline,
      AtomicBoolean asked) {
    asked.set(true);
    Optional<Selection> selection = pool.select(request);
    if (selection.isEmpty()) {
      return CompletableFuture.failedFuture(new NodeClient.Failure(503, "no decoder node can serve "
          + request.sourceLanguage() + " -> " + request.targetLanguage() + " now"));
    }
    return nodes.decode(selection.get(), call, deadline);
  }

  private static CompletableFuture<Void> ok(Exchange ex, NodeAnswer a, boolean asked) {
    ex.setHeader("X-Cache", asked ? "MISS" : "HIT");
    return ex.respondLater(200, a.contentType(), a.body());
  }

  private CompletableFuture<Void> failed(Exchange ex, Throwable error) {
    Throwable cause = NodeClient.unwrap(error);
    if (cause instanceof NodeClient.Failure f) {
      return Http.problemLater(ex, f.status, String.valueOf(f.getMessage()), f.headers);
    }
    if (cause instanceof TimeoutException) {
      return Http.problemLater(ex, 504, "no answer within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
          + " ms (DECODE_TIMEOUT_MS)", Map.of());
    }
    LOG.warn("unexpected error serving a decode", cause);
    return Http.problemLater(ex, 500, "unexpected error: " + cause.getClass().getSimpleName(), Map.of());
  }

  private static List<String> passedOn(Exchange ex) {
    List<String> headers = new ArrayList<>(PASSED_ON.size() * 2);
    for (String name : PASSED_ON) {
      String v = Http.header(ex, name);
      if (v != null) {
        headers.add(name);
        headers.add(v);
      }
    }
    return headers;
  }

  /** Closes the cache and stops the client to the nodes. */
  @Override
  public void close() {
    try {
      if (cache != null) {
        cache.close();
      }
    } finally {
      nodes.close();
    }
  }
}
