package io.github.switchboard.examples.coordinator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeNetworks;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.NodeView;
import io.github.switchboard.pool.PoolFormatException;
import io.github.switchboard.pool.PoolJson;
import io.github.switchboard.pool.Selection;
import io.github.switchboard.ratelimit.LimitPlans;
import io.github.switchboard.ratelimit.RateLimiter;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The coordinator HTTP API (API.md, "The coordinator HTTP API"): one handler for every path, which
 * matches paths exactly in dispatch ("/health" never takes "/healthz"). It runs on a worker thread of
 * the Jetty server (HttpServerFactory) once the request's body has been read in full. Every route answers
 * before handle returns, except POST /api/v1/decode (DecodeHandler), which waits for the cache and the
 * nodes without the worker: handle returns a stage that completes once its answer is written, and the
 * request counts as in flight until then.
 *
 * Security notes (the original's defect 13):
 * - every write (register, deregister, heartbeat, the plan and key-plan changes of PlanRoutes) needs the
 *   Bearer token; the token is compared as SHA-256
 *   digests with MessageDigest.isEqual, so the time taken does not depend on how much of it matched, nor
 *   on its length; there is no state in which a missing or failing check lets a write through;
 * - the health checks poll only endpoints registered by a holder of the token;
 * - an API key is reduced to its SHA-256 digest on arrival: the digest is what API_KEYS_FILE holds and
 *   what the rate limiter uses as its key, so no raw key reaches Redis or a log.
 * Nothing is logged per request; registrations and removals (state changes) are logged at INFO.
 */
final class ApiHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);

  static final String DECODERS = "/api/v1/decoders";
  static final String ROUTE = "/api/v1/route";
  static final String DECODE = DecodeHandler.PATH;
  static final String HEALTH = "/health";

  private static final long WRITE_TIMEOUT_SECONDS = 10;
  private static final Map<String, String> BEARER_CHALLENGE =
      Map.of("WWW-Authenticate", "Bearer realm=\"switchboard\"");
  private static final Map<String, String> INVALID_TOKEN_CHALLENGE =
      Map.of("WWW-Authenticate", "Bearer realm=\"switchboard\", error=\"invalid_token\"");
  private static final ObjectMapper STATUS_READER = new ObjectMapper();
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  private final DecoderPool pool;
  private final RateLimiter limiter;
  private final MetricsEndpoint metrics;
  private final Admission admission;
  private final DecodeHandler decode;
  private final PlanRoutes plans;
  private final LimitPlans limitPlans;
  private final byte[] tokenDigest;
  private final boolean redisConfigured;
  private final NodeNetworks nodeNetworks;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean stopping;

  ApiHandler(DecoderPool pool, RateLimiter limiter, CoordinatorConfig config, MetricsEndpoint metrics,
      Admission admission, DecodeHandler decode, LimitPlans limitPlans) {
    this.pool = pool;
    this.limitPlans = limitPlans;
    this.plans = new PlanRoutes(limitPlans);
    this.limiter = limiter;
    this.metrics = metrics;
    this.admission = admission;
    this.decode = decode;
    this.tokenDigest = Http.sha256(config.apiToken());
    this.redisConfigured = config.redis() != null;
    this.nodeNetworks = config.fleet().nodeNetworks();
  }

  /** The path as dispatch matches it: one trailing slash dropped ("/api/v1/route/" is "/api/v1/route"). */
  static String route(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  /** Makes new requests get 503 from now on. */
  void stopAccepting() {
    stopping = true;
  }

  /** Returns how many requests are being served. */
  int inFlight() {
    return inFlight.get();
  }

  /**
   * Serves one request (on a worker thread, with its body already read).
   *
   * @return completes once the answer is written: at once for every route but the decode
   */
  CompletionStage<Void> handle(Exchange ex) throws IOException {
    inFlight.incrementAndGet();
    CompletionStage<Void> later = null;
    try {
      if (stopping) {
        ex.setHeader("Connection", "close");
        Http.problem(ex, 503, "the coordinator is shutting down", Map.of("Retry-After", "1"));
        return DONE;
      }
      later = dispatch(ex);
      return later == null ? DONE : later.whenComplete((v, e) -> inFlight.decrementAndGet());
    } catch (RuntimeException e) {
      LOG.warn("unexpected error serving {} {}", ex.method(), ex.rawPath(), e);
      if (!ex.responded()) {
        Http.problem(ex, 500, "unexpected error: " + e.getClass().getSimpleName());
      }
      return DONE;
    } finally {
      if (later == null) {
        inFlight.decrementAndGet();
      }
    }
  }

  /** Serves a request; returns null once it is answered, or the stage of an answer still to come. */
  private @Nullable CompletionStage<Void> dispatch(Exchange ex) throws IOException {
    String path = route(ex.path());
    String method = ex.method();
    switch (path) {
      case MetricsEndpoint.PATH -> {
        if (allow(ex, method, "GET")) {
          metrics.serve(ex);
        }
      }
      case HEALTH -> {
        if (allow(ex, method, "GET")) {
          health(ex);
        }
      }
      case ROUTE -> {
        if (allow(ex, method, "POST")) {
          route(ex);
        }
      }
      case DECODE -> {
        if (allow(ex, method, "POST")) {
          return decode.handle(ex);
        }
      }
      case DECODERS -> {
        if (method.equals("GET")) {
          list(ex);
        } else if (allow(ex, method, "POST", "GET")) {
          register(ex);
        }
      }
      case PlanRoutes.PLANS -> {
        if (allow(ex, method, "GET")) {
          plans.list(ex);
        }
      }
      default -> {
        if (path.startsWith(PlanRoutes.PLANS + "/") || path.startsWith(PlanRoutes.KEYS + "/")) {
          planRoute(ex, path, method);
          return null;
        }
        if (!path.startsWith(DECODERS + "/")) {
          Http.problem(ex, 404, "no such resource; see " + DECODERS + ", " + ROUTE + ", " + DECODE + " and "
              + HEALTH);
          return null;
        }
        String[] parts = path.substring(DECODERS.length() + 1).split("/", -1);
        if (parts.length == 1) {
          if (method.equals("GET")) {
            get(ex, parts[0]);
          } else if (allow(ex, method, "DELETE", "GET")) {
            deregister(ex, parts[0]);
          }
        } else if (parts.length == 2 && parts[1].equals("heartbeat")) {
          if (allow(ex, method, "PUT")) {
            heartbeat(ex, parts[0]);
          }
        } else if (parts.length == 2 && parts[1].equals("status")) {
          if (allow(ex, method, "PUT")) {
            status(ex, parts[0]);
          }
        } else {
          Http.problem(ex, 404, "no such resource");
        }
      }
    }
    return null;
  }

  /** Answers 405 unless the method is the first allowed one (the others are handled by the caller). */
  private static boolean allow(Exchange ex, String method, String expected, String... others)
      throws IOException {
    if (method.equals(expected)) {
      return true;
    }
    String allowed = others.length == 0 ? expected : expected + ", " + String.join(", ", others);
    Http.problem(ex, 405, "method " + method + " is not allowed here; allowed: " + allowed,
        Map.of("Allow", allowed));
    return false;
  }

  // ----------------------------------------------------------------------------------------- decoders

  private void list(Exchange ex) throws IOException {
    Http.send(ex, 200, Http.JSON, PoolJson.writeViews(pool.nodes()));
  }

  private void get(Exchange ex, String id) throws IOException {
    if (!validId(ex, id)) {
      return;
    }
    Optional<NodeView> view = pool.node(id);
    if (view.isEmpty()) {
      Http.problem(ex, 404, "no decoder node with this node_id");
      return;
    }
    Http.send(ex, 200, Http.JSON, PoolJson.writeView(view.get()));
  }

  private void register(Exchange ex) throws IOException {
    if (!authorized(ex)) {
      return;
    }
    String body = body(ex);
    if (body == null) {
      return;
    }
    DecoderNode node;
    try {
      node = PoolJson.readNode(body);
    } catch (PoolFormatException e) {
      Http.problem(ex, 400, "invalid decoder node: " + e.getMessage());
      return;
    }
    String outside = outsideNetworks(node);
    if (outside != null) {
      Http.problem(ex, 400, "invalid decoder node: " + outside);
      return;
    }
    Boolean created = await(ex, pool.registerAsync(node));
    if (created == null) {
      return;
    }
    if (created) {
      LOG.info("registered decoder node {}", node.nodeId());
    }
    ex.setHeader("Location", DECODERS + "/" + node.nodeId());
    String json = pool.node(node.nodeId()).map(PoolJson::writeView).orElseGet(() -> PoolJson.writeNode(node));
    Http.send(ex, created ? 201 : 200, Http.JSON, json);
  }

  private void deregister(Exchange ex, String id) throws IOException {
    if (!authorized(ex)) {
      return;
    }
    if (!validId(ex, id)) {
      return;
    }
    Boolean removed = await(ex, pool.deregisterAsync(id));
    if (removed == null) {
      return;
    }
    if (!removed) {
      Http.problem(ex, 404, "no decoder node with this node_id");
      return;
    }
    LOG.info("deregistered decoder node {}", id);
    Http.sendEmpty(ex, 204);
  }

  /** PUT /api/v1/decoders/{id}/status {"status": "draining"}: the operator's drain and activate (the console's). */
  private void status(Exchange ex, String id) throws IOException {
    if (!authorized(ex)) {
      return;
    }
    String body = body(ex);
    if (body == null) {
      return;
    }
    NodeStatus status;
    try {
      JsonNode s = STATUS_READER.readTree(body).get("status");
      if (s == null || !s.isTextual()) {
        throw new IllegalArgumentException("the body must be {\"status\": \"active\"|\"draining\"|\"maintenance\"|"
            + "\"inactive\"}");
      }
      status = NodeStatus.fromJson(s.asText());
    } catch (IllegalArgumentException | JsonProcessingException e) {
      Http.problem(ex, 400, "invalid status: " + e.getMessage());
      return;
    }
    if (!validId(ex, id)) {
      return;
    }
    Boolean known = await(ex, pool.setStatusAsync(id, status));
    if (known == null) {
      return;
    }
    if (!known) {
      Http.problem(ex, 404, "no decoder node with this node_id");
      return;
    }
    LOG.info("decoder node {} set {}", id, status.jsonName());
    Http.send(ex, 200, Http.JSON, pool.node(id).map(PoolJson::writeView).orElse("{}"));
  }

  private void heartbeat(Exchange ex, String id) throws IOException {
    if (!authorized(ex)) {
      return;
    }
    String body = body(ex);
    if (body == null) {
      return;
    }
    NodeLoad load;
    try {
      load = body.isBlank() ? NodeLoad.NONE : PoolJson.readLoad(body);
    } catch (PoolFormatException e) {
      Http.problem(ex, 400, "invalid heartbeat: " + e.getMessage());
      return;
    }
    if (!validId(ex, id)) {
      return;
    }
    Boolean known = await(ex, pool.heartbeatAsync(id, load));
    if (known == null) {
      return;
    }
    if (!known) {
      Http.problem(ex, 404, "no decoder node with this node_id; register it first");
      return;
    }
    Http.sendEmpty(ex, 204);
  }

  // -------------------------------------------------------------------------------------------- plans

  /** PUT and DELETE /api/v1/plans/{name}, PUT and DELETE /api/v1/keys/{api_key}/plan. */
  private void planRoute(Exchange ex, String path, String method) throws IOException {
    boolean plan = path.startsWith(PlanRoutes.PLANS + "/");
    String rest = path.substring((plan ? PlanRoutes.PLANS : PlanRoutes.KEYS).length() + 1);
    if (!plan) {
      rest = rest.endsWith(PlanRoutes.KEY_PLAN) ? rest.substring(0, rest.length() - PlanRoutes.KEY_PLAN.length())
          : "";
    }
    if (rest.isEmpty() || (plan && rest.indexOf('/') >= 0)) {
      Http.problem(ex, 404, "no such resource; see " + PlanRoutes.PLANS + "/{name} and " + PlanRoutes.KEYS
          + "/{api_key}/plan");
      return;
    }
    if (!method.equals("DELETE") && !allow(ex, method, "PUT", "DELETE")) {
      return;
    }
    if (!authorized(ex)) {
      return;
    }
    if (method.equals("DELETE")) {
      if (plan) {
        plans.remove(ex, rest);
      } else {
        plans.unassign(ex, rest);
      }
      return;
    }
    String body = body(ex);
    if (body == null) {
      return;
    }
    if (plan) {
      plans.put(ex, rest, body);
    } else {
      plans.assign(ex, rest, body);
    }
  }

  // -------------------------------------------------------------------------------------------- route

  private void route(Exchange ex) throws IOException {
    Admission.Client client = admission.identify(ex);
    if (client == null || !admission.admit(ex, client)) {
      return;
    }
    Optional<Selection> selection = pool.select(client.request());
    if (selection.isEmpty()) {
      Http.problem(ex, 503, "no decoder node can serve " + client.request().sourceLanguage() + " -> "
          + client.request().targetLanguage() + " now");
      return;
    }
    DecoderNode node = selection.get().node();
    ObjectNode o = Http.object();
    o.put("node_id", node.nodeId());
    o.put("endpoint", node.endpoint().toString());
    Http.sendJson(ex, 200, o);
  }

  // ------------------------------------------------------------------------------------------- health

  private void health(Exchange ex) throws IOException {
    String redis;
    if (!redisConfigured) {
      redis = "NOT_CONFIGURED";
    } else {
      boolean up = pool.backendState() == BackendState.PRIMARY
          && limiter.backendState() == BackendState.PRIMARY
          && decode.backendState() == BackendState.PRIMARY
          && limitPlans.backendState() == BackendState.PRIMARY;
      redis = up ? "UP" : "DOWN";
    }
    ObjectNode o = Http.object();
    o.put("status", "UP");
    o.put("redis", redis);
    Http.sendJson(ex, 200, o);
  }

  // ------------------------------------------------------------------------------------------ helpers

  /** Answers 400 naming the rule and returns false if the path's node id breaks it (no node can have it). */
  private static boolean validId(Exchange ex, String id) throws IOException {
    if (DecoderNode.isValidNodeId(id)) {
      return true;
    }
    Http.problem(ex, 400, "invalid node id in the path: " + DecoderNode.NODE_ID_RULE);
    return false;
  }

  /** Why a node's endpoint or health URL lies outside NODE_NETWORKS, or null if both are inside. */
  private @Nullable String outsideNetworks(DecoderNode node) {
    String why = nodeNetworks.refusal(node.endpoint(), "endpoint");
    if (why == null && node.healthUrl().isPresent()) {
      why = nodeNetworks.refusal(node.healthUrl().get(), "health_url");
    }
    return why == null ? null : why + " (NODE_NETWORKS)";
  }

  /** Checks the Bearer token; answers 401 and returns false if it is missing or wrong. */
  private boolean authorized(Exchange ex) throws IOException {
    String auth = Http.header(ex, "Authorization");
    if (auth == null || auth.length() < 7 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      Http.problem(ex, 401, "this request needs the header 'Authorization: Bearer <COORDINATOR_API_TOKEN>'",
          BEARER_CHALLENGE);
      return false;
    }
    byte[] presented = Http.sha256(auth.substring(7).strip());
    if (!MessageDigest.isEqual(presented, tokenDigest)) {
      Http.problem(ex, 401, "the Bearer token is not valid", INVALID_TOKEN_CHALLENGE);
      return false;
    }
    return true;
  }

  /** Returns the body; answers 413 or 408 and returns null if it was too large or did not arrive. */
  private static @Nullable String body(Exchange ex) throws IOException {
    try {
      return ex.body();
    } catch (Http.BodyRefused e) {
      ex.setHeader("Connection", "close");
      Http.problem(ex, e.status, e.getMessage());
      return null;
    }
  }

  /** Waits for a pool write; answers 500 or 503 and returns null if it failed or took too long. */
  private static <T> @Nullable T await(Exchange ex, CompletionStage<T> stage) throws IOException {
    try {
      return stage.toCompletableFuture().get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Http.problem(ex, 503, "the coordinator is shutting down", Map.of("Retry-After", "1"));
    } catch (TimeoutException e) {
      Http.problem(ex, 503, "the pool did not store the change within " + WRITE_TIMEOUT_SECONDS + " s",
          Map.of("Retry-After", "1"));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      LOG.warn("the pool could not store a change: {}", cause.toString());
      Http.problem(ex, 500, "the pool could not store the change: " + cause.getMessage());
    }
    return null;
  }
}
