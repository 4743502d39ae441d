package io.github.switchboard.examples.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The bound on distinct API keys held, on a hand-moved clock. */
class KeyBudgetTest {
  static final long SECOND = Duration.ofSeconds(1).toNanos();
  static final String A = "10.0.0.1";
  static final String B = "10.0.0.2";
  final AtomicLong now = new AtomicLong(1_000_000_000L);
  final KeyBudget budget = new KeyBudget(2, Duration.ofSeconds(60), now::get);

  @Test
  void aNewKeyPastTheBoundWaitsUntilTheOldestIsIdleAndKnownKeysStillPass() {
    assertThat(budget.admit("a", A)).isZero();
    now.addAndGet(10 * SECOND);
    assertThat(budget.admit("b", A)).isZero();
    now.addAndGet(5 * SECOND);
    assertThat(budget.admit("c", A)).isEqualTo(45 * SECOND); // "a" is idle in 45 s
    assertThat(budget.admit("b", A)).isZero();
    assertThat(budget.size()).isEqualTo(2);
    now.addAndGet(45 * SECOND);
    assertThat(budget.admit("c", A)).isZero(); // takes "a"'s place
    assertThat(budget.evicted()).isEqualTo(1);
    assertThat(budget.admit("a", A)).isPositive(); // a new key again, and "b" was seen 45 s ago
    assertThat(budget.size()).isEqualTo(2);
  }

  @Test
  void aKeyInUseKeepsItsPlaceAndTheIdleOneGoes() {
    budget.admit("a", A);
    budget.admit("b", A);
    for (int i = 0; i < 5; i++) {
      now.addAndGet(50 * SECOND);
      assertThat(budget.admit("a", A)).isZero(); // seen every 50 s: never the idle one
    }
    assertThat(budget.admit("c", A)).isZero(); // "b" went unseen for 250 s
    assertThat(budget.admit("a", A)).isZero();
  }

  @Test
  void aFloodOfInventedKeysFromOneAddressNeverRefusesANewcomerFromAnother() {
    KeyBudget big = new KeyBudget(1_000, Duration.ofSeconds(60), now::get);
    long floodStart = now.get();
    long newcomerRefusedSince = -1;
    long longestRefusal = 0;
    // 100 invented keys a second for 5 minutes, and a newcomer asking once a second
    for (int second = 0; second < 300; second++) {
      for (int i = 0; i < 100; i++) {
        big.admit("invented-" + second + "-" + i, A);
      }
      long wait = big.admit("newcomer-" + second, B + (second % 7));
      if (wait > 0) {
        assertThat(wait).isLessThanOrEqualTo(60 * SECOND);
        newcomerRefusedSince = newcomerRefusedSince < 0 ? now.get() : newcomerRefusedSince;
        longestRefusal = Math.max(longestRefusal, now.get() - newcomerRefusedSince);
      } else {
        newcomerRefusedSince = -1;
      }
      assertThat(big.size()).isLessThanOrEqualTo(1_000);
      now.addAndGet(SECOND);
    }
    assertThat(now.get() - floodStart).isEqualTo(300 * SECOND);
    assertThat(longestRefusal).isZero();
    assertThat(big.evicted()).isPositive();
    assertThat(big.addresses()).isLessThanOrEqualTo(8);
  }

  @Test
  void theFloodsOwnNewKeysWaitForIdleKeysAtMostTheIdleTime() {
    KeyBudget big = new KeyBudget(100, Duration.ofSeconds(60), now::get);
    for (int i = 0; i < 100; i++) {
      assertThat(big.admit("invented-" + i, A)).isZero();
    }
    now.addAndGet(SECOND);
    assertThat(big.admit("one-more", A)).isEqualTo(59 * SECOND); // A holds the most: it waits
    now.addAndGet(59 * SECOND);
    assertThat(big.admit("one-more", A)).isZero(); // invented-0 was idle for 60 s
  }

  @Test
  void addressesShareTheBudgetFairly() {
    KeyBudget four = new KeyBudget(4, Duration.ofSeconds(60), now::get);
    for (int i = 0; i < 4; i++) {
      four.admit("a" + i, A);
    }
    assertThat(four.admit("b0", B)).isZero(); // takes a0's place: A held 4, B will hold 1
    assertThat(four.admit("b1", B)).isZero(); // takes a1's place: A 2, B 2
    assertThat(four.admit("b2", B)).isPositive(); // B would hold 3 against A's 2: no
    assertThat(four.admit("a2", A)).isZero(); // still held
    assertThat(four.admit("a0", A)).isPositive(); // a new key again, and A would hold 3 against B's 2
    assertThat(four.size()).isEqualTo(4);
    assertThat(four.addresses()).isEqualTo(2);
  }

  @Test
  void badBoundsAreNamed() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new KeyBudget(0, Duration.ofSeconds(60), now::get))
        .hasMessageContaining("max must be from 1");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new KeyBudget(1, Duration.ZERO, now::get))
        .hasMessageContaining("idle must be positive");
  }
}
