package io.github.switchboard.examples.readme;

import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.RateLimitHeaders;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.spring.HttpRateLimitKeyResolver;
import java.security.Principal;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * The Java example of {@code spring-boot-starter/README.md}, compiled here (a package the sample application
 * does not scan) and compared with the README by {@code StarterReadmeTest}.
 */
final class StarterReadmeExample {
  private StarterReadmeExample() {}

  // README:begin spring-boot-starter/README.md
  @Configuration   // with Spring Security, also set switchboard.rate-limit.http.order=0 (after sign-in)
  static class RateLimitByUser {
    @Bean   // replaces the X-API-Key resolver: limit each signed-in user, let anonymous requests through
    HttpRateLimitKeyResolver byUser() {
      return request -> {
        Principal user = request.getUserPrincipal();
        return user == null ? null : "user:" + user.getName();
      };
    }
  }

  @RestController
  static class TranslateController {
    private final RateLimiter limiter;   // the auto-configured bean

    TranslateController(RateLimiter limiter) {
      this.limiter = limiter;
    }

    @PostMapping("/translate")
    ResponseEntity<String> translate(@RequestHeader("X-Tenant") String tenant) {
      Decision d = limiter.tryAcquire("tenant:" + tenant, 5);   // 5 permits for a costly call
      if (d.allowed()) {
        return ResponseEntity.ok("...");
      }
      String retryAfter = RateLimitHeaders.of(d, limiter.policy()).get(RateLimitHeaders.RETRY_AFTER);
      return ResponseEntity.status(429).header(RateLimitHeaders.RETRY_AFTER, retryAfter).build();
    }
  }
  // README:end
}
