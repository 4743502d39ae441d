package io.github.switchboard.spring;

import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.LimitPlans;
import io.github.switchboard.ratelimit.RateLimitHeaders;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.http.server.PathContainer;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Limits the requests whose path (within the context path) matches one of the patterns, one limit per key
 * that a {@link HttpRateLimitKeyResolver} gives.
 *
 * <ul>
 *   <li>Allowed: the request goes on, with the {@code RateLimit-Policy} and {@code RateLimit} fields of
 *       {@link RateLimitHeaders} set on its response.
 *   <li>Denied: {@code 429 Too Many Requests} with {@code Retry-After} (whole seconds), the RateLimit
 *       fields and an RFC 9457 {@code application/problem+json} body of the type {@value #QUOTA_EXCEEDED}
 *       ({@code type}, {@code title}, {@code status}, {@code detail}, {@code instance}, and {@code
 *       violated-policies}: the limit that denied, named as {@code RateLimit-Policy} names it, such as
 *       {@code ["1m"]}); the request goes no further.
 *   <li>A key on a plan ({@link LimitPlans}) gets its plan's fields; a shadow policy never answers 429
 *       (its decision is allowed, {@link Decision#shadowDenied()}), so the request goes on.
 *   <li>Other paths, and requests whose resolver gives no key, are not limited.
 * </ul>
 *
 * <p>One decision per request, synchronous (bounded by about twice the Redis command timeout, then the
 * fallback answers). Async dispatches and error dispatches of a limited request are not counted again.
 */
public class RateLimitFilter extends OncePerRequestFilter {

  /** The media type of the 429 body. */
  public static final String PROBLEM_JSON = "application/problem+json";

  /** The problem type of every 429 body (draft-ietf-httpapi-ratelimit-headers). */
  public static final String QUOTA_EXCEEDED = "https://iana.org/assignments/http-problem-types#quota-exceeded";

  private final RateLimiter limiter;
  private final @Nullable LimitPlans plans;
  private final List<PathPattern> patterns;
  private final HttpRateLimitKeyResolver keyResolver;

  /**
   * Creates the filter.
   *
   * @param limiter the limiter
   * @param paths the path patterns to limit, in Spring's {@link PathPattern} syntax ({@code /api/**})
   * @param keyResolver names the client of a request
   * @throws IllegalArgumentException if {@code paths} is empty or a pattern is invalid
   */
  public RateLimitFilter(RateLimiter limiter, List<String> paths, HttpRateLimitKeyResolver keyResolver) {
    this(limiter, null, paths, keyResolver);
  }

  /**
   * Creates the filter for a limiter built with plans: a key's RateLimit fields describe its plan's policy.
   *
   * @param limiter the limiter
   * @param plans the plans the limiter was built with, or null
   * @param paths the path patterns to limit, in Spring's {@link PathPattern} syntax ({@code /api/**})
   * @param keyResolver names the client of a request
   * @throws IllegalArgumentException if {@code paths} is empty or a pattern is invalid
   */
  public RateLimitFilter(RateLimiter limiter, @Nullable LimitPlans plans, List<String> paths,
      HttpRateLimitKeyResolver keyResolver) {
    this.limiter = Objects.requireNonNull(limiter, "limiter");
    this.plans = plans;
    this.keyResolver = Objects.requireNonNull(keyResolver, "keyResolver");
    if (paths.isEmpty()) {
      throw new IllegalArgumentException("paths must name at least one pattern");
    }
    this.patterns = paths.stream().map(p -> PathPatternParser.defaultInstance.parse(p.strip())).toList();
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String uri = request.getRequestURI();
    String context = request.getContextPath();
    String path = context != null && !context.isEmpty() && uri.startsWith(context)
        ? uri.substring(context.length()) : uri;
    PathContainer container = PathContainer.parsePath(path.isEmpty() ? "/" : path);
    for (PathPattern p : patterns) {
      if (p.matches(container)) {
        return false;
      }
    }
    return true;
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String key = keyResolver.resolve(request);
    if (key == null) {
      chain.doFilter(request, response);
      return;
    }
    Decision decision;
    try {
      decision = limiter.tryAcquire(key);
    } catch (IllegalArgumentException e) {
      // only a resolver of the application's can give a key the limiter refuses (too long, ...)
      problem(request, response, 400, "the request's rate limit key is not valid: " + e.getMessage());
      return;
    }
    LimitPlans p = plans;
    RateLimitPolicy planPolicy = p == null ? null : p.policyOf(key);
    Map<String, String> fields = RateLimitHeaders.of(decision, planPolicy == null ? limiter.policy() : planPolicy);
    fields.forEach(response::setHeader);
    if (decision.allowed()) { // a shadow policy's decision always is
      chain.doFilter(request, response);
      return;
    }
    String detail = "over the limit of " + decision.limit() + " requests per " + window(decision)
        + "; retry after " + fields.get(RateLimitHeaders.RETRY_AFTER) + " s";
    String violated = reported(fields.get(RateLimitHeaders.RATELIMIT));
    write(response, 429, "{\"type\":" + json(QUOTA_EXCEEDED)
        + ",\"title\":\"Request cannot be satisfied as assigned quota has been exceeded\",\"status\":429"
        + ",\"detail\":" + json(detail) + ",\"instance\":" + json(request.getRequestURI())
        + ",\"violated-policies\":[" + json(violated) + "]}");
  }

  /** The name of the limit a RateLimit field reports: {@code 1m} of {@code "1m";r=0;t=42}. */
  static String reported(@Nullable String rateLimit) {
    if (rateLimit == null) {
      return "";
    }
    int end = rateLimit.indexOf('"', 1);
    return rateLimit.startsWith("\"") && end > 1 ? rateLimit.substring(1, end) : rateLimit;
  }

  private static void problem(HttpServletRequest request, HttpServletResponse response, int status,
      String detail) throws IOException {
    write(response, status, "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":" + status
        + ",\"detail\":" + json(detail) + ",\"instance\":" + json(request.getRequestURI()) + "}");
  }

  private static void write(HttpServletResponse response, int status, String body) throws IOException {
    response.setStatus(status);
    response.setContentType(PROBLEM_JSON);
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.getWriter().write(body);
  }

  private static String window(Decision d) {
    long s = d.window().toSeconds();
    if (d.window().toMillis() % 1000 != 0) {
      return d.window().toMillis() + " ms";
    }
    if (s % 86_400 == 0) {
      return s == 86_400 ? "day" : s / 86_400 + " days";
    }
    if (s % 3600 == 0) {
      return s == 3600 ? "hour" : s / 3600 + " hours";
    }
    if (s % 60 == 0) {
      return s == 60 ? "minute" : s / 60 + " minutes";
    }
    return s == 1 ? "second" : s + " seconds";
  }

  /** A JSON string literal. */
  static String json(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
