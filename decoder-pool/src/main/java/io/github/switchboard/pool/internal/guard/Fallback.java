package io.github.switchboard.pool.internal.guard;

import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.internal.file.FilePoolStore;
import io.github.switchboard.pool.internal.file.PoolFileSync;
import io.github.switchboard.pool.internal.file.PoolJournal;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import io.github.switchboard.pool.internal.store.InMemoryPoolStore;
import io.github.switchboard.pool.internal.store.PoolChange;
import io.github.switchboard.pool.internal.store.PoolStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What {@link GuardedPoolStore} falls back on while Redis is away, and what it does with each kind: the
 * memory store (replaced by the last Redis snapshot) or the pool file (copied into, never over newer content,
 * and mirrored from Redis). The factory picks the kind; the guarded store never tests a type.
 */
public abstract sealed class Fallback permits Fallback.Memory, Fallback.File {

  /** Waits for a stage within the guarded store's bound. */
  interface Await {
    <T> T await(CompletionStage<T> stage) throws Exception;
  }

  private final PoolStore store;

  private Fallback(PoolStore store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  /**
   * The in-memory fallback.
   *
   * @param store the store; owned by the guarded store
   * @return the fallback
   */
  public static Fallback memory(InMemoryPoolStore store) {
    return new Memory(store);
  }

  /**
   * The pool file as fallback and mirror.
   *
   * @param store the file store; owned by the guarded store
   * @return the fallback
   */
  public static Fallback file(FilePoolStore store) {
    return new File(store);
  }

  /**
   * Returns the store writes and reads go to while Redis is away.
   *
   * @return the store
   */
  public PoolStore store() {
    return store;
  }

  /** For logs. */
  abstract String describe();

  /** The seed for a Redis that lost the pool: this fallback's snapshot. */
  PoolSnapshot seed() {
    return store.snapshot();
  }

  /**
   * Starts the mirror of Redis into this fallback, or returns null (nothing to mirror into).
   *
   * @param journal the guarded store's journal
   * @param epoch Redis's epoch at its last read
   * @param redis the Redis snapshot
   * @param active whether the mirror may write now (the store is on Redis)
   * @param worker the guarded store's thread
   * @param waitBound how long a copy may wait
   * @return the mirror, or null
   */
  @Nullable PoolFileMirror attach(String poolName, PoolJournal journal, Supplier<@Nullable String> epoch,
      Supplier<PoolSnapshot> redis, BooleanSupplier active, ScheduledExecutorService worker, Duration waitBound) {
    return null; // memory: nothing to mirror into
  }

  /** On the worker: makes this fallback show the last Redis snapshot (heartbeats included). */
  abstract void copyIn(PoolSnapshot last, Await await) throws Exception;

  static final class Memory extends Fallback {
    private final InMemoryPoolStore memory;

    Memory(InMemoryPoolStore memory) {
      super(memory);
      this.memory = memory;
    }

    @Override
    String describe() {
      return "in-memory fallback";
    }

    @Override
    void copyIn(PoolSnapshot last, Await await) {
      memory.replace(last);
    }
  }

  static final class File extends Fallback {
    private final FilePoolStore file;
    private @Nullable PoolFileSync sync; // set by attach, before the store starts

    File(FilePoolStore file) {
      super(file);
      this.file = file;
    }

    @Override
    String describe() {
      return "pool file " + file.file();
    }

    @Override
    PoolSnapshot seed() {
      if (!file.hasGoodCopy()) {
        throw new IllegalStateException("the pool file " + file.file() + " is malformed; fix it, or the pool"
            + " stays on the file (which refuses changes) until Redis has the pool");
      }
      return file.snapshot();
    }

    @Override
    PoolFileMirror attach(String poolName, PoolJournal journal, Supplier<@Nullable String> epoch,
        Supplier<PoolSnapshot> redis, BooleanSupplier active, ScheduledExecutorService worker, Duration waitBound) {
      PoolFileSync s = new PoolFileSync(file, journal, epoch);
      this.sync = s;
      return new PoolFileMirror(poolName, s, redis, active, worker, waitBound);
    }

    @Override
    void copyIn(PoolSnapshot last, Await await) throws Exception {
      PoolFileSync s = Objects.requireNonNull(sync, "attach() first");
      await.await(s.copy(last)); // not over what another coordinator wrote (PoolFileSync)
      // heartbeats too, or nodes would look stale while Redis is down
      List<CompletableFuture<Boolean>> beats = new ArrayList<>();
      PoolSnapshot now = file.snapshot();
      for (Map.Entry<String, NodeRuntime> e : last.runtime().entrySet()) {
        NodeRuntime r = e.getValue();
        if (r.hasHeartbeat() && now.runtimeOf(e.getKey()).lastHeartbeatMicros() < r.lastHeartbeatMicros()) {
          beats.add(file.write(new PoolChange.Heartbeat(e.getKey(), r.load(), r.lastHeartbeatMicros()))
              .toCompletableFuture());
        }
      }
      for (CompletableFuture<Boolean> b : beats) {
        await.await(b);
      }
    }
  }
}
