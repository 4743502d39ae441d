package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.LeastPrivilege;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Plans written, read and propagated as a user granted exactly the guide's ACL rules; Redis refused nothing. */
class LeastPrivilegePlansTest {
  @RegisterExtension static RedisExtension<RedisServer> redis = RedisExtension.leastPrivilege();

  @Test
  void everyPlanOperationRunsWithTheGuidesRules() {
    RedisServer server = redis.deployment();
    server.flushAll();
    try (LimitPlans a = LimitPlans.builder("api").redis(server.target()).build();
        LimitPlans b = LimitPlans.builder("api").redis(server.target()).build()) {
      a.putPlan("free", RateLimitPolicy.builder().limit(5, Duration.ofMinutes(1)).build());
      a.assign("client", "free");
      await().atMost(Duration.ofSeconds(2)).until(() -> b.planOf("client").equals(Optional.of("free")));
      a.unassign("client");
      a.removePlan("free");
      await().atMost(Duration.ofSeconds(2)).until(() -> b.plans().isEmpty());
    }
    assertThat(server.target().username()).contains(LeastPrivilege.USER);
    assertThat(server.call("ACL", "LOG")).asList().isEmpty();
  }
}
