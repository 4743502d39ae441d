package io.github.switchboard.pool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.core.TimeSource;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.HealthCheckConfig;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.PoolFormatException;
import io.github.switchboard.pool.PoolListener;
import io.github.switchboard.pool.PoolWriteTimeoutException;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import io.github.switchboard.pool.internal.store.PoolChange;
import io.github.switchboard.pool.internal.store.PoolStore;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** The sync twins of the pool's writes: the bound, the named exception, the unwrapped failure. */
class DefaultDecoderPoolSyncWriteTest {

  private static final DecoderNode NODE = DecoderNode.builder("d1", URI.create("http://d1.test:8001")).build();

  /** A store whose writes complete with what {@link #next} holds (a stage that never completes, or a failure). */
  private static final class StalledStore implements PoolStore {
    volatile CompletableFuture<Boolean> next = new CompletableFuture<>();

    @Override
    public PoolSnapshot snapshot() {
      return PoolSnapshot.EMPTY;
    }

    @Override
    public CompletionStage<Boolean> write(PoolChange change) {
      return next;
    }

    @Override
    public CompletionStage<Void> reload() {
      return next.thenApply(b -> null);
    }

    @Override
    public void setListener(PoolListener listener) {}

    @Override
    public CompletionStage<Boolean> tryLead(String ownerId, Duration ttl, long nowMicros) {
      return CompletableFuture.completedFuture(false);
    }

    @Override
    public void close() {}
  }

  private static DefaultDecoderPool pool(PoolStore store, Duration writeTimeout) {
    return new DefaultDecoderPool(store, new PoolSettings("sync", Duration.ofSeconds(30), Duration.ofSeconds(60),
        Duration.ofHours(1), 0.5, HealthCheckConfig.DISABLED, TimeSource.system(), 1L, List.of(), writeTimeout));
  }

  @Test
  void aSyncWriteThatIsNotStoredInTimeFailsWithTheNamedException() {
    StalledStore store = new StalledStore();
    try (DefaultDecoderPool pool = pool(store, Duration.ofMillis(100))) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> pool.register(NODE)).isInstanceOf(PoolWriteTimeoutException.class)
          .hasMessage("pool 'sync': register was not stored within writeTimeout PT0.1S");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      assertThatThrownBy(() -> pool.heartbeat("d1", NodeLoad.NONE)).isInstanceOf(PoolWriteTimeoutException.class)
          .hasMessageContaining("heartbeat");
      assertThatThrownBy(pool::reload).isInstanceOf(PoolWriteTimeoutException.class)
          .hasMessageContaining("reload")
          .extracting(e -> ((PoolWriteTimeoutException) e).timeout()).isEqualTo(Duration.ofMillis(100));
      assertThat(pool.registerAsync(NODE).toCompletableFuture()).isNotDone(); // the async twin is not bounded
    }
  }

  @Test
  void aSyncWriteRethrowsTheStoresFailureUnwrapped() {
    StalledStore store = new StalledStore();
    store.next = CompletableFuture.failedFuture(new PoolFormatException("decoder_pool.json: not JSON", null));
    try (DefaultDecoderPool pool = pool(store, Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> pool.setStatus("d1", NodeStatus.DRAINING)).isInstanceOf(PoolFormatException.class)
          .hasMessage("decoder_pool.json: not JSON");
      assertThatThrownBy(pool::reload).isInstanceOf(PoolFormatException.class);
    }
  }

  @Test
  void aSyncWriteOnAClosedPoolFailsAtOnce() {
    DefaultDecoderPool pool = pool(new StalledStore(), Duration.ofSeconds(5));
    pool.close();
    assertThatThrownBy(() -> pool.deregister("d1")).isInstanceOf(IllegalStateException.class)
        .hasMessage("pool 'sync' is closed");
  }
}
