package io.github.switchboard.pool.internal.file;

import static io.github.switchboard.pool.PoolTesting.await;
import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.internal.codec.PoolDocument;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import io.github.switchboard.pool.internal.store.PoolChange;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Copies of Redis snapshots into a pool file that several coordinators share (PoolFileSync): never over a
 * later revision of the same pool, never over a change that waits in a journal. No Redis needed: the
 * snapshots stand for what each coordinator's Redis store held.
 */
class PoolFileSyncTest {
  @TempDir Path dir;

  private FilePoolStore store;
  private PoolJournal mine;
  private PoolJournal other;

  @AfterEach
  void close() {
    for (AutoCloseable c : new AutoCloseable[] {store, mine, other}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private PoolFileSync open(String epoch) {
    Path file = dir.resolve("decoder_pool.json");
    store = FilePoolStore.open(file, Duration.ofMillis(50));
    mine = new PoolJournal(PoolJournal.siblingOf(file));
    other = new PoolJournal(PoolJournal.siblingOf(file)); // another coordinator's, same pool file
    return new PoolFileSync(store, mine, () -> epoch);
  }

  private static PoolSnapshot redis(long rev, List<DecoderNode> nodes, AbTest... tests) {
    return PoolSnapshot.of(rev, new PoolDocument(nodes, Set.of(), List.of(tests), Map.of(), false));
  }

  private static DecoderNode n(String id) {
    return node(id).build();
  }

  private NodeStatus status(String id) {
    return store.snapshot().node(id) == null ? null : store.snapshot().node(id).status();
  }

  @Test
  void anOlderSnapshotOfTheSamePoolDoesNotUndoTheFile() {
    PoolFileSync sync = open("e1");
    DecoderNode drained = node("drained").status(NodeStatus.DRAINING).build();
    await(sync.copy(redis(12, List.of(n("a"), drained))));
    assertThat(sync.readMarker()).isEqualTo(new PoolFileSync.Marker("e1", 12));

    // the coordinator that had not heard of the last changes yet (pub/sub a few ms behind) enters the fallback
    await(sync.copy(redis(11, List.of(n("a")))));
    assertThat(store.snapshot().nodes().keySet()).containsExactlyInAnyOrder("a", "drained");
    assertThat(status("drained")).isEqualTo(NodeStatus.DRAINING);
    assertThat(sync.readMarker()).isEqualTo(new PoolFileSync.Marker("e1", 12));

    // a later revision is copied, removals included
    await(sync.copy(redis(13, List.of(drained))));
    assertThat(store.snapshot().nodes().keySet()).containsExactly("drained");
    assertThat(sync.readMarker()).isEqualTo(new PoolFileSync.Marker("e1", 13));
  }

  @Test
  void anotherEpochIsCopiedWhateverItsRevision() {
    PoolFileSync sync = open("e1");
    await(sync.copy(redis(500, List.of(n("old")))));
    PoolFileSync reseeded = new PoolFileSync(store, mine, () -> "e2");
    await(reseeded.copy(redis(20, List.of(n("new")))));
    assertThat(store.snapshot().nodes().keySet()).containsExactly("new");
    assertThat(reseeded.readMarker()).isEqualTo(new PoolFileSync.Marker("e2", 20));
  }

  @Test
  void changesWaitingInAnyJournalKeepTheFilesVersion() {
    PoolFileSync sync = open("e1");
    await(sync.copy(redis(10, List.of(n("a"), n("gone"), n("removed-in-outage")),
        new AbTest("t", true, "en-es", 10, List.of("c"), List.of("e")))));
    // another coordinator, in the fallback: writes the file, then its journal
    DecoderNode a0 = n("a0");
    await(store.write(new PoolChange.Upsert(a0, false)));
    other.append(new PoolJournal.Entry(1, new PoolChange.Upsert(a0, false)));
    await(store.write(new PoolChange.Remove("removed-in-outage")));
    other.append(new PoolJournal.Entry(2, new PoolChange.Remove("removed-in-outage")));
    AbTest changed = new AbTest("t", true, "en-es", 90, List.of("c"), List.of("e"));
    await(store.write(new PoolChange.PutAbTest(changed)));
    other.append(new PoolJournal.Entry(3, new PoolChange.PutAbTest(changed)));

    // a later Redis snapshot that has none of the outage's changes (and no longer has "gone")
    await(sync.copy(redis(11, List.of(n("a"), n("removed-in-outage")),
        new AbTest("t", true, "en-es", 10, List.of("c"), List.of("e")))));
    assertThat(store.snapshot().nodes().keySet()).as("pending: a0 kept, removed-in-outage stays removed")
        .containsExactlyInAnyOrder("a", "a0");
    assertThat(store.snapshot().abTests().get("t")).isEqualTo(changed);

    // once the journal is replayed (gone), Redis's version is copied again
    other.dropFirst(3);
    await(sync.copy(redis(20, List.of(n("a")))));
    assertThat(store.snapshot().nodes().keySet()).containsExactly("a");
    assertThat(store.snapshot().abTests()).isEmpty();
  }
}
