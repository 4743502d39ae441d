package io.github.switchboard.pool.internal.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeHealth;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.NodeStatus;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** The slot table agrees with a map model through adds, replacements and removals, and keeps every version. */
class SlotTableTest {
  private static final DecoderNode ACTIVE = DecoderNode.builder("n", URI.create("http://n:1")).build();
  private static final DecoderNode DRAINING = ACTIVE.withStatus(NodeStatus.DRAINING);

  private static NodeRecord record(int slot, Random r) {
    NodeRuntime rt = switch (r.nextInt(4)) {
      case 0 -> null;
      case 1 -> NodeRuntime.INITIAL.withLoad(NodeLoad.of(r.nextInt(10))); // never heartbeated
      case 2 -> NodeRuntime.of(NodeHealth.UNHEALTHY, NodeLoad.of(1), 1 + r.nextInt(1_000));
      default -> NodeRuntime.of(NodeHealth.UNKNOWN, NodeLoad.of(1), 1 + r.nextInt(1_000));
    };
    return new NodeRecord(r.nextInt(5) == 0 ? DRAINING : ACTIVE, rt, slot, 0, false, slot);
  }

  @Property(tries = 200)
  void agreesWithAMapModelAndKeepsEveryVersion(@ForAll long seed) {
    Random r = new Random(seed);
    int steps = r.nextBoolean() ? 200 : 3_000; // past 1,024 slots: a third level
    SlotTable t = SlotTable.EMPTY;
    Map<Integer, NodeRecord> model = new TreeMap<>();
    List<SlotTable> versions = new ArrayList<>();
    List<Map<Integer, NodeRecord>> models = new ArrayList<>();
    for (int step = 0; step < steps; step++) {
      int op = r.nextInt(10);
      if (op < 6 || model.isEmpty()) {
        int slot = t.nextSlot();
        assertThat(model).doesNotContainKey(slot); // a free slot, or a new one
        NodeRecord rec = record(slot, r);
        t = t.add(rec);
        model.put(slot, rec);
      } else {
        List<Integer> used = new ArrayList<>(model.keySet());
        int slot = used.get(r.nextInt(used.size()));
        if (op < 7) {
          NodeRecord rec = record(slot, r);
          t = t.replace(rec);
          model.put(slot, rec);
        } else if (op < 8) { // a batch of replacements in one pass
          java.util.Collections.shuffle(used, r);
          int n = 1 + r.nextInt(Math.min(used.size(), 300));
          NodeRecord[] batch = new NodeRecord[n];
          for (int k = 0; k < n; k++) {
            batch[k] = record(used.get(k), r);
            model.put(used.get(k), batch[k]);
          }
          t = t.replaceAll(batch, n);
        } else {
          t = t.remove(slot);
          model.remove(slot);
          assertThat(t.nextSlot()).isEqualTo(slot); // reused next
        }
      }
      if (step % 50 == 0) {
        versions.add(t);
        models.add(new HashMap<>(model));
      }
    }
    versions.add(t);
    models.add(model);
    for (int v = 0; v < versions.size(); v++) {
      check(versions.get(v), models.get(v), r);
    }
  }

  private static void check(SlotTable t, Map<Integer, NodeRecord> model, Random r) {
    for (int slot = -1; slot <= t.size(); slot++) {
      assertThat(t.get(slot)).isSameAs(model.get(slot));
    }
    assertThat(t.size()).isGreaterThanOrEqualTo(model.size());
    long threshold = r.nextInt(1_100);
    List<Integer> stale = new ArrayList<>();
    for (Map.Entry<Integer, NodeRecord> e : new TreeMap<>(model).entrySet()) {
      NodeRecord rec = e.getValue();
      boolean eligible = rec.node().status() == NodeStatus.ACTIVE && (rec.runtime() == null || rec.runtime().healthy());
      if (eligible && rec.runtime() != null && rec.runtime().hasHeartbeat()
          && rec.runtime().lastHeartbeatMicros() <= threshold) {
        stale.add(e.getKey());
      }
    }
    int[] out = new int[stale.size() + 1];
    int n = t.stale(threshold, out);
    assertThat(n).isEqualTo(stale.size());
    for (int i = 0; i < n; i++) {
      assertThat(out[i]).isEqualTo(stale.get(i));
    }
    if (!stale.isEmpty()) {
      assertThat(t.stale(threshold, new int[stale.size() - 1])).isEqualTo(-1); // more than the room
    }
  }

  @Test
  void slotsMustBeTakenInOrder() {
    Random r = new Random(1);
    assertThatThrownBy(() -> SlotTable.EMPTY.add(record(1, r))).isInstanceOf(IllegalArgumentException.class);
    SlotTable t = SlotTable.EMPTY.add(record(0, r));
    assertThatThrownBy(() -> t.replace(record(1, r))).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> t.remove(1)).isInstanceOf(NullPointerException.class);
    assertThat(t.get(1)).isNull();
    assertThat(t.get(-1)).isNull();
  }

  @Test
  void anUpdateLeavesTheOlderTableAsItWas() {
    Random r = new Random(2);
    SlotTable t = SlotTable.EMPTY;
    for (int i = 0; i < 10_000; i++) {
      t = t.add(record(i, r));
    }
    NodeRecord before = t.get(9_999);
    NodeRecord after = record(9_999, r);
    SlotTable u = t.replace(after);
    assertThat(t.get(9_999)).isSameAs(before);
    assertThat(u.get(9_999)).isSameAs(after);
    assertThat(u.get(0)).isSameAs(t.get(0));
  }
}
