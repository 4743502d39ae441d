package io.github.switchboard.examples.coordinator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.LimitPlans;
import io.github.switchboard.ratelimit.PlanWriteException;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.UnknownPlanException;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Limits as data (API.md, "Limits as data: plans and shadow mode"): the plans and key assignments of the
 * coordinator's LimitPlans, which its rate limiter follows (and every coordinator on the same Redis within
 * 1 s). ApiHandler checks the method and the Bearer token and reads the body; this class parses, writes and
 * answers:
 *
 *   PUT    /api/v1/plans/{name}        {"algorithm", "limits": ["60/1m"], "shadow"} -> 200 the plan, 400
 *   GET    /api/v1/plans               -> 200 {"plans": [...]}
 *   DELETE /api/v1/plans/{name}        -> 204 (its keys go back to the default policy)
 *   PUT    /api/v1/keys/{api_key}/plan {"plan": "free"} -> 204, 404 unknown plan
 *   DELETE /api/v1/keys/{api_key}/plan -> 204
 *
 * A write Redis does not take (PlanWriteException) is 503. The raw API key of a path is reduced to its
 * SHA-256 digest at once, as Admission does: the digest is the limiter's key, and the only form stored.
 * Plan changes are operator actions and logged at INFO (the plan's name, never a key).
 */
/** The plan and key-assignment routes of the coordinator. */
final class PlanRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(PlanRoutes.class);

  static final String PLANS = "/api/v1/plans";
  static final String KEYS = "/api/v1/keys";
  static final String KEY_PLAN = "/plan";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern LIMIT = Pattern.compile("([0-9]{1,10})/([0-9]{1,6})([smhd])");
  private static final Set<String> PLAN_FIELDS = Set.of("algorithm", "limits", "shadow");
  private static final long WRITE_TIMEOUT_SECONDS = 10;
  private static final long[] UNIT_SECONDS = {86_400, 3600, 60, 1};
  private static final String[] UNITS = {"d", "h", "m", "s"};

  private final LimitPlans plans;

  PlanRoutes(LimitPlans plans) {
    this.plans = plans;
  }

  /** GET /api/v1/plans. */
  void list(Exchange ex) throws IOException {
    ObjectNode o = Http.object();
    ArrayNode list = o.putArray("plans");
    plans.plans().forEach((name, policy) -> list.add(json(name, policy)));
    Http.sendJson(ex, 200, o);
  }

  /** PUT /api/v1/plans/{name}. */
  void put(Exchange ex, String name, String body) throws IOException {
    RateLimitPolicy policy;
    try {
      policy = parsePolicy(body);
    } catch (IllegalArgumentException e) {
      Http.problem(ex, 400, "invalid plan: " + e.getMessage());
      return;
    }
    if (write(ex, () -> plans.putPlanAsync(name, policy))) {
      LOG.info("plan {} set: {}", name, policy);
      Http.sendJson(ex, 200, json(name, policy));
    }
  }

  /** DELETE /api/v1/plans/{name}. */
  void remove(Exchange ex, String name) throws IOException {
    if (write(ex, () -> plans.removePlanAsync(name))) {
      LOG.info("plan {} removed", name);
      Http.sendEmpty(ex, 204);
    }
  }

  /** PUT /api/v1/keys/{api_key}/plan. */
  void assign(Exchange ex, String apiKey, String body) throws IOException {
    String plan;
    try {
      JsonNode o = object(body);
      unknownFields(o, Set.of("plan"));
      JsonNode p = o.get("plan");
      if (p == null || !p.isTextual()) {
        throw new IllegalArgumentException("plan is required: the name of a plan, such as \"free\"");
      }
      plan = p.asText();
    } catch (IllegalArgumentException e) {
      Http.problem(ex, 400, "invalid assignment: " + e.getMessage());
      return;
    }
    String key = Http.sha256Hex(apiKey);
    if (write(ex, () -> plans.assignAsync(key, plan))) {
      Http.sendEmpty(ex, 204);
    }
  }

  /** DELETE /api/v1/keys/{api_key}/plan. */
  void unassign(Exchange ex, String apiKey) throws IOException {
    String key = Http.sha256Hex(apiKey);
    if (write(ex, () -> plans.unassignAsync(key))) {
      Http.sendEmpty(ex, 204);
    }
  }

  /**
   * Runs a write and waits for it: answers 400 for a bad argument, 404 for an unknown plan, 503 when Redis
   * does not take it or it takes too long, and returns false; true once it is applied here.
   */
  private static boolean write(Exchange ex, Supplier<CompletionStage<Void>> change) throws IOException {
    Throwable failure;
    try {
      change.get().toCompletableFuture().get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Http.problem(ex, 503, "the coordinator is shutting down", Map.of("Retry-After", "1"));
      return false;
    } catch (TimeoutException e) {
      Http.problem(ex, 503, "the plans did not store the change within " + WRITE_TIMEOUT_SECONDS + " s");
      return false;
    } catch (ExecutionException e) {
      failure = e.getCause() == null ? e : e.getCause();
    } catch (RuntimeException e) {
      failure = e;
    }
    if (failure instanceof UnknownPlanException) {
      Http.problem(ex, 404, String.valueOf(failure.getMessage()));
    } else if (failure instanceof IllegalArgumentException) {
      Http.problem(ex, 400, String.valueOf(failure.getMessage()));
    } else if (failure instanceof PlanWriteException) {
      LOG.warn("a plan change was not stored: {}", failure.toString());
      Http.problem(ex, 503, "the change was not stored, Redis did not take it: " + failure.getMessage());
    } else {
      LOG.warn("a plan change failed", failure);
      Http.problem(ex, 500, "the change failed: " + failure.getClass().getSimpleName());
    }
    return false;
  }

  /** Parses a plan's body; throws IllegalArgumentException naming the bad field. */
  static RateLimitPolicy parsePolicy(String body) {
    JsonNode o = object(body);
    unknownFields(o, PLAN_FIELDS);
    RateLimitPolicy.Builder b = RateLimitPolicy.builder();
    JsonNode algorithm = o.get("algorithm");
    if (algorithm != null) {
      Algorithm a = Arrays.stream(Algorithm.values()).filter(v -> algorithm.isTextual()
          && v.name().equals(algorithm.asText())).findFirst().orElseThrow(() -> new IllegalArgumentException(
              "algorithm must be one of " + Arrays.toString(Algorithm.values()) + ", was " + algorithm));
      b.algorithm(a);
    }
    JsonNode shadow = o.get("shadow");
    if (shadow != null) {
      if (!shadow.isBoolean()) {
        throw new IllegalArgumentException("shadow must be true or false, was " + shadow);
      }
      b.shadow(shadow.asBoolean());
    }
    JsonNode limits = o.get("limits");
    if (limits == null || !limits.isArray() || limits.isEmpty()) {
      throw new IllegalArgumentException(
          "limits is required: a non-empty array of COUNT/DURATION such as [\"60/1m\", \"1000/1h\"]");
    }
    for (int i = 0; i < limits.size(); i++) {
      JsonNode l = limits.get(i);
      Matcher m = LIMIT.matcher(l.isTextual() ? l.asText() : "");
      String field = "limits[" + i + "]";
      if (!m.matches()) {
        throw new IllegalArgumentException(field + " must be COUNT/DURATION with a unit of s, m, h or d, such as"
            + " \"60/1m\", was " + l);
      }
      long seconds = Long.parseLong(m.group(2)) * UNIT_SECONDS[Arrays.asList(UNITS).indexOf(m.group(3))];
      try {
        b.limit(Long.parseLong(m.group(1)), Duration.ofSeconds(seconds));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
      }
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("limits: " + e.getMessage(), e);
    }
  }

  /** A plan as the routes answer it. */
  static ObjectNode json(String name, RateLimitPolicy policy) {
    ObjectNode o = Http.object();
    o.put("name", name);
    o.put("algorithm", policy.algorithm().name());
    ArrayNode limits = o.putArray("limits");
    policy.limits().forEach(l -> limits.add(l.count() + "/" + duration(l.window())));
    o.put("shadow", policy.shadow());
    return o;
  }

  /** A window in the largest of d, h, m, s that divides it (ms for a window of a fraction of a second). */
  private static String duration(Duration window) {
    if (window.getNano() == 0) {
      long seconds = window.getSeconds();
      for (int i = 0; i < UNITS.length; i++) {
        if (seconds % UNIT_SECONDS[i] == 0) {
          return seconds / UNIT_SECONDS[i] + UNITS[i];
        }
      }
    }
    return window.toMillis() + "ms";
  }

  private static JsonNode object(String body) {
    JsonNode o;
    try {
      o = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the body must be a JSON object: " + e.getOriginalMessage(), e);
    }
    if (o == null || !o.isObject()) {
      throw new IllegalArgumentException("the body must be a JSON object");
    }
    return o;
  }

  private static void unknownFields(JsonNode o, Set<String> known) {
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        throw new IllegalArgumentException(f.length() > 64 ? "unknown field" : f + " is not a known field; known: "
            + known);
      }
    }
  }
}
