package io.github.switchboard.examples.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The bound on distinct API keys per window, on a hand-moved clock. */
class KeyBudgetTest {
  final AtomicLong now = new AtomicLong(1_000_000_000L);
  final KeyBudget budget = new KeyBudget(2, Duration.ofHours(1), now::get);

  @Test
  void aNewKeyPastTheBoundIsRefusedAndKnownKeysStillPass() {
    assertThat(budget.admit("a")).isTrue();
    assertThat(budget.admit("b")).isTrue();
    assertThat(budget.admit("c")).isFalse();
    assertThat(budget.admit("a")).isTrue();
    assertThat(budget.size()).isEqualTo(2);
  }

  @Test
  void keysUnseenForTheWindowAreForgottenAndMakeRoom() {
    budget.admit("a");
    now.addAndGet(Duration.ofMinutes(30).toNanos());
    budget.admit("b");
    now.addAndGet(Duration.ofMinutes(31).toNanos()); // "a" last seen 61 min ago, "b" 31 min ago
    assertThat(budget.admit("c")).isTrue();
    assertThat(budget.admit("a")).isFalse(); // forgotten: a new key again, and the budget is full
    assertThat(budget.admit("b")).isTrue();
  }

  @Test
  void aKeySeenAgainStaysAdmitted() {
    budget.admit("a");
    budget.admit("b");
    for (int i = 0; i < 3; i++) {
      now.addAndGet(Duration.ofMinutes(50).toNanos());
      assertThat(budget.admit("a")).isTrue(); // seen every 50 min: never forgotten
    }
    assertThat(budget.admit("c")).isTrue(); // "b" went unseen for 150 min
  }
}
