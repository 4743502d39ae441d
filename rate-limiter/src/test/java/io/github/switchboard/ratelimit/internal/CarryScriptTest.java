package io.github.switchboard.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.lettuce.core.ScriptOutputType;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** carry.lua on a real Redis: lost or kept, the marker another instance's carry leaves, applied once. */
class CarryScriptTest {
  private static final long T = 1_767_225_600_000_000L;
  private static final long SECOND = 1_000_000L;
  private static RedisServer redis;
  private static RedisConnection connection;

  @BeforeAll
  static void start() {
    redis = RedisHarness.standalone();
    connection = RedisConnection.open(redis.target(), redis.options(), "carry-test");
  }

  @AfterAll
  static void stop() {
    if (connection != null) {
      connection.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  /** One client's carry: [lost flag, used per limit after it]. */
  private static List<Object> carry(
      String alg, String key, long now, long[] limits, String token, long sinceAge, long[] lostKept) {
    int size = limits.length / 2;
    String[] args = new String[3 + 2 * size + 2 + 2 * size];
    args[0] = alg;
    args[1] = Long.toString(now);
    args[2] = Integer.toString(size);
    for (int i = 0; i < limits.length; i++) {
      args[3 + i] = Long.toString(limits[i]);
    }
    args[3 + 2 * size] = token;
    args[4 + 2 * size] = Long.toString(sinceAge);
    for (int i = 0; i < lostKept.length; i++) {
      args[5 + 2 * size + i] = Long.toString(lostKept[i]);
    }
    List<Object> reply =
        connection
            .<List<Object>>eval(
                FallbackCarry.SCRIPT,
                ScriptOutputType.MULTI,
                new String[] {key, key + FallbackCarry.MARKER},
                args)
            .toCompletableFuture()
            .join();
    return reply;
  }

  @Test
  void lostThenTheOtherInstanceThenARepeatThenAKeptState() {
    String key = "switchboard:t:{a}:fw";
    long[] limits = {20, 60 * SECOND};
    // Redis has nothing: everything this instance holds (its seed share and its own grants)
    assertThat(carry("fw", key, T, limits, "a1", 10 * SECOND, new long[] {7, 2})).containsExactly(1L, 7L);
    // the same carry again (its reply was lost): applied once
    assertThat(carry("fw", key, T, limits, "a1", 10 * SECOND, new long[] {7, 2})).containsExactly(0L, 7L);
    // the other instance, whose fallback began before the first carry made the state again: lost too
    assertThat(carry("fw", key, T, limits, "b1", 10 * SECOND, new long[] {6, 1})).containsExactly(1L, 13L);
    // a later outage that began after that: Redis kept the state, only the fallback's own grants
    assertThat(carry("fw", key, T + SECOND, limits, "a2", 0, new long[] {9, 3}))
        .containsExactly(0L, 16L);
    assertThat(redis.call("PTTL", key + FallbackCarry.MARKER)).isInstanceOf(Long.class);
    assertThat((Long) redis.call("PTTL", key + FallbackCarry.MARKER)).isBetween(1L, 60_000L);
  }

  @Test
  void aLogPlacesWhatOnlyTheLongerWindowCountsOutsideTheShorter() {
    String key = "switchboard:t:{b}:swl";
    long[] limits = {5, SECOND, 20, 10 * SECOND};
    // 3 in the last second, 8 in the last ten: 3 at now, 5 at now - 1 s
    assertThat(carry("swl", key, T, limits, "a1", 0, new long[] {3, 3, 8, 8}))
        .containsExactly(1L, 3L, 8L);
    // a second later the 3 have left the shorter window, not the longer
    assertThat(carry("swl", key, T + SECOND, limits, "a2", 0, new long[] {0, 0, 0, 0}))
        .containsExactly(0L, 0L, 8L);
  }

  @Test
  void aTokenBucketMovesItsTatAndAnOversizedCarryIsCappedAtTheCount() {
    String key = "switchboard:t:{c}:tb";
    long[] limits = {10, 10 * SECOND}; // one token a second
    assertThat(carry("tb", key, T, limits, "a1", 0, new long[] {4, 4})).containsExactly(1L, 4L);
    assertThat(carry("tb", key, T, limits, "b1", 0, new long[] {50, 50})).containsExactly(1L, 10L);
  }
}
