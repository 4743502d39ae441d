package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.core.testing.ManualTimeSource;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Plans in memory: one map holds every key, each state made under its key's plan; what must hold when
 * plans and assignments change while decisions run.
 */
class PlannedInMemoryTest {
  private static final RateLimitPolicy DEFAULT =
      RateLimitPolicy.builder().limit(3, Duration.ofMinutes(1)).build();
  private static final RateLimitPolicy BIG =
      RateLimitPolicy.builder().limit(100, Duration.ofMinutes(1)).build();
  private static final RateLimitPolicy TINY =
      RateLimitPolicy.builder().limit(1, Duration.ofMinutes(1)).build();

  private static RateLimiter limiter(LimitPlans plans) {
    return RateLimiters.builder(DEFAULT).plans(plans).timeSource(new ManualTimeSource()).build();
  }

  @Test
  void permitsAreCheckedAgainstTheKeysOwnPolicy() {
    try (LimitPlans plans = LimitPlans.builder("p").build(); RateLimiter l = limiter(plans)) {
      plans.putPlan("big", BIG);
      plans.assign("a", "big");
      assertThat(l.tryAcquire("a", 50).allowed()).isTrue();
      assertThat(l.tryAcquire("a", 50).remaining()).isZero();
      assertThatThrownBy(() -> l.tryAcquire("b", 50))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("permits");
      assertThat(l.tryAcquire("b", 3).allowed()).as("nothing was taken by the refused call").isTrue();
    }
  }

  @Test
  void aMoveRacingAKeysFirstDecisionNeverLeavesItUnderTheOldPlan() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (LimitPlans plans = LimitPlans.builder("p").build(); RateLimiter l = limiter(plans)) {
      plans.putPlan("tiny", TINY);
      CyclicBarrier start = new CyclicBarrier(2);
      for (int i = 0; i < 300; i++) {
        String key = "k" + i;
        CompletableFuture<Decision> first =
            CompletableFuture.supplyAsync(
                () -> {
                  await(start);
                  return l.tryAcquire(key);
                },
                pool);
        await(start);
        plans.assign(key, "tiny");
        first.get(10, TimeUnit.SECONDS);
        assertThat(l.stats(key).limits().get(0).count()).as(key + " under its plan").isEqualTo(1);
        l.tryAcquire(key);
        assertThat(l.tryAcquire(key).allowed()).as(key + ": tiny allows one a minute").isFalse();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aPlanRemovedOrChangedWhileItsKeysAreHeldTakesEffectAtTheirNextDecision() {
    try (LimitPlans plans = LimitPlans.builder("p").build(); RateLimiter l = limiter(plans)) {
      plans.putPlan("tiny", TINY);
      for (int i = 0; i < 100; i++) {
        plans.assign("k" + i, "tiny");
        assertThat(l.tryAcquire("k" + i).allowed()).isTrue();
        assertThat(l.tryAcquire("k" + i).allowed()).isFalse();
      }
      plans.putPlan("tiny", BIG); // one write, whatever the number of keys
      for (int i = 0; i < 100; i++) {
        assertThat(l.tryAcquire("k" + i).limit()).isEqualTo(100);
      }
      plans.removePlan("tiny");
      for (int i = 0; i < 100; i++) {
        Decision d = l.tryAcquire("k" + i);
        assertThat(d.limit()).as("back to the default").isEqualTo(3);
        assertThat(d.remaining()).as("afresh, in memory").isEqualTo(2);
      }
    }
  }

  private static void await(CyclicBarrier b) {
    try {
      b.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
