package io.github.switchboard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** The filter on an in-memory limiter of 2 per minute, with Spring's mock servlet objects. */
class RateLimitFilterTest {

  final RateLimiter limiter =
      RateLimiters.builder(RateLimitPolicy.builder().limit(2, Duration.ofMinutes(1)).build()).build();
  final RateLimitFilter filter =
      new RateLimitFilter(limiter, List.of("/api/**", "/exact"), HttpRateLimitKeyResolver.header("X-API-Key"));

  @AfterEach
  void close() {
    limiter.close();
  }

  MockHttpServletResponse send(String path, String apiKey) throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", path);
    request.setRemoteAddr("192.0.2.7");
    if (apiKey != null) {
      request.addHeader("X-API-Key", apiKey);
    }
    return filter(filter, request);
  }

  /** Runs a request through a filter; checks that the chain went on exactly when it was allowed. */
  static MockHttpServletResponse filter(RateLimitFilter filter, MockHttpServletRequest request)
      throws Exception {
    MockHttpServletResponse response = new MockHttpServletResponse();
    MockFilterChain chain = new MockFilterChain();
    filter.doFilter(request, response, chain);
    assertThat(chain.getRequest() != null).isEqualTo(response.getStatus() == 200);
    return response;
  }

  @Test
  void allowedUpToTheLimitWithRateLimitFieldsThen429WithAProblem() throws Exception {
    for (int remaining = 1; remaining >= 0; remaining--) {
      MockHttpServletResponse ok = send("/api/things", "k1");
      assertThat(ok.getStatus()).isEqualTo(200);
      assertThat(ok.getHeader("RateLimit-Policy")).isEqualTo("\"1m\";q=2;w=60");
      assertThat(ok.getHeader("RateLimit")).startsWith("\"1m\";r=" + remaining + ";t=");
      assertThat(ok.getHeader("Retry-After")).isNull();
    }
    MockHttpServletResponse denied = send("/api/things", "k1");
    assertThat(denied.getStatus()).isEqualTo(429);
    assertThat(denied.getContentType()).startsWith(RateLimitFilter.PROBLEM_JSON);
    assertThat(Integer.parseInt(denied.getHeader("Retry-After"))).isBetween(1, 60);
    assertThat(denied.getHeader("RateLimit")).startsWith("\"1m\";r=0;t=");
    assertThat(denied.getContentAsString()).isEqualTo("{\"type\":"
        + "\"https://iana.org/assignments/http-problem-types#quota-exceeded\","
        + "\"title\":\"Request cannot be satisfied as assigned quota has been exceeded\","
        + "\"status\":429,\"detail\":\"over the limit of 2 requests per minute; retry after "
        + denied.getHeader("Retry-After") + " s\",\"instance\":\"/api/things\",\"violated-policies\":[\"1m\"]}");
    // another key has its own limit
    assertThat(send("/api/things", "k2").getStatus()).isEqualTo(200);
  }

  @Test
  void pathsOutsideThePatternsAreNotLimited() throws Exception {
    for (int i = 0; i < 5; i++) {
      MockHttpServletResponse r = send("/public/x", "k1");
      assertThat(r.getStatus()).isEqualTo(200);
      assertThat(r.getHeader("RateLimit")).isNull();
      assertThat(send("/exact/sub", "k1").getHeader("RateLimit")).isNull();
    }
    assertThat(send("/exact", "k1").getHeader("RateLimit")).isNotNull();
    assertThat(send("/api", "k1").getHeader("RateLimit")).as("/api/** matches /api").isNotNull();
  }

  @Test
  void theKeyIsTheHeadersHashElseTheRemoteAddress() throws Exception {
    send("/api/a", "secret-key");
    send("/api/a", null);
    assertThat(limiter.stats("key:" + HttpRateLimitKeyResolver.sha256Hex("secret-key")).limits().get(0).used())
        .isEqualTo(1);
    assertThat(limiter.stats("addr:192.0.2.7").limits().get(0).used()).isEqualTo(1);
    assertThat(limiter.stats("secret-key").limits().get(0).used()).isZero();
    // headerKey gives the same key, for LimitPlans.assign
    assertThat(limiter.stats(HttpRateLimitKeyResolver.headerKey(" secret-key ")).limits().get(0).used())
        .isEqualTo(1);
  }

  @Test
  void aKeyTheLimiterRefusesIsA400Problem() throws Exception {
    RateLimitFilter f = new RateLimitFilter(limiter, List.of("/**"), r -> "x".repeat(2000));
    MockHttpServletResponse response = new MockHttpServletResponse();
    f.doFilter(new MockHttpServletRequest("GET", "/a"), response, new MockFilterChain());
    assertThat(response.getStatus()).isEqualTo(400);
    assertThat(response.getContentAsString()).contains("\"status\":400");
  }

  @Test
  void jsonStringsAreEscaped() {
    assertThat(RateLimitFilter.json("a\"b\\c\n\u0001")).isEqualTo("\"a\\\"b\\\\c\\n\\u0001\"");
  }
}
