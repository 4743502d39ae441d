package io.github.switchboard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.LimitPlans;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code switchboard.rate-limit.plans.*}: put at start, in memory and on Redis; a LimitPlans bean. */
class SwitchboardPlansAutoConfigurationTest {

  @TempDir Path dir;

  ApplicationContextRunner runner() {
    return new ApplicationContextRunner().withConfiguration(SwitchboardAutoConfigurationTest.AUTO)
        .withPropertyValues("switchboard.pool.enabled=false", "switchboard.redis.command-timeout=2s",
            "switchboard.rate-limit.limits=100/1m",
            "switchboard.rate-limit.plans.free.limits=2/1m,10/1h",
            "switchboard.rate-limit.plans.trial.limits=1/1m",
            "switchboard.rate-limit.plans.trial.shadow=true",
            "switchboard.rate-limit.plans.bucket.algorithm=TOKEN_BUCKET",
            "switchboard.rate-limit.plans.bucket.limits=3/1d");
  }

  @Test
  void plansFromPropertiesLimitTheirKeysOnceAssignedInMemory() {
    runner().run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(LimitPlans.class);
      LimitPlans plans = ctx.getBean(LimitPlans.class);
      assertThat(plans.plans()).containsOnlyKeys("bucket", "free", "trial");
      assertThat(plans.plan("free")).contains(RateLimitPolicy.builder()
          .limit(2, Duration.ofMinutes(1)).limit(10, Duration.ofHours(1)).build());
      assertThat(plans.plan("trial").orElseThrow().shadow()).isTrue();
      assertThat(plans.plan("bucket").orElseThrow().algorithm()).isEqualTo(Algorithm.TOKEN_BUCKET);
      expectPlansApply(ctx.getBean(RateLimiter.class), plans);
    });
  }

  @Test
  void plansFromPropertiesAreStoredInTheSameRedisAndLimitTheirKeys() {
    RedisServer redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    runner().withPropertyValues("switchboard.redis.url=redis://127.0.0.1:" + redis.port(),
        "switchboard.rate-limit.name=plans-test").run(ctx -> {
          assertThat(ctx).hasNotFailed();
          LimitPlans plans = ctx.getBean(LimitPlans.class);
          RateLimiter limiter = ctx.getBean(RateLimiter.class);
          // another instance of the same name on the same Redis reads the plans put at start
          try (LimitPlans other = LimitPlans.builder("plans-test").redis(redis.target()).build()) {
            assertThat(other.plans()).containsOnlyKeys("bucket", "free", "trial");
          }
          assertThat(limiter.tryAcquire("warm").degraded()).isFalse();
          expectPlansApply(limiter, plans);
        });
  }

  private static void expectPlansApply(RateLimiter limiter, LimitPlans plans) {
    // before any assignment, the default policy (100/1m) applies to every key
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.tryAcquire("a").allowed()).isTrue();
    }
    plans.assign("k-free", "free");
    plans.assign("k-trial", "trial");
    plans.assign("k-bucket", "bucket");
    assertThat(plans.planOf("k-free")).contains("free");
    for (int i = 0; i < 2; i++) {
      assertThat(limiter.tryAcquire("k-free").allowed()).isTrue();
    }
    Decision third = limiter.tryAcquire("k-free");
    assertThat(third.allowed()).isFalse();
    assertThat(third.limit()).isEqualTo(2);
    // shadow: never denied, the second request would have been
    assertThat(limiter.tryAcquire("k-trial").shadowDenied()).isFalse();
    Decision shadow = limiter.tryAcquire("k-trial");
    assertThat(shadow.allowed()).isTrue();
    assertThat(shadow.shadowDenied()).isTrue();
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.tryAcquire("k-bucket").allowed()).isTrue();
    }
    assertThat(limiter.tryAcquire("k-bucket").allowed()).isFalse();
    // taken off its plan, a key is on the default policy again
    plans.unassign("k-free");
    assertThat(limiter.tryAcquire("k-free").limit()).isEqualTo(100);
  }

  @Test
  void badPlansStopTheContextNamingTheProperty() {
    ApplicationContextRunner r = new ApplicationContextRunner()
        .withConfiguration(SwitchboardAutoConfigurationTest.AUTO)
        .withPropertyValues("switchboard.pool.enabled=false");
    r.withPropertyValues("switchboard.rate-limit.plans.free.limits=60-1m").run(ctx ->
        assertThat(ctx).getFailure().hasStackTraceContaining(
            "switchboard.rate-limit.plans.free.limits[0] must be COUNT/DURATION, for example 60/1m or 1000/1h,"
                + " was '60-1m'"));
    r.withPropertyValues("switchboard.rate-limit.plans.free.limits=10/1m,x/1h").run(ctx ->
        assertThat(ctx).getFailure().hasStackTraceContaining(
            "switchboard.rate-limit.plans.free.limits[1]: the count before '/' must be a whole number"));
    r.withPropertyValues("switchboard.rate-limit.plans.free.limits=0/1m").run(ctx ->
        assertThat(ctx).getFailure().hasStackTraceContaining("switchboard.rate-limit.plans.free.limits[0]: "));
    r.withPropertyValues("switchboard.rate-limit.plans.free.shadow=true").run(ctx ->
        assertThat(ctx).getFailure().hasStackTraceContaining(
            "switchboard.rate-limit.plans.free.limits must name at least one limit"));
    r.withPropertyValues("switchboard.rate-limit.plans.[bad name!].limits=1/1m").run(ctx ->
        assertThat(ctx).getFailure().hasStackTraceContaining("switchboard.rate-limit.plans.bad name!: "));
    r.withPropertyValues("switchboard.rate-limit.plans.free.limits=5/1m,6/60s").run(ctx ->
        assertThat(ctx).getFailure().hasStackTraceContaining("switchboard.rate-limit.plans.free.limits: "));
    r.withPropertyValues("switchboard.rate-limit.plans.free.limits=1/1m",
        "switchboard.rate-limit.plans.free.algorithm=LEAKY").run(ctx ->
            assertThat(ctx).getFailure().hasStackTraceContaining("switchboard.rate-limit.plans.free.algorithm"));
  }

  @Test
  void withoutPlanPropertiesThereIsAnEmptyLimitPlansBeanForTheApplication() {
    new ApplicationContextRunner().withConfiguration(SwitchboardAutoConfigurationTest.AUTO)
        .withPropertyValues("switchboard.pool.enabled=false").run(ctx -> {
          LimitPlans plans = ctx.getBean(LimitPlans.class);
          assertThat(plans.plans()).isEmpty();
          plans.putPlan("gold", RateLimitPolicy.builder().limit(1, Duration.ofMinutes(1)).build());
          plans.assign("g", "gold");
          RateLimiter limiter = ctx.getBean(RateLimiter.class);
          assertThat(limiter.tryAcquire("g").allowed()).isTrue();
          assertThat(limiter.tryAcquire("g").allowed()).isFalse();
        });
  }
}
