package io.github.switchboard.pool.internal.file;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.PoolEvent;
import io.github.switchboard.pool.PoolFormatException;
import io.github.switchboard.pool.internal.codec.PoolCodec;
import io.github.switchboard.pool.internal.codec.PoolDocument;
import io.github.switchboard.pool.internal.events.PoolEvents;
import io.github.switchboard.pool.internal.events.SnapshotDiff;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import io.github.switchboard.pool.internal.store.AbstractPoolStore;
import io.github.switchboard.pool.internal.store.PoolChange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The pool in the original's decoder_pool.json, safe for several processes (a coordinator and the CLI).
 *
 * Files, all in the pool file's directory:
 *   decoder_pool.json          configuration only (nodes, A/B tests); "dynamic": true marks nodes
 *                              registered at run time (the others are configured and never evicted)
 *   decoder_pool.json.runtime  runtime state (heartbeats, loads) and the sweeper lease; never fsynced,
 *                              losing it loses only heartbeats
 *   decoder_pool.json.lock     the lock file (FileChannel.lock; see FileLockRegistry)
 *
 * One store thread does all I/O: it takes queued operations in batches (group commit), and for a batch takes the
 * lock, re-reads whatever another process changed (read-modify-write: no lost update), applies the operations in
 * order, writes each changed file once (temp file in the same directory, fsync, atomic rename, fsync of the
 * directory), releases the lock, swaps the snapshot, calls the listener, and only then completes the operations'
 * stages (read-your-writes). Between batches it polls the files every pollInterval (size, mtime and inode, and the
 * content every tenth poll), so another process's change is seen within about pollInterval.
 *
 * A malformed pool file: WARN with the error, the last good snapshot is kept; nothing is written over it until a
 * change made through a store, which first copies the bad file aside (decoder_pool.json.corrupt-<time>). If the
 * file is malformed when the store opens (no good copy yet), changes fail with PoolFormatException until the file
 * is fixed. A pool file that disappears keeps the last good snapshot (the next change writes it back); a missing
 * file at open is an empty pool.
 */
/** A {@link PoolStore} in a JSON file shared by processes. */
public final class FilePoolStore extends AbstractPoolStore {
  private static final Logger LOG = LoggerFactory.getLogger(FilePoolStore.class);
  private static final ObjectMapper MAPPER = PoolCodec.newMapper(PoolCodec.MAX_DOCUMENT_LENGTH); // read limits
  private static final int MAX_BATCH = 4096;
  private static final int FULL_READ_EVERY = 10;

  private final Path file;
  private final Path runtimeFile;
  private final Path dir;
  private final Duration pollInterval;
  private final FileLockRegistry.Handle lock;
  private final BlockingQueue<Op<?>> queue = new LinkedBlockingQueue<>();
  private final Thread thread;

  // owned by the store thread (and the constructor before it starts)
  private final DiskCopy config = new DiskCopy();
  private final DiskCopy runtime = new DiskCopy();
  private @Nullable String badContentError;
  private int polls;
  private long lastPollNanos;
  private Lease lease = Lease.NONE;

  private volatile boolean goodCopy;
  private volatile @Nullable PoolFormatException lastError;
  private volatile boolean closed;

  private record Lease(String owner, long expiresMicros) {
    static final Lease NONE = new Lease("", 0);
  }

  /** The state an operation changes, inside one batch. */
  private static final class Working {
    PoolSnapshot snap;
    Lease lease;
    boolean configDirty;
    boolean runtimeDirty;
    final List<PoolEvent> events = new ArrayList<>();

    Working(PoolSnapshot snap, Lease lease) {
      this.snap = snap;
      this.lease = lease;
    }

    long nextRevision() {
      return snap.revision() + 1;
    }
  }

  private abstract static class Op<T> {
    final CompletableFuture<T> future = new CompletableFuture<>();
    @Nullable T result;

    /** Whether the op may change the configuration (and so needs a good copy of the file). */
    abstract boolean writesConfig();

    /** The op's result: null for an op of {@code Void}. */
    abstract @Nullable T apply(Working w);
  }

