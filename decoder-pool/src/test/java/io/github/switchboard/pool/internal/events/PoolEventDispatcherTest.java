package io.github.switchboard.pool.internal.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.github.switchboard.pool.PoolEvent;
import io.github.switchboard.pool.PoolListener;
import io.github.switchboard.pool.RedisTestSupport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The pool's event thread: a slow listener meets a bounded queue; what is dropped becomes one RELOADED. */
class PoolEventDispatcherTest {

  private static PoolEvent event(long rev) {
    return PoolEvents.abTestRemoved(rev, "t" + rev);
  }

  private static String describe(PoolEvent e) {
    return e.type() + "@" + e.revision();
  }

  @Test
  void aSlowListenerMeetsTheBoundAndWhatIsDroppedArrivesAsOneReloaded() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<PoolListener> listeners = new CopyOnWriteArrayList<>();
    listeners.add(e -> {
      if (e.revision() == 1) {
        entered.countDown();
        try {
          release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
        }
      }
      seen.add(describe(e));
    });
    listeners.add(e -> {
      throw new IllegalStateException("a failing listener does not stop the others");
    });
    try (RedisTestSupport.LogCapture log = RedisTestSupport.capture(PoolEventDispatcher.class);
        PoolEventDispatcher d = new PoolEventDispatcher("p", listeners, 5, r -> new Thread(r, "test-events"))) {
      d.dispatch(event(1));
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue(); // the listener is stuck on event 1
      for (long rev = 2; rev <= 20; rev++) {
        d.dispatch(event(rev)); // 2..6 wait, 7..20 are dropped
      }
      assertThat(d.queued()).isEqualTo(5);
      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 7);
      d.dispatch(event(21)); // caught up: one by one again
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 8);
      assertThat(seen).containsExactly("AB_TEST_REMOVED@1", "AB_TEST_REMOVED@2", "AB_TEST_REMOVED@3",
          "AB_TEST_REMOVED@4", "AB_TEST_REMOVED@5", "AB_TEST_REMOVED@6", "RELOADED@20", "AB_TEST_REMOVED@21");

      // a second overflow within the minute: dropped and reloaded again, but no second WARN
      CountDownLatch stuck = new CountDownLatch(1);
      listeners.add(0, e -> {
        try {
          stuck.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
        }
      });
      for (long rev = 22; rev <= 40; rev++) {
        d.dispatch(event(rev));
      }
      assertThat(d.queued()).isLessThanOrEqualTo(5);
      stuck.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("RELOADED@40"));
      assertThat(log.messages(Level.WARN)).filteredOn(m -> m.contains("listeners are slow")).singleElement()
          .satisfies(m -> assertThat(m).contains("pool 'p'").contains("5 events wait"));
    }
  }
}
