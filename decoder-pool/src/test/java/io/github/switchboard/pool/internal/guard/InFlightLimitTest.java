package io.github.switchboard.pool.internal.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.pool.PoolWriteQueueFullException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The guarded store's write queue: bounded in flight and waiting, a named error past the bound. */
class InFlightLimitTest {

  @Test
  void aCallBeyondTheWaitingBoundFailsAtOnceWithTheNamedErrorAndRunsNothing() {
    InFlightLimit limit = new InFlightLimit(2, 3, () -> new PoolWriteQueueFullException("p", 3));
    List<CompletableFuture<Integer>> pending = new ArrayList<>();
    AtomicInteger started = new AtomicInteger();
    List<CompletionStage<Integer>> results = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      results.add(limit.run(() -> {
        started.incrementAndGet();
        CompletableFuture<Integer> f = new CompletableFuture<>();
        pending.add(f);
        return f;
      }));
    }
    assertThat(limit.inFlight()).isEqualTo(2);
    assertThat(limit.queued()).isEqualTo(3);

    AtomicInteger refusedRan = new AtomicInteger();
    CompletableFuture<Integer> refused = limit.run(() -> {
      refusedRan.incrementAndGet();
      return CompletableFuture.completedFuture(0);
    }).toCompletableFuture();
    assertThat(refused).isCompletedExceptionally();
    assertThatThrownBy(refused::join).isInstanceOf(CompletionException.class)
        .cause().isInstanceOf(PoolWriteQueueFullException.class)
        .hasMessageContaining("pool 'p'").hasMessageContaining("write queue full: 3 writes already wait");
    assertThat(refusedRan).hasValue(0);
    assertThat(started).hasValue(2);

    // one completes: a waiting call starts, and there is room to queue again
    pending.get(0).complete(7);
    assertThat(results.get(0).toCompletableFuture().join()).isEqualTo(7);
    assertThat(started).hasValue(3);
    assertThat(limit.queued()).isEqualTo(2);
    assertThat(limit.run(() -> CompletableFuture.completedFuture(1)).toCompletableFuture()).isNotDone();
    assertThat(limit.queued()).isEqualTo(3);

    while (started.get() > 0 && pending.stream().anyMatch(f -> !f.isDone())) {
      pending.stream().filter(f -> !f.isDone()).findFirst().orElseThrow().complete(1);
    }
    assertThat(limit.inFlight()).isZero();
    assertThat(limit.queued()).isZero();
  }

  @Test
  void theBoundsAreChecked() {
    assertThatThrownBy(() -> new InFlightLimit(1, 0, IllegalStateException::new))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxQueued must be >= 1, was 0");
    assertThatThrownBy(() -> new InFlightLimit(0, 1, IllegalStateException::new))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("max must be >= 1, was 0");
  }
}
