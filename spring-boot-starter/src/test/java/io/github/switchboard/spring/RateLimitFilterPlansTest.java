package io.github.switchboard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.ratelimit.LimitPlans;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * The filter on an in-memory limiter with plans: a key's fields are its plan's, {@code violated-policies}
 * names the limit that denied, and a shadow plan never answers 429.
 */
class RateLimitFilterPlansTest {

  final LimitPlans plans = LimitPlans.builder("filter-test").build();
  final RateLimiter limiter =
      RateLimiters.builder(RateLimitPolicy.builder().limit(100, Duration.ofMinutes(1)).build())
          .plans(plans)
          .build();
  final RateLimitFilter filter =
      new RateLimitFilter(limiter, plans, List.of("/api/**"), request -> request.getHeader("X-Client"));

  @AfterEach
  void close() {
    limiter.close();
    plans.close();
  }

  MockHttpServletResponse send(String client) throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/x");
    request.addHeader("X-Client", client);
    return RateLimitFilterTest.filter(filter, request);
  }

  @Test
  void aKeyOnAPlanGetsItsPlansFieldsAndViolatedPoliciesNamesTheLimitThatDenied() throws Exception {
    plans.putPlan("tight", RateLimitPolicy.builder().limit(1, Duration.ofSeconds(10)).limit(50, Duration.ofHours(1))
        .build());
    plans.assign("c1", "tight");
    MockHttpServletResponse ok = send("c1");
    assertThat(ok.getStatus()).isEqualTo(200);
    assertThat(ok.getHeader("RateLimit-Policy")).isEqualTo("\"10s\";q=1;w=10, \"1h\";q=50;w=3600");
    MockHttpServletResponse denied = send("c1");
    assertThat(denied.getStatus()).isEqualTo(429);
    assertThat(denied.getContentAsString())
        .contains("\"type\":\"" + RateLimitFilter.QUOTA_EXCEEDED + "\"")
        .contains("\"status\":429")
        .contains("\"detail\":\"over the limit of 1 requests per 10 seconds; retry after ")
        .endsWith(",\"instance\":\"/api/x\",\"violated-policies\":[\"10s\"]}");
    // a key on no plan: the limiter's own policy
    MockHttpServletResponse other = send("c2");
    assertThat(other.getStatus()).isEqualTo(200);
    assertThat(other.getHeader("RateLimit-Policy")).isEqualTo("\"1m\";q=100;w=60");
  }

  @Test
  void aShadowPlanNeverAnswers429() throws Exception {
    plans.putPlan("trial", RateLimitPolicy.builder().limit(2, Duration.ofMinutes(1)).shadow(true).build());
    plans.assign("c1", "trial");
    for (int i = 0; i < 10; i++) {
      MockHttpServletResponse r = send("c1");
      assertThat(r.getStatus()).as("request %d", i).isEqualTo(200);
      assertThat(r.getHeader("Retry-After")).isNull();
    }
    assertThat(limiter.tryAcquire("c1").shadowDenied()).as("it would have denied").isTrue();
    // the same plan enforced: 429 once the key is over it (within its 2 requests, whether or not the
    // change kept the key's usage)
    plans.putPlan("trial", RateLimitPolicy.builder().limit(2, Duration.ofMinutes(1)).build());
    int status = 200;
    for (int i = 0; i < 3 && status == 200; i++) {
      status = send("c1").getStatus();
    }
    assertThat(status).isEqualTo(429);
  }
}
