package io.github.switchboard.examples.coordinator;

import io.github.switchboard.pool.RoutingRequest;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.LimitPlans;
import io.github.switchboard.ratelimit.RateLimitHeaders;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/*
 * The checks a client request passes before it is served, shared by POST /api/v1/route and
 * POST /api/v1/decode so that both answer them alike and draw from one limit per key:
 *
 *   identify: X-API-Key (401), X-Source-Language / X-Target-Language (400), X-Region (400)
 *   admit:    the key budget without API_KEYS_FILE (429, Retry-After until a place frees, at most 60 s),
 *             the rate limit (429 with the RateLimit fields of the key's plan, or of the default
 *             policy); once admitted, the RateLimit fields are set on the answer. A shadow plan's
 *             decisions are allowed: never a 429.
 *             Every 429 is the problem type quota-exceeded with violated-policies: the limit the
 *             RateLimit field reports, or "api-keys" for the key budget.
 *
 * A caller may run checks of its own between the two (decode checks X-Domain), so that every malformed
 * request is refused before it costs the key anything. Each method answers the refusal itself and
 * returns null.
 */
/** The API key, language and rate-limit checks of the client routes. */
final class Admission {
  static final Map<String, String> API_KEY_CHALLENGE =
      Map.of("WWW-Authenticate", "ApiKey realm=\"switchboard\", header=\"X-API-Key\"");

  /** A request that passed {@link #identify}: the SHA-256 of its key and what it asks of the pool. */
  record Client(String digest, RoutingRequest request) {}

  /** The name {@code violated-policies} gives the key budget (it has no {@code RateLimit-Policy} field). */
  static final String KEY_BUDGET_POLICY = "api-keys";

  private final RateLimiter limiter;
  private final LimitPlans plans;
  private final RateLimitPolicy policy;
  private final @Nullable Set<String> apiKeyDigests;
  private final @Nullable KeyBudget keyBudget;
  private final long maxApiKeys;

  Admission(RateLimiter limiter, LimitPlans plans, CoordinatorConfig config) {
    this.limiter = limiter;
    this.plans = plans;
    this.policy = limiter.policy();
    this.apiKeyDigests = config.apiKeyDigests();
    this.maxApiKeys = config.maxApiKeys();
    this.keyBudget = apiKeyDigests != null ? null
        : new KeyBudget(maxApiKeys, config.fleet().apiKeyIdle(), System::nanoTime);
  }

  /** Checks the key and the language and region headers; answers 401 or 400 and returns null if one fails. */
  @Nullable Client identify(Exchange ex) throws IOException {
    String key = Http.header(ex, "X-API-Key");
    if (key == null) {
      Http.problem(ex, 401, "the X-API-Key header is required", API_KEY_CHALLENGE);
      return null;
    }
    String client = Http.sha256Hex(key);
    Set<String> accepted = apiKeyDigests;
    if (accepted != null && !accepted.contains(client)) {
      Http.problem(ex, 401, "the X-API-Key is not accepted", API_KEY_CHALLENGE);
      return null;
    }
    String source = Http.header(ex, "X-Source-Language");
    String target = Http.header(ex, "X-Target-Language");
    if (source == null || target == null) {
      Http.problem(ex, 400, (source == null ? "X-Source-Language" : "X-Target-Language")
          + " is required: the language code of the " + (source == null ? "source" : "target")
          + " text, such as 'en'");
      return null;
    }
    RoutingRequest request;
    try {
      request = RoutingRequest.of(source, target);
    } catch (IllegalArgumentException e) {
      String msg = String.valueOf(e.getMessage());
      String header = msg.startsWith("target") ? "X-Target-Language" : "X-Source-Language";
      Http.problem(ex, 400, header + ": " + msg);
      return null;
    }
    String region = Http.header(ex, "X-Region");
    if (region != null) {
      try {
        request = request.preferRegion(region);
      } catch (IllegalArgumentException e) {
        Http.problem(ex, 400, "X-Region: " + e.getMessage());
        return null;
      }
    }
    return new Client(client, request);
  }

  /**
   * Counts the request against its key: answers 429 and returns false if the key is over its limit (or
   * past the key budget); otherwise sets the RateLimit fields on the answer and returns true.
   */
  boolean admit(Exchange ex, Client client) throws IOException {
    KeyBudget budget = keyBudget;
    long wait = budget == null ? 0 : budget.admit(client.digest(), ex.clientAddress());
    if (budget != null && wait > 0) {
      long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(wait + 999_999_999L));
      Http.quotaExceeded(ex, "too many distinct API keys in use (the bound is " + maxApiKeys
          + ", MAX_API_KEYS) and this address holds the most; a new key is admitted once a key has been"
          + " unseen for " + budget.idleSeconds() + " s", List.of(KEY_BUDGET_POLICY),
          Map.of("Retry-After", Long.toString(seconds)));
      return false;
    }
    Decision decision = limiter.tryAcquire(client.digest());
    // the key's plan's policy, as the limiter decided under it (a shadow plan's decision is allowed)
    RateLimitPolicy applied = plans.policyOf(client.digest());
    Map<String, String> fields = RateLimitHeaders.of(decision, applied == null ? policy : applied);
    if (!decision.allowed()) {
      Http.quotaExceeded(ex, "this API key is over its limit of " + decision.limit() + " requests per "
          + window(decision) + "; retry after " + fields.get(RateLimitHeaders.RETRY_AFTER) + " s",
          List.of(reported(fields.get(RateLimitHeaders.RATELIMIT))), fields);
      return false;
    }
    fields.forEach(ex::setHeader);
    return true;
  }

  /** The name of the limit a RateLimit field reports: {@code 1m} of {@code "1m";r=0;t=42}. */
  private static String reported(String rateLimit) {
    int end = rateLimit.indexOf('"', 1);
    return end > 1 ? rateLimit.substring(1, end) : rateLimit;
  }

  private static String window(Decision d) {
    long seconds = d.window().toSeconds();
    if (seconds == 3600) {
      return "hour";
    }
    if (seconds == 60) {
      return "minute";
    }
    return d.window().toString();
  }
}
