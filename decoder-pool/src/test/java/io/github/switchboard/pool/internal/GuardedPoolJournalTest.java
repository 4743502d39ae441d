package io.github.switchboard.pool.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.PoolTesting;
import io.github.switchboard.pool.internal.PoolJournal.Entry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal of the guarded store: survives a restart, skips a torn line, compacts per item. */
class GuardedPoolJournalTest {
  @TempDir Path dir;

  @Test
  void entriesSurviveARestartAndATornLastLineIsSkipped() throws Exception {
    Path file = PoolJournal.siblingOf(dir.resolve("decoder_pool.json"));
    assertThat(file.getFileName().toString()).isEqualTo("decoder_pool.json.journal");
    Entry up = new Entry(1, new PoolChange.Upsert(PoolTesting.node("d1").build(), false));
    Entry hb = new Entry(2, new PoolChange.Heartbeat("d1", NodeLoad.of(1), 2));
    Entry del = new Entry(3, new PoolChange.Remove("d2"));
    try (PoolJournal j = new PoolJournal(file)) {
      j.append(up);
      j.append(hb);
      j.append(del);
    }
    Files.writeString(file, "{\"ts\":4,\"op\":\"up\",\"id\":\"d3\",\"a\":\"{\\\"node", StandardCharsets.UTF_8,
        StandardOpenOption.APPEND); // a crash in the middle of a line
    try (PoolJournal j = new PoolJournal(file)) {
      assertThat(j.entries()).containsExactly(up, hb, del);
      j.dropFirst(3);
      assertThat(j.isEmpty()).isTrue();
    }
    assertThat(file).doesNotExist();
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
    try (PoolJournal again = new PoolJournal(file)) {
      assertThat(again.compacted()).hasSize(12);
    }
  }
}
