package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/**
 * The in-memory/Redis equivalence of {@link InMemoryRedisEquivalencePropertyTest} again, as plain JUnit
 * over fixed seeds (reproducible without jqwik: the failing seed is in the message).
 */
class InMemoryRedisEquivalenceTest {

  @AfterAll
  static void disconnect() {
    InMemoryRedisEquivalencePropertyTest.disconnect();
  }

  @RepeatedTest(40)
  void inMemoryAndRedisDecideAlike(RepetitionInfo repetition) {
    long seed = 0x5eed_0000L + repetition.getCurrentRepetition();
    // mixed: consecutive seeds give java.util.Random correlated first draws
    Random r = new Random(seed * 0x9E3779B97F4A7C15L);
    RateLimitPolicy policy = Scenarios.randomPolicy(r);
    List<Scenarios.Step> steps = Scenarios.randomSteps(r);
    long start = Scenarios.START + (long) (r.nextDouble() * 86_400_000_000L);
    List<Object> memory = InMemoryRedisEquivalencePropertyTest.inMemory(policy, steps, start);
    List<Object> redis = InMemoryRedisEquivalencePropertyTest.onRedis(policy, steps, start);
    assertThat(redis).as("seed %d: %s, %s", seed, policy, steps).isEqualTo(memory);
  }
}
