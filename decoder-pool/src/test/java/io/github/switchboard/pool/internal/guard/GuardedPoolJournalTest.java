package io.github.switchboard.pool.internal.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.PoolTesting;
import io.github.switchboard.pool.internal.file.PoolJournal.Entry;
import io.github.switchboard.pool.internal.file.PoolJournal;
import io.github.switchboard.pool.internal.store.PoolChange;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal of the guarded store: one file per instance, locked; a stopped instance's journal is adopted
 * by the next, a torn line skipped; compaction per item.
 */
class GuardedPoolJournalTest {
  @TempDir Path dir;

  @Test
  void aStoppedInstancesJournalIsAdoptedByTheNextAndATornLastLineIsSkipped() throws Exception {
    Path base = PoolJournal.siblingOf(dir.resolve("decoder_pool.json"));
    assertThat(base.getFileName().toString()).isEqualTo("decoder_pool.json.journal");
    Entry up = new Entry(1, new PoolChange.Upsert(PoolTesting.node("d1").build(), false));
    Entry hb = new Entry(2, new PoolChange.Heartbeat("d1", NodeLoad.of(1), 2));
    Entry del = new Entry(3, new PoolChange.Remove("d2"));
    Entry other = new Entry(5, new PoolChange.Remove("d9"));
    Path first;
    try (PoolJournal j = new PoolJournal(base);
        PoolJournal running = new PoolJournal(base)) {
      j.append(up);
      j.append(hb);
      j.append(del);
      running.append(other);
      first = j.file();
      assertThat(first).exists().isNotEqualTo(running.file());
      assertThat(first.getFileName().toString()).startsWith("decoder_pool.json.journal.");
      try (PoolJournal.Orphans o = running.orphans()) {
        assertThat(o.entries()).as("a running owner's journal is its own").isEmpty();
      }
    }
    Files.writeString(first, "{\"ts\":4,\"op\":\"up\",\"id\":\"d3\",\"a\":\"{\\\"node", StandardCharsets.UTF_8,
        StandardOpenOption.APPEND); // a crash in the middle of a line
    try (PoolJournal next = new PoolJournal(base)) {
      assertThat(next.isEmpty()).isTrue();
      PoolJournal.Orphans o = next.orphans();
      assertThat(o.entries()).containsExactly(up, hb, del, other); // both stopped journals, by time
      try (PoolJournal.Orphans again = new PoolJournal(base).orphans()) {
        assertThat(again.entries()).as("adopted: locked by the adopter").isEmpty();
      }
      o.replayed();
      o.close();
    }
    try (var files = Files.list(dir)) {
      assertThat(files).as("replayed journals and their locks are deleted").isEmpty();
    }
  }

  @Test
  void theSharedJournalOfEarlierVersionsIsAdopted() throws Exception {
    Path base = PoolJournal.siblingOf(dir.resolve("decoder_pool.json"));
    Files.writeString(base, "{\"ts\":7,\"op\":\"del\",\"id\":\"old\"}\n", StandardCharsets.UTF_8);
    try (PoolJournal j = new PoolJournal(base); PoolJournal.Orphans o = j.orphans()) {
      assertThat(o.entries()).containsExactly(new Entry(7, new PoolChange.Remove("old")));
      o.replayed();
    }
    assertThat(base).doesNotExist();
  }

  @Test
  void compactionKeepsTheLatestEntryOfEachItem() throws Exception {
    Path file = dir.resolve("pool.json.journal");
    try (PoolJournal j = new PoolJournal(file)) {
      for (int i = 1; i <= 25_000; i++) {
        j.append(new Entry(i, new PoolChange.Heartbeat("n" + (i % 10), NodeLoad.of(i), i)));
      }
      j.append(new Entry(30_000, new PoolChange.Upsert(PoolTesting.node("n1").build(), true)));
      j.append(new Entry(30_001, new PoolChange.RemoveAbTest("t")));
      List<Entry> c = j.compacted();
      assertThat(c).hasSize(12);
      assertThat(c).filteredOn(e -> e.op().equals("hb") && e.id().equals("n3"))
          .singleElement().extracting(Entry::ts).isEqualTo(24_993L);
      assertThat(c.get(c.size() - 1).op()).isEqualTo("abdel");
      assertThat(j.size()).isLessThan(10_100); // compacted in memory and on disk as it grew
    }
    try (PoolJournal again = new PoolJournal(file); PoolJournal.Orphans o = again.orphans()) {
      assertThat(o.entries()).hasSize(12);
    }
  }
}
