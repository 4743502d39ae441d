package io.github.switchboard.pool.internal.file;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.switchboard.pool.internal.codec.PoolCodec;
import io.github.switchboard.pool.internal.store.PoolChange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The changes a guarded pool made while Redis was down, to be replayed into Redis when it is back.
 *
 * One journal per process (per pool instance): kept in memory and, when the pool has a file, in its own
 * file "<pool file>.journal.<pid>-<random>" (one JSON object per line, appended), which only this instance
 * writes, so two coordinators sharing a pool file never append to, or rewrite, each other's journal. While
 * the file exists its owner holds an exclusive lock on "<journal file>.lock" (FileChannel.lock: released
 * by the OS when the process dies).
 *
 * Orphans: a journal whose lock nobody holds belongs to a process that stopped (closed, or crashed) before
 * Redis came back. Whichever coordinator recovers first adopts every orphan (orphans(): takes its lock,
 * reads it), replays it with its own, and deletes it; a journal whose owner still runs is left to its owner,
 * which replays it when it sees Redis again. Two adopters of one orphan at once (a race on the lock file)
 * only replay it twice, which changes nothing the second time. The single shared "<pool file>.journal" of
 * earlier versions is adopted the same way. A line that cannot be read (a torn last line after a crash) is
 * skipped with a WARN.
 *
 * Pending items (pendingItems()): the nodes and A/B tests named in any journal next to the pool file,
 * whoever's; a copy of Redis into the shared file keeps the file's version of them (PoolFileSync).
 *
 * Each entry carries the time it was made (the pool's clock, strictly increasing within a process). The
 * replay script applies an entry only if Redis holds nothing newer for the same item (see pool_apply.lua),
 * so replaying twice, or replaying what Redis already has, changes nothing.
 *
 * Compaction: only the latest entry per item matters to a replay (a later entry for the same node,
 * heartbeat or A/B test supersedes an earlier one, and every entry carries the full state of its item), so
 * the journal is compacted in memory and on disk when it grows past a bound: a long outage with heartbeats
 * every few seconds keeps one entry per node, not one per heartbeat.
 *
 * Durability: lines are written (not fsynced) on append, which survives a process crash; the file is
 * forced to disk on compaction and on close.
 */
/** An append-only journal of pool changes made while Redis was unavailable. Thread-safe. */
public final class PoolJournal implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PoolJournal.class);
  private static final ObjectMapper MAPPER = PoolCodec.newMapper(PoolCodec.MAX_DOCUMENT_LENGTH); // read limits
  private static final int COMPACT_AT = 10_000;

  /**
   * One journaled change with its time.
   *
   * @param ts when the change was made, microseconds since the epoch (a heartbeat's own time for a
   *     heartbeat, which is what pool_apply.lua compares it by)
   * @param change the change
   */
  public record Entry(long ts, PoolChange change) {
    /** Checks the fields; a heartbeat's entry takes the heartbeat's time. */
    public Entry {
      Objects.requireNonNull(change, "change");
      if (change instanceof PoolChange.Heartbeat h) {
        ts = h.atMicros();
      }
    }

    /**
     * Returns the change's operation code.
     *
     * @return {@link PoolChange#op()}
     */
    public String op() {
      return change.op();
    }

    /**
     * Returns the node id or A/B test name.
     *
     * @return {@link PoolChange#id()}
     */
    public String id() {
      return change.id();
    }

    /**
     * Returns the item this entry changes: later entries for the same item supersede earlier ones.
     *
     * @return {@link PoolChange#item()}
     */
    public String item() {
      return change.item();
    }
  }

  private final @Nullable Path base;
  private final @Nullable Path file;
  private final List<Entry> entries = new ArrayList<>();
  private @Nullable FileChannel channel;
  private @Nullable FileChannel lockChannel;
  private boolean closed;
  private int compactAt = COMPACT_AT;

  /**
   * Opens this instance's journal: empty, in a file of its own next to {@code base} (created on the first
   * append). What earlier processes left is read through {@link #orphans()}.
   *
   * @param base the journal name, {@code <pool file>.journal} (see {@link #siblingOf(Path)}), or null for
   *     a journal in memory only
   */
  public PoolJournal(@Nullable Path base) {
    this.base = base;
    this.file = base == null ? null : base.resolveSibling(base.getFileName() + "." + Long.toHexString(
        ProcessHandle.current().pid()) + "-" + Long.toHexString(new java.security.SecureRandom().nextLong()));
  }

  /**
   * Returns the journal file next to a pool file.
   *
   * @param poolFile the pool file
   * @return {@code <pool file>.journal}
   */
  public static Path siblingOf(Path poolFile) {
    return poolFile.resolveSibling(poolFile.getFileName() + ".journal");
  }

  private static List<Entry> load(Path f) {
    List<String> lines;
    List<Entry> out = new ArrayList<>();
    try {
      lines = Files.readAllLines(f, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return out;
    } catch (IOException e) {
      LOG.warn("pool journal {} cannot be read ({}); it is left in place", f, e.toString());
      return out;
    }
    int bad = 0;
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      try {
        out.add(parse(line));
      } catch (IOException | RuntimeException e) {
        bad++;
      }
    }
    if (bad > 0) {
      LOG.warn("pool journal {}: skipped {} unreadable line(s) (for example a line torn by a crash)", f, bad);
    }
    return out;
  }

  /**
   * The journals of processes that stopped before replaying them, adopted (locked) by this instance until
   * {@link #replayed()} deletes them or {@link #close()} leaves them for another process.
   */
  public static final class Orphans implements AutoCloseable {
    private final List<Path> files;
    private final List<FileChannel> locks;
    private final List<Entry> entries;

    private Orphans(List<Path> files, List<FileChannel> locks, List<Entry> entries) {
      this.files = files;
      this.locks = locks;
      this.entries = entries;
    }

    /**
     * Returns the adopted entries, the latest of each item per journal, by time.
     *
     * @return an unmodifiable list
     */
    public List<Entry> entries() {
      return entries;
    }

    /**
     * Returns the adopted journal files.
     *
     * @return an unmodifiable list
     */
    List<Path> files() {
      return files;
    }

    /** Deletes the adopted journals (their entries are in Redis now) and releases them. */
    public void replayed() {
      for (Path f : files) {
        try {
          Files.deleteIfExists(f);
        } catch (IOException e) {
          LOG.warn("pool journal {} could not be deleted after its replay ({}); a later replay of it changes"
              + " nothing", f, e.toString());
        }
      }
      release(true);
    }

    /** Releases the adopted journals without deleting them (another process may adopt them). */
    @Override
    public void close() {
      release(false);
    }

    private void release(boolean delete) {
      for (int i = 0; i < locks.size(); i++) {
        FileChannel ch = locks.get(i);
        try {
          if (delete) {
            Files.deleteIfExists(lockOf(files.get(i)));
          }
          ch.close();
        } catch (IOException e) {
          LOG.debug("pool journal lock of {}: {}", files.get(i), e.toString());
        }
      }
      locks.clear();
    }
  }

  private static Path lockOf(Path journal) {
    return journal.resolveSibling(journal.getFileName() + ".lock");
  }

  /** Locks a journal's lock file; null if its owner (in this or another process) holds it. */
  private static @Nullable FileChannel tryLock(Path journal) throws IOException {
    FileChannel ch = FileChannel.open(lockOf(journal), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      if (ch.tryLock() != null) {
        return ch;
      }
    } catch (java.nio.channels.OverlappingFileLockException e) {
      // held by another journal in this JVM
    }
    ch.close();
    return null;
  }

  /**
   * Adopts the journals of the stopped processes of this pool file: locks and reads every journal next to
   * the base whose lock is free (and the shared journal of earlier versions). Journals whose owner runs are
   * left alone.
   *
   * @return the adopted journals; close it (or call {@link Orphans#replayed()}) when done
   */
  public Orphans orphans() {
    List<Path> files = new ArrayList<>();
    List<FileChannel> locks = new ArrayList<>();
    List<Entry> adopted = new ArrayList<>();
    if (base == null) {
      return new Orphans(files, locks, adopted);
    }
    Path dir = base.toAbsolutePath().getParent();
    String name = base.getFileName().toString();
    String own = Objects.requireNonNull(file).getFileName().toString();
    List<Path> candidates = new ArrayList<>();
    try (java.util.stream.Stream<Path> list = Files.list(dir)) {
      list.filter(p -> {
        String n = p.getFileName().toString();
        return (n.equals(name) || n.startsWith(name + ".")) && !n.equals(own) && !n.endsWith(".lock")
            && !n.endsWith(".tmp") && Files.isRegularFile(p);
      }).sorted().forEach(candidates::add);
    } catch (IOException e) {
      LOG.warn("pool journals next to {} cannot be listed ({}); orphaned journals wait", base, e.toString());
    }
    for (Path p : candidates) {
      try {
        FileChannel lock = tryLock(p);
        if (lock == null) {
          continue; // its owner runs
        }
        if (!Files.exists(p)) { // replayed and deleted by another adopter meanwhile
          lock.close();
          continue;
        }
        List<Entry> es = load(p);
        files.add(p);
        locks.add(lock);
        adopted.addAll(compact(es));
        if (!es.isEmpty()) {
          LOG.info("pool journal {}: {} change(s) left by a stopped process are replayed by this one", p,
              es.size());
        }
      } catch (IOException e) {
        LOG.warn("pool journal {} cannot be adopted ({}); it waits", p, e.toString());
      }
    }
    adopted.sort(Comparator.comparingLong(Entry::ts));
    return new Orphans(List.copyOf(files), locks, List.copyOf(adopted));
  }

  /**
   * Returns the items ({@link Entry#item()}) that wait in a journal of this pool file, this instance's or
   * another's, running or stopped: changes made during an outage that Redis may not have yet, so newer than
   * any Redis snapshot (PoolFileSync keeps the file's version of them). Unreadable lines are skipped
   * silently (adoption reports them).
   *
   * @return the items, empty for a journal in memory only with nothing waiting
   */
  Set<String> pendingItems() {
    Set<String> items = new HashSet<>();
    synchronized (this) {
      for (Entry e : entries) {
        items.add(e.item());
      }
    }
    if (base == null) {
      return items;
    }
    Path dir = base.toAbsolutePath().getParent();
    String name = base.getFileName().toString();
    try (java.util.stream.Stream<Path> list = Files.list(dir)) {
      for (Path p : list.filter(f -> {
        String n = f.getFileName().toString();
        return (n.equals(name) || n.startsWith(name + ".")) && !n.endsWith(".lock") && !n.endsWith(".tmp");
      }).toList()) {
        List<String> lines;
        try {
          lines = Files.readAllLines(p, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
          continue; // replayed and deleted meanwhile: nothing waits in it
        }
        for (String line : lines) {
          try {
            items.add(parse(line).item());
          } catch (IOException | RuntimeException e) {
            // a torn or blank line: nothing to keep for it
          }
        }
      }
    } catch (NoSuchFileException e) {
      // no directory: no journal
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the pool journals next to " + base, e);
    }
    return items;
  }

  /** Holds this journal's own lock while its file exists. */
  private void lockOwn() throws IOException {
    if (lockChannel == null) {
      Path f = Objects.requireNonNull(file);
      Path dir = f.toAbsolutePath().getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      FileChannel ch = tryLock(f);
      if (ch == null) {
        throw new IOException("the lock " + lockOf(f) + " is held by another process");
      }
      lockChannel = ch;
    }
  }

  private static Entry parse(String line) throws IOException {
    JsonNode n = MAPPER.readTree(line);
    if (n == null || !n.isObject() || !n.path("ts").isIntegralNumber() || !n.path("op").isTextual()
        || !n.path("id").isTextual()) {
      throw new IOException("not a journal entry");
    }
    return new Entry(n.get("ts").longValue(), PoolChange.fromWire(n.get("op").textValue(),
        n.get("id").textValue(), n.path("a").asText(""), n.path("b").asText("")));
  }

  private static String format(Entry e) {
    ObjectNode o = MAPPER.createObjectNode();
    PoolChange c = e.change();
    o.put("ts", e.ts());
    o.put("op", c.op());
    o.put("id", c.id());
    String a = c.a();
    if (!a.isEmpty()) {
      o.put("a", a);
    }
    if (!c.b().isEmpty()) {
      o.put("b", c.b());
    }
    return o.toString() + "\n";
  }

  /**
   * Appends an entry, in memory and to the file.
   *
   * @param e the entry
   * @throws UncheckedIOException if the file cannot be written (the entry stays in memory)
   */
  public synchronized void append(Entry e) {
    entries.add(e);
    if (entries.size() >= compactAt) {
      List<Entry> c = compacted();
      boolean worth = c.size() < entries.size() / 2;
      if (worth) {
        entries.clear();
        entries.addAll(c);
        rewrite();
      }
      compactAt = Math.max(COMPACT_AT, 2 * entries.size());
      if (worth) {
        return;
      }
    }
    if (file != null && !closed) {
      try {
        FileChannel ch = channel();
        ByteBuffer buf = ByteBuffer.wrap(format(e).getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
      } catch (IOException ex) {
        throw new UncheckedIOException("cannot append to the pool journal " + file, ex);
      }
    }
  }

  private FileChannel channel() throws IOException {
    FileChannel ch = channel;
    if (ch == null) {
      Path f = Objects.requireNonNull(file);
      lockOwn();
      ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      channel = ch;
    }
    return ch;
  }

  private void rewrite() {
    if (file == null || closed) {
      return;
    }
    Path f = file;
    try {
      closeChannel();
      if (entries.isEmpty()) {
        Files.deleteIfExists(f);
        return;
      }
      lockOwn();
      Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
      StringBuilder sb = new StringBuilder();
      for (Entry e : entries) {
        sb.append(format(e));
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      LOG.warn("pool journal {} could not be rewritten ({}); entries are kept in memory", f, e.toString());
    }
  }

  private void closeChannel() throws IOException {
    FileChannel ch = channel;
    channel = null;
    if (ch != null) {
      ch.force(true);
      ch.close();
    }
  }

  /**
   * Returns the entries in the order they were made.
   *
   * @return a copy
   */
  public synchronized List<Entry> entries() {
    return List.copyOf(entries);
  }

  /**
   * Returns only the latest entry of each item, ordered by time: what a replay needs.
   *
   * @return a new list
   */
  public synchronized List<Entry> compacted() {
    return compact(entries);
  }

  private static List<Entry> compact(List<Entry> entries) {
    Map<String, Entry> latest = new LinkedHashMap<>();
    for (Entry e : entries) {
      latest.remove(e.item());
      latest.put(e.item(), e);
    }
    List<Entry> out = new ArrayList<>(latest.values());
    out.sort(Comparator.comparingLong(Entry::ts));
    return out;
  }

  /**
   * Returns how many entries the journal holds.
   *
   * @return the count
   */
  public synchronized int size() {
    return entries.size();
  }

  /**
   * Returns whether the journal is empty.
   *
   * @return true if nothing waits to be replayed
   */
  public synchronized boolean isEmpty() {
    return entries.isEmpty();
  }

  /**
   * Drops the first {@code count} entries (those a replay has put into Redis) and rewrites the file.
   *
   * @param count how many entries, from the start
   */
  public synchronized void dropFirst(int count) {
    int n = Math.min(count, entries.size());
    if (n == 0) {
      return;
    }
    entries.subList(0, n).clear();
    rewrite();
  }

  /**
   * Returns this instance's journal file, if any (it exists only while entries wait).
   *
   * @return the file, or null for a journal in memory only
   */
  public @Nullable Path file() {
    return file;
  }

  /**
   * Forces the file to disk and closes it, releasing its lock: entries left in it are adopted by the next
   * coordinator of this pool file that sees Redis (see {@link #orphans()}).
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    try {
      closeChannel();
    } catch (IOException e) {
      LOG.warn("pool journal {} could not be closed cleanly ({})", file, e.toString());
    }
    FileChannel lock = lockChannel;
    lockChannel = null;
    if (lock != null) {
      try {
        if (file != null) {
          Files.deleteIfExists(lockOf(file)); // free now; an adopter creates it again
        }
        lock.close();
      } catch (IOException e) {
        LOG.debug("pool journal lock of {}: {}", file, e.toString());
      }
    }
    closed = true;
  }

  @Override
  public synchronized String toString() {
    return "PoolJournal[" + (file == null ? "memory" : file.toString()) + ", " + entries.size() + " entries]";
  }
}
