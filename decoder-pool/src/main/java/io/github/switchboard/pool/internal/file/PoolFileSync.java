package io.github.switchboard.pool.internal.file;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.internal.codec.PoolCodec;
import io.github.switchboard.pool.internal.codec.PoolDocument;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/*
 * Copies a guarded store's Redis configuration into its pool file (when it enters the fallback, and as the
 * mirror) without undoing newer changes that the file holds when several coordinators share it.
 *
 * Why: a plain copy of one coordinator's Redis snapshot over the whole file loses changes.
 * - The snapshot can be older than the file. Pub/sub reaches the coordinators a few milliseconds apart, so
 *   when Redis dies one of them may not have seen its last change yet; the other one entered the fallback
 *   first and wrote the newer snapshot. Seen in GuardedSharedFileOutageTest: a node registered just before
 *   the kill vanished from the file when the second coordinator entered the fallback; the drain the first
 *   then made on the file found no node, so it was refused and not journaled, and the node came back
 *   ACTIVE from the other's merge (RedisPoolResync.foreignEpoch) after Redis restarted empty.
 * - The file holds the changes coordinators made during an outage, which Redis has only once their
 *   journals are replayed. The second coordinator to enter the fallback erased the first one's writes
 *   from the file (replayed later from its journal, but meanwhile its reads lost them, and a change to
 *   such a node was refused and lost); the first to recover erased, with its mirror, those of a
 *   coordinator still in the fallback.
 *
 * So a copy is one FilePoolStore operation, under the pool file's lock, against the file as it is on disk:
 * - it is skipped when the file already holds the same or a later revision of the same Redis pool: the
 *   marker "<pool file>.redis" ({"epoch":E,"rev":R}) is written with each copy, in the same locked
 *   operation. Another epoch (the pool re-created after a loss, or another Redis) always copies. A failover
 *   that lost writes (the revision goes back) copies again once the revision passes the marker; meanwhile
 *   the file keeps the newer content, which the coordinators replay anyway (replayLostWrites);
 * - it keeps the file's version (present or absent) of every node and A/B test that a journal next to the
 *   file names (PoolJournal.pendingItems: any coordinator's, running or stopped): a change made during an
 *   outage and not replayed yet is newer than any Redis snapshot. Once replayed, the journal is gone and the
 *   next copy takes Redis's version.
 *
 * Limit: a coordinator writes the file before it appends to its journal; a copy by another coordinator
 * in between (microseconds) does not see that item as pending. Its journal entry still reaches Redis.
 * Runtime state (heartbeats) is not copied here: the guarded store writes newer heartbeats one by one.
 */
/** Copies Redis's configuration into a shared pool file, never over newer content. Thread-safe. */
public final class PoolFileSync {
  private static final ObjectMapper MAPPER = PoolCodec.newMapper(PoolCodec.MAX_DOCUMENT_LENGTH);

  private final FilePoolStore file;
  private final PoolJournal journal;
  private final Supplier<@Nullable String> epoch;
  private final Path marker;

  /**
   * Creates the copier of one guarded store.
   *
   * @param file the pool file's store
   * @param journal the guarded store's journal (it finds every journal next to the file)
   * @param epoch the Redis pool's current epoch (RedisPoolResync.epoch), or null if unknown
   */
  public PoolFileSync(FilePoolStore file, PoolJournal journal, Supplier<@Nullable String> epoch) {
    this.file = Objects.requireNonNull(file, "file");
    this.journal = Objects.requireNonNull(journal, "journal");
    this.epoch = Objects.requireNonNull(epoch, "epoch");
    this.marker = markerOf(file.file());
  }

  /**
   * Returns the marker file of a pool file.
   *
   * @param poolFile the pool file
   * @return {@code <pool file>.redis}
   */
  static Path markerOf(Path poolFile) {
    return poolFile.resolveSibling(poolFile.getFileName() + ".redis");
  }

  /**
   * Returns the pool file's store.
   *
   * @return the store
   */
  public FilePoolStore file() {
    return file;
  }

  /**
   * Copies a Redis snapshot's configuration into the file, unless the file holds the same or a later
   * revision of the same pool, keeping the file's version of every item a journal names.
   *
   * @param redis the Redis store's snapshot (its revision is Redis's)
   * @return a stage completing when the file holds the result
   */
  public CompletionStage<Void> copy(PoolSnapshot redis) {
    String e = epoch.get();
    String ep = e == null ? "" : e;
    long rev = redis.revision();
    return file.updateConfiguration(current -> {
      Marker m = readMarker();
      if (m != null && m.epoch().equals(ep) && rev <= m.rev()) {
        return null; // the file holds this revision or a later one
      }
      PoolDocument doc = merge(redis, current, journal.pendingItems());
      writeMarker(new Marker(ep, rev));
      return doc;
    });
  }

  /** Redis's configuration, with the file's version of the items in {@code pending}. */
  static PoolDocument merge(PoolSnapshot redis, PoolSnapshot current, Set<String> pending) {
    Map<String, DecoderNode> nodes = new HashMap<>();
    Set<String> configured = new HashSet<>();
    take(redis, pending, nodes, configured, false);
    take(current, pending, nodes, configured, true);
    List<DecoderNode> list = new ArrayList<>(nodes.values());
    list.sort(Comparator.comparing(DecoderNode::nodeId));
    Map<String, AbTest> tests = new HashMap<>();
    for (AbTest t : redis.sortedAbTests()) {
      if (!pending.contains("a:" + t.name())) {
        tests.put(t.name(), t);
      }
    }
    for (AbTest t : current.sortedAbTests()) {
      if (pending.contains("a:" + t.name())) {
        tests.put(t.name(), t);
      }
    }
    List<AbTest> abTests = new ArrayList<>(tests.values());
    abTests.sort(Comparator.comparing(AbTest::name));
    return new PoolDocument(list, configured, abTests, Map.of(), false);
  }

  private static void take(PoolSnapshot s, Set<String> pending, Map<String, DecoderNode> nodes,
      Set<String> configured, boolean pendingOnes) {
    for (DecoderNode n : s.sortedNodes()) {
      if (pending.contains("n:" + n.nodeId()) == pendingOnes) {
        nodes.put(n.nodeId(), n);
        if (s.isConfigured(n.nodeId())) {
          configured.add(n.nodeId());
        }
      }
    }
  }

  /** What the marker says: the file holds revision {@code rev} of the pool's epoch {@code epoch}. */
  record Marker(String epoch, long rev) {}

  /** The marker, or null if there is none or it cannot be read (then the copy is made). */
  @Nullable Marker readMarker() {
    try {
      JsonNode n = MAPPER.readTree(Files.readAllBytes(marker));
      if (n != null && n.path("epoch").isTextual() && n.path("rev").isIntegralNumber()) {
        return new Marker(n.get("epoch").textValue(), n.get("rev").longValue());
      }
      return null;
    } catch (IOException | RuntimeException e) {
      return null; // none (NoSuchFileException), or unreadable: copy
    }
  }

  private void writeMarker(Marker m) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("epoch", m.epoch());
    o.put("rev", m.rev());
    Path tmp = marker.resolveSibling(marker.getFileName() + ".tmp");
    try {
      Files.write(tmp, (o + "\n").getBytes(StandardCharsets.UTF_8));
      try {
        Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, marker, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + marker, e);
    }
  }

  @Override
  public String toString() {
    Marker m = readMarker();
    return "PoolFileSync[" + marker + ", " + (m == null ? "no marker" : m.epoch() + "/" + m.rev()) + "]";
  }
}
