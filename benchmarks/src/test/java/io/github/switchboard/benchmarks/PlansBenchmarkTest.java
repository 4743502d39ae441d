package io.github.switchboard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PlansBenchmark's trials in small, in memory and on a real redis-server, so that they cannot rot: the
 * limiter with plans decides every key, and the Trial's checks (no denial, no degraded decision) hold.
 */
class PlansBenchmarkTest {

  @Test
  @Timeout(60)
  void theTrialsWithPlansGrantEveryKeyUnderItsPlan() throws Exception {
    for (LimiterType type :
        new LimiterType[] {
          LimiterType.SWITCHBOARD_TOKEN_BUCKET_PLANS, LimiterType.SWITCHBOARD_REDIS_TOKEN_BUCKET_PLANS
        }) {
      // opening checks that keys[0] is decided under plan-0 and keys[1] under the default
      try (Trial trial = Trial.open(type, 400)) {
        assertThat(trial.keys).hasSize(400);
        for (int i = 0; i < 400; i++) {
          assertThat(trial.check(trial.limiter.tryAcquire(i))).as("%s, key %d", type, i).isTrue();
        }
        assertThat(trial.limiter.granted(
                trial.limiter.tryAcquireAsync(7).toCompletableFuture().get()))
            .isTrue();
      }
    }
  }
}
