package io.github.switchboard.pool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.pool.NodeHealth;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class RuntimeTableTest {

  private static NodeRuntime state(Random r) {
    return NodeRuntime.of(NodeHealth.UNKNOWN, NodeLoad.of(r.nextInt(100)), 1 + r.nextInt(1_000_000));
  }

  /** Every version agrees with a map model, and no update changes an older version. */
  @Property(tries = 300)
  void agreesWithAMapModelAndKeepsEveryVersion(@ForAll @IntRange(min = 0, max = 40_000) int size,
      @ForAll long seed) {
    Random r = new Random(seed);
    // favour the sizes where the trie grows a level
    int[] edges = {0, 1, 31, 32, 33, 1023, 1024, 1025, 32_768, 32_769};
    int n = r.nextInt(3) == 0 ? edges[r.nextInt(edges.length)] : size % (r.nextBoolean() ? 100 : 40_001);
    NodeRuntime[] initial = new NodeRuntime[n];
    Map<Integer, NodeRuntime> model = new HashMap<>();
    for (int i = 0; i < n; i++) {
      if (r.nextInt(3) == 0) {
        initial[i] = state(r);
        model.put(i, initial[i]);
      }
    }
    RuntimeTable t = RuntimeTable.of(initial);
    List<RuntimeTable> versions = new ArrayList<>();
    List<Map<Integer, NodeRuntime>> models = new ArrayList<>();
    versions.add(t);
    models.add(new HashMap<>(model));
    for (int step = 0; step < 200 && n > 0; step++) {
      int slot = r.nextInt(10) == 0 ? n - 1 : r.nextInt(n);
      NodeRuntime s = state(r);
      t = t.with(slot, s);
      model.put(slot, s);
      if (step % 20 == 0) {
        versions.add(t);
        models.add(new HashMap<>(model));
      }
      assertThat(t.get(slot)).isSameAs(s);
    }
    versions.add(t);
    models.add(model);
    for (int v = 0; v < versions.size(); v++) {
      check(versions.get(v), models.get(v), n);
    }
  }

  private static void check(RuntimeTable t, Map<Integer, NodeRuntime> model, int n) {
    assertThat(t.size()).isEqualTo(n);
    assertThat(t.count()).isEqualTo(model.size());
    NodeRuntime[] all = t.toArray();
    assertThat(all).hasSize(n);
    for (int i = 0; i < n; i++) {
      assertThat(t.get(i)).isSameAs(model.get(i));
      assertThat(all[i]).isSameAs(model.get(i));
    }
  }

  @Test
  void slotsOutsideTheTableAreRejected() {
    RuntimeTable t = RuntimeTable.of(new NodeRuntime[3]);
    assertThatThrownBy(() -> t.get(3)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> t.get(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> t.with(3, NodeRuntime.INITIAL)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> RuntimeTable.EMPTY.get(0)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void anUpdateLeavesTheOlderTableAsItWas() {
    NodeRuntime[] states = new NodeRuntime[10_000];
    Arrays.fill(states, NodeRuntime.INITIAL);
    RuntimeTable t = RuntimeTable.of(states);
    RuntimeTable u = t.with(9_999, NodeRuntime.INITIAL.withLoad(NodeLoad.of(1)));
    assertThat(t.get(9_999)).isSameAs(NodeRuntime.INITIAL);
    assertThat(u.get(9_999).load()).isEqualTo(NodeLoad.of(1));
    assertThat(u.get(0)).isSameAs(NodeRuntime.INITIAL);
    assertThat(u.count()).isEqualTo(10_000);
  }
}
