package io.github.switchboard.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The usage remembered for the LOCAL fallback stays within its bound, dropping what matters least. */
class UsageMemoTest {
  private static final long NOW = 1_000_000_000L;

  @Test
  void atTheBoundTheEntryThatExpiresSoonestMakesRoom() {
    UsageMemo memo = new UsageMemo(3, "test");
    memo.record("a", 5, NOW + 30, NOW);
    memo.record("b", 5, NOW + 10, NOW);
    memo.record("c", 5, NOW + 20, NOW);
    memo.record("d", 5, NOW + 40, NOW);
    assertThat(memo.size()).isEqualTo(3);
    assertThat(memo.has("b")).as("the one that expires soonest").isFalse();
    assertThat(memo.has("a") && memo.has("c") && memo.has("d")).isTrue();
    // an update in place takes no room
    memo.record("a", 7, NOW + 50, NOW);
    assertThat(memo.size()).isEqualTo(3);
    UsageMemo.Usage a = memo.take("a");
    assertThat(a).isNotNull();
    assertThat(a.permits).isEqualTo(7);
    assertThat(a.until).isEqualTo(NOW + 50);
    assertThat(memo.has("a")).as("taken once").isFalse();
  }

  @Test
  void expiredEntriesGoFirstAndAsNewOnesArrive() {
    UsageMemo memo = new UsageMemo(100, "test");
    for (int i = 0; i < 50; i++) {
      memo.record("old-" + i, 5, NOW + 10, NOW);
    }
    // later, every old entry has expired: each insertion drops a few of them on its way
    long later = NOW + 1_000;
    for (int i = 0; i < 40; i++) {
      memo.record("new-" + i, 5, later + 10, later);
    }
    assertThat(memo.size()).as("50 expired + 40 new, expired ones swept").isLessThan(90);
    for (int i = 0; i < 40; i++) {
      assertThat(memo.has("new-" + i)).isTrue();
    }
  }
}
