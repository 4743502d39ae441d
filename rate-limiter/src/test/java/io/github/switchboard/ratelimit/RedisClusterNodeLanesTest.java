package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.RedisCluster;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.ratelimit.internal.RedisRateLimiter;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Lanes per master on a Redis 7 Cluster (issue 22): 300 decisions made together on 300 keys of 300
 * different slots go in a few calls per master, across slots (with lanes per slot each would be a call
 * of its own), each decided once on Redis: every decision granted (a limit of 1,000 a day), none by the
 * fallback, and after the rounds each key's usage on Redis is the number of rounds, every algorithm.
 */
class RedisClusterNodeLanesTest {
  private static final int KEYS = 300;
  private RedisCluster cluster;

  @BeforeEach
  void clean() {
    cluster = RedisHarness.sharedCluster();
    cluster.flushAll();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void decisionsOfManySlotsGoTogetherPerMaster(Algorithm algorithm) throws Exception {
    List<String> keys = keysOfDistinctSlots(algorithm);
    RateLimitPolicy policy =
        RateLimitPolicy.builder().algorithm(algorithm).limit(1_000, Duration.ofDays(1)).build();
    try (RateLimiter limiter =
        RateLimiters.builder(policy)
            .redis(cluster.target())
            .redisOptions(cluster.optionsBuilder().commandTimeout(Duration.ofSeconds(5)).build())
            .keyPrefix("lanes:")
            .build()) {
      int[] rounds = {0};
      // the lanes of the masters open in the background on first use: rounds until one goes together
      await("300 decisions of 300 slots in fewer than 60 script calls")
          .atMost(Duration.ofSeconds(20))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                rounds[0]++;
                long before = scriptCalls();
                List<CompletableFuture<Decision>> all = new ArrayList<>();
                for (String k : keys) {
                  all.add(limiter.tryAcquireAsync(k, 1).toCompletableFuture());
                }
                for (CompletableFuture<Decision> f : all) {
                  Decision d = f.get(10, TimeUnit.SECONDS);
                  assertThat(d.degraded()).as("answered by the fallback").isFalse();
                  assertThat(d.allowed()).isTrue();
                }
                return scriptCalls() - before < 60;
              });
      for (String k : List.of(keys.get(0), keys.get(KEYS / 2), keys.get(KEYS - 1))) {
        assertThat(limiter.stats(k).limits().get(0).used())
            .as("every decision of every round counted once on Redis")
            .isEqualTo(rounds[0]);
      }
    }
  }

  /** Client keys whose state keys fall in 300 different slots. */
  private static List<String> keysOfDistinctSlots(Algorithm algorithm) {
    List<String> keys = new ArrayList<>();
    Set<Integer> slots = new HashSet<>();
    for (int i = 0; keys.size() < KEYS; i++) {
      String k = "client-" + i;
      if (slots.add(SlotHash.getSlot(RedisRateLimiter.keysFor("lanes:", k, algorithm)[0]))) {
        keys.add(k);
      }
    }
    return keys;
  }

  private long scriptCalls() {
    long n = 0;
    for (Map<String, String> stats : cluster.info("commandstats").values()) {
      for (String cmd : List.of("cmdstat_evalsha", "cmdstat_eval")) {
        String v = stats.get(cmd);
        if (v != null) {
          int at = v.indexOf("calls=") + "calls=".length();
          n += Long.parseLong(v.substring(at, v.indexOf(',', at)));
        }
      }
    }
    return n;
  }
}