  private FilePoolStore(Path file, Duration pollInterval) throws IOException {
    super(PoolSnapshot.EMPTY);
    this.file = file.toAbsolutePath().normalize();
    Path parent = this.file.getParent();
    this.dir = parent == null ? Path.of(".").toAbsolutePath() : parent;
    this.runtimeFile = dir.resolve(this.file.getFileName() + ".runtime");
    this.pollInterval = pollInterval;
    Files.createDirectories(dir);
    this.lock = FileLockRegistry.acquire(dir.resolve(this.file.getFileName() + ".lock"));
    refresh(true);
    this.thread = new Thread(this::loop, "switchboard-pool-file-" + this.file.getFileName());
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /**
   * Opens a pool file (created on the first change if missing). A malformed file does not fail the open:
   * it is logged at WARN, the snapshot is empty, {@link #hasGoodCopy()} is false and changes fail until
   * the file is fixed.
   *
   * @param file the pool file
   * @param pollInterval how often to look for changes by other processes
   * @return the store
   * @throws UncheckedIOException if the directory cannot be created or the lock file opened
   */
  public static FilePoolStore open(Path file, Duration pollInterval) {
    try {
      return new FilePoolStore(file, pollInterval);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open pool file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Returns the pool file.
   *
   * @return the absolute path
   */
  public Path file() {
    return file;
  }

  /**
   * Returns whether the store has read a good copy of the file (or the file did not exist); false while a
   * file that was malformed at open has not been fixed.
   *
   * @return true if changes can be written
   */
  public boolean hasGoodCopy() {
    return goodCopy;
  }

  /**
   * Returns the last read error, if the file on disk is malformed now.
   *
   * @return the error, empty if the file is good
   */
  public java.util.Optional<PoolFormatException> lastError() {
    return java.util.Optional.ofNullable(lastError);
  }

  // ------------------------------------------------------------------------------------------ operations

  @Override
  public CompletionStage<Boolean> write(PoolChange change) {
    Objects.requireNonNull(change, "change");
    return submit(new Op<Boolean>() {
      @Override
      boolean writesConfig() {
        return change.changesConfiguration();
      }

      @Override
      Boolean apply(Working w) {
        boolean hadRuntime = w.snap.runtime().containsKey(change.id());
        PoolChange.Outcome o = change.applyTo(w.snap, w.nextRevision());
        PoolEvent e = o.event();
        if (e != null) {
          w.snap = o.snapshot();
          w.configDirty |= change.changesConfiguration();
          w.runtimeDirty |= !change.changesConfiguration()
              || (hadRuntime && !o.snapshot().runtime().containsKey(change.id()));
          w.events.add(e);
        }
        return o.result();
      }
    });
  }

  /**
   * Replaces the whole configuration (the mirror of a Redis pool), keeping runtime state of nodes that
   * stay; writes the file only if the configuration differs.
   *
   * @param doc the configuration
   * @return a stage completing when the file and the snapshot hold it
   */
  public CompletionStage<Void> replaceConfiguration(PoolDocument doc) {
    return updateConfiguration(current -> doc);
  }

  /**
   * As {@link #replaceConfiguration}, with the configuration {@code update} makes of the current one, read
   * under the file lock (no other process changes the file in between). Runs on the store thread.
   *
   * @param update from the current snapshot to the new configuration, or null to keep it
   * @return a stage completing when the file and the snapshot hold it; failed if {@code update} throws
   */
  public CompletionStage<Void> updateConfiguration(Function<PoolSnapshot, @Nullable PoolDocument> update) {
    return submit(new ConfigOp<Void>() {
      @Override
      @Nullable Void apply(Working w) {
        PoolDocument doc = update.apply(w.snap);
        if (doc == null) {
          return null;
        }
        PoolSnapshot next = PoolSnapshot.of(w.nextRevision(), doc);
        next = PoolSnapshot.of(next.revision(), next.nodes(), w.snap.runtime(), next.abTests(), next.configured());
        if (next.sameConfiguration(w.snap)) {
          return null;
        }
        w.events.addAll(SnapshotDiff.events(w.snap, next));
        w.snap = next;
        w.configDirty = true;
        return null;
      }
    });
  }

  @Override
  public CompletionStage<Void> reload() {
    return submit(new ReloadOp());
  }

  /** Re-reads the files in full; fails if the pool file is malformed. */
  private static final class ReloadOp extends Op<Void> {
    @Override
    boolean writesConfig() {
      return false;
    }

    @Override
    @Nullable Void apply(Working w) {
      return null;
    }
  }

  @Override
  public CompletionStage<Boolean> tryLead(String ownerId, Duration ttl, long nowMicros) {
    long ttlMicros = ttl.toNanos() / 1000;
    return submit(new Op<Boolean>() {
      @Override
      boolean writesConfig() {
        return false;
      }

      @Override
      Boolean apply(Working w) {
        Lease l = w.lease;
        if (l.owner().isEmpty() || l.owner().equals(ownerId) || l.expiresMicros() <= nowMicros) {
          w.lease = new Lease(ownerId, nowMicros + ttlMicros);
          w.runtimeDirty = true;
          return true;
        }
        return false;
      }
    });
  }

  /** Wakes the store thread up (on close). */
  private static final Op<Void> WAKE = new ReloadOp();

  private abstract static class ConfigOp<T> extends Op<T> {
    @Override
    boolean writesConfig() {
      return true;
    }
  }

  private <T> CompletionStage<T> submit(Op<T> op) {
    if (closed) {
      CompletableFuture<T> f = new CompletableFuture<>();
      f.completeExceptionally(new IllegalStateException("pool file store " + file + " is closed"));
      return f;
    }
    queue.add(op);
    return op.future;
  }

  // ---------------------------------------------------------------------------------------- store thread

  private void loop() {
    lastPollNanos = System.nanoTime();
    while (true) {
      Op<?> first;
      try {
        first = queue.poll(pollInterval.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        first = null; // never interrupted on purpose; fall through to the closed check
      }
      if (first == null || first == WAKE) {
        if (closed && queue.isEmpty()) {
          return;
        }
        if (first == null) {
          pollQuietly();
        }
        continue;
      }
      List<Op<?>> batch = new ArrayList<>();
      batch.add(first);
      queue.drainTo(batch, MAX_BATCH);
      batch.removeIf(op -> op == WAKE);
      runBatch(batch);
      if (System.nanoTime() - lastPollNanos >= pollInterval.toNanos()) {
        pollQuietly();
      }
    }
  }

  private void pollQuietly() {
    lastPollNanos = System.nanoTime();
    try {
      boolean full = ++polls % FULL_READ_EVERY == 0;
      List<PoolEvent> events = refresh(full);
      publish(events);
    } catch (IOException | RuntimeException e) {
      LOG.warn("pool file {}: cannot read it: {}", file, e.toString());
    }
  }

  private void runBatch(List<Op<?>> batch) {
    List<PoolEvent> events = new ArrayList<>();
    FileLockRegistry.Locked held;
    try {
      held = lock.lock();
    } catch (IOException | RuntimeException e) {
      LOG.warn("pool file {}: cannot lock it: {}", file, e.toString());
      failAll(batch, e);
      return;
    }
    try {
      events.addAll(refresh(true));
      Working w = new Working(snapshot, lease);
      List<Op<?>> applied = new ArrayList<>();
      boolean reloaded = false;
      for (Op<?> op : batch) {
        PoolFormatException err = lastError;
        if (op instanceof ReloadOp) {
          if (err != null) {
            op.future.completeExceptionally(err);
            continue;
          }
          if (!reloaded) {
            w.events.add(PoolEvents.reloaded(w.snap.revision()));
            reloaded = true;
          }
        } else if (op.writesConfig() && !goodCopy) {
          op.future.completeExceptionally(new PoolFormatException(
              "pool file " + file + " is malformed and no good copy of it was read yet; not writing over it"
                  + " until it is fixed: " + (err == null ? "unknown error" : err.getMessage()), err));
          continue;
        }
        try {
          apply(op, w);
          applied.add(op);
        } catch (RuntimeException e) {
          op.future.completeExceptionally(e);
        }
      }
      try {
        if (w.configDirty && !w.snap.sameConfiguration(snapshot)) {
          writeConfig(w.snap);
        }
        if (w.runtimeDirty) {
          writeRuntime(w.snap, w.lease);
        }
      } catch (IOException e) {
        LOG.warn("pool file {}: cannot write it: {}", file, e.toString());
        publish(events);
        failAll(applied, e);
        return;
      }
      snapshot = w.snap;
      lease = w.lease;
      events.addAll(w.events);
      publish(events);
      for (Op<?> op : applied) {
        complete(op);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("pool file {}: cannot read it: {}", file, e.toString());
      publish(events);
      failAll(batch, e);
    } finally {
      try {
        held.close();
      } catch (IOException e) {
        LOG.warn("pool file {}: cannot release the lock: {}", file, e.toString());
      }
    }
  }

  private void failAll(List<Op<?>> ops, Exception cause) {
    for (Op<?> op : ops) {
      if (!op.future.isDone()) {
        op.future.completeExceptionally(cause instanceof IOException io
            ? new UncheckedIOException("pool file " + file + ": " + io.getMessage(), io)
            : cause);
      }
    }
  }

  private static <T> void apply(Op<T> op, Working w) {
    op.result = op.apply(w);
  }

  private static <T> void complete(Op<T> op) {
    op.future.complete(op.result);
  }

  private void publish(List<PoolEvent> events) {
    for (PoolEvent e : events) {
      emit(e);
    }
  }

  // ------------------------------------------------------------------------------------------ disk reads

  /**
   * Re-reads the files if they changed (or always, with {@code full}); updates the snapshot and returns the
   * events. A malformed pool file never throws: it sets lastError (and WARNs once per distinct error).
   */
  private List<PoolEvent> refresh(boolean full) throws IOException {
    List<PoolEvent> events = new ArrayList<>();
    PoolSnapshot before = snapshot;
    PoolSnapshot next = before;
    boolean configChanged = false;

    byte[] cfg = config.readIfChanged(file, full);
    if (cfg != null) {
      if (!config.exists()) {
        if (before.nodes().isEmpty() && before.abTests().isEmpty()) {
          goodCopy = true;
        } else {
          LOG.warn("pool file {} disappeared; keeping the last good pool ({} nodes); the next change writes"
              + " it again", file, before.nodes().size());
        }
        badContentError = null;
        lastError = null;
      } else {
        try {
          PoolDocument doc = PoolCodec.readDocument(cfg, file.getFileName().toString());
          PoolSnapshot fromFile = PoolSnapshot.of(before.revision(), doc);
          Map<String, NodeRuntime> rt = new HashMap<>(fromFile.runtime());
          rt.putAll(before.runtime());
          next = PoolSnapshot.of(before.revision(), fromFile.nodes(), rt, fromFile.abTests(), fromFile.configured());
          if (badContentError != null) {
            LOG.info("pool file {} is valid again ({} nodes)", file, doc.nodes().size());
          } else if (!goodCopy) {
            LOG.info("pool file {}: read {} nodes, {} A/B tests{}", file, doc.nodes().size(),
                doc.abTests().size(), doc.legacyList() ? " (legacy list form)" : "");
          }
          badContentError = null;
          lastError = null;
          goodCopy = true;
          configChanged = !next.sameConfiguration(before);
        } catch (PoolFormatException e) {
          lastError = e;
          if (!Objects.equals(badContentError, e.getMessage())) {
            badContentError = e.getMessage();
            LOG.warn("pool file {} is malformed: {}; keeping the last good pool ({} nodes) and not writing over"
                + " the file until a valid change", file, e.getMessage(), before.nodes().size());
          }
        }
      }
    }

    byte[] rt = runtime.readIfChanged(runtimeFile, full);
    if (rt != null) {
      Map<String, NodeRuntime> states = new HashMap<>(next.runtime());
      Lease l = Lease.NONE;
      if (runtime.exists()) {
        try {
          JsonNode root = MAPPER.readTree(rt);
          JsonNode nodes = root == null ? null : root.get("nodes");
          if (nodes != null && nodes.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = nodes.properties().iterator();
            while (it.hasNext()) {
              Map.Entry<String, JsonNode> e = it.next();
              NodeRuntime r = PoolCodec.readRuntime(e.getValue().toString());
              NodeRuntime mine = states.get(e.getKey());
              if (mine == null || r.lastHeartbeatMicros() >= mine.lastHeartbeatMicros()) {
                states.put(e.getKey(), r);
              }
            }
          }
          JsonNode ln = root == null ? null : root.get("lease");
          if (ln != null && ln.isObject() && ln.path("owner").isTextual()) {
            l = new Lease(ln.get("owner").textValue(), ln.path("expires").asLong(0));
          }
        } catch (IOException | RuntimeException e) {
          LOG.warn("pool runtime file {} is unreadable ({}); ignoring it (it holds only heartbeats)",
              runtimeFile, e.toString());
        }
      }
      lease = l;
      next = PoolSnapshot.of(next.revision(), next.nodes(), states, next.abTests(), next.configured());
    }

    if (next != before) {
      PoolSnapshot candidate = next.withRevision(before.revision() + 1);
      List<PoolEvent> diff = SnapshotDiff.events(before, candidate);
      if (!diff.isEmpty() || configChanged) {
        snapshot = candidate;
        events.addAll(diff);
        if (configChanged) {
          events.add(PoolEvents.reloaded(candidate.revision()));
        }
      }
    }
    return events;
  }

  // ----------------------------------------------------------------------------------------- disk writes

  private void writeConfig(PoolSnapshot s) throws IOException {
    if (badContentError != null && Files.exists(file)) {
      Path aside = dir.resolve(file.getFileName() + ".corrupt-"
          + LocalDateTime.now(ZoneId.systemDefault()).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")));
      Files.copy(file, aside, StandardCopyOption.REPLACE_EXISTING);
      LOG.warn("pool file {} was malformed; kept it as {} and wrote the last good pool with the new change",
          file, aside);
      badContentError = null;
      lastError = null;
    }
    byte[] bytes = PoolCodec.writeDocument(s.toDocument());
    atomicWrite(file, bytes, true);
    config.remember(file, bytes);
  }

  private void writeRuntime(PoolSnapshot s, Lease l) throws IOException {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode nodes = root.putObject("nodes");
    for (Map.Entry<String, NodeRuntime> e : s.runtime().entrySet()) {
      if (e.getValue().hasHeartbeat() || !e.getValue().load().equals(NodeLoad.NONE)) {
        nodes.set(e.getKey(), MAPPER.readTree(PoolCodec.writeRuntime(e.getValue())));
      }
    }
    if (!l.owner().isEmpty()) {
      ObjectNode ln = root.putObject("lease");
      ln.put("owner", l.owner());
      ln.put("expires", l.expiresMicros());
    }
    byte[] bytes = MAPPER.writeValueAsBytes(root);
    atomicWrite(runtimeFile, bytes, false);
    runtime.remember(runtimeFile, bytes);
  }

  private void atomicWrite(Path target, byte[] bytes, boolean durable) throws IOException {
    Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
        + ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        if (durable) {
          ch.force(true);
        }
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    if (durable) {
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      } catch (IOException | UnsupportedOperationException e) {
        // not every platform can sync a directory; the rename itself is atomic
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ close

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    queue.add(WAKE);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Op<?> op; (op = queue.poll()) != null; ) {
      op.future.completeExceptionally(new IllegalStateException("pool file store " + file + " is closed"));
    }
    try {
      lock.release();
    } catch (IOException e) {
      LOG.warn("pool file {}: cannot close the lock file: {}", file, e.toString());
    }
  }

  @Override
  public String toString() {
    return "FilePoolStore[" + file + ", " + snapshot + "]";
  }

}
