package io.github.switchboard.pool.internal.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The class trees agree with a sorted model through inserts and deletes: counts per class and per mask,
 * select and rank by mask, walks that skip other classes; every version stays as it was, and the trees
 * stay balanced.
 */
class ClassTreeTest {

  @Property(tries = 200)
  void agreesWithASortedModel(@ForAll long seed) {
    Random r = new Random(seed);
    ClassTree t = ClassTree.EMPTY;
    int ids = r.nextBoolean() ? 30 : 3_000;
    int classes = 1 + r.nextInt(r.nextBoolean() ? 4 : 70); // past 63: classes sharing the last bit
    TreeMap<String, ClassTree.Entry> model = new TreeMap<>(); // by id
    List<ClassTree> versions = new ArrayList<>();
    List<List<ClassTree.Entry>> models = new ArrayList<>();
    for (int step = 0; step < 2_000; step++) {
      String id = "n" + r.nextInt(ids);
      ClassTree.Entry old = model.get(id);
      if (old != null && r.nextInt(3) == 0) {
        t = t.delete(old);
        model.remove(id);
      } else {
        if (old != null) {
          t = t.delete(old);
        }
        ClassTree.Entry e = new ClassTree.Entry(id, r.nextInt(1000), r.nextInt(classes));
        t = t.insert(e);
        model.put(id, e);
      }
      if (step % 250 == 0) {
        versions.add(t);
        models.add(new ArrayList<>(model.values()));
      }
    }
    versions.add(t);
    models.add(new ArrayList<>(model.values()));
    for (int v = 0; v < versions.size(); v++) {
      check(versions.get(v), models.get(v), r);
    }
  }

  private static void check(ClassTree t, List<ClassTree.Entry> model, Random r) {
    assertThat(t.size()).isEqualTo(model.size());
    long all = 0;
    for (ClassTree.Entry e : model) {
      all |= NodeClasses.bit(e.cls());
    }
    assertThat(t.mask()).isEqualTo(all);
    assertThat(walk(t, -1L)).containsExactlyElementsOf(model);
    // balanced: an AVL tree of n entries is at most 1.4405 log2(n + 2) - 0.3277 high
    assertThat((double) t.height()).isLessThanOrEqualTo(1.4405 * Math.log(model.size() + 2) / Math.log(2));
    for (int round = 0; round < 5; round++) {
      long mask = r.nextInt(4) == 0 ? -1L : r.nextLong() & r.nextLong();
      List<ClassTree.Entry> in = model.stream().filter(e -> (NodeClasses.bit(e.cls()) & mask) != 0).toList();
      assertThat(walk(t, mask)).containsExactlyElementsOf(in);
      assertThat(t.count(mask)).isEqualTo(in.size());
      for (int c = 0; c < NodeClasses.INDEXED; c++) {
        int cls = c;
        assertThat(t.count(cls)).isEqualTo((int) model.stream().filter(e -> e.cls() == cls).count());
      }
      for (int k = 0; k < in.size(); k += 1 + in.size() / 20) {
        assertThat(t.select(k, mask)).isEqualTo(in.get(k));
        assertThat(t.rank(in.get(k).id(), mask)).isEqualTo(k);
      }
      String probe = "n" + r.nextInt(5_000) + "x"; // between ids
      assertThat(t.rank(probe, mask)).isEqualTo((int) in.stream().filter(e -> e.id().compareTo(probe) < 0).count());
    }
  }

  private static List<ClassTree.Entry> walk(ClassTree t, long mask) {
    ClassTree.Cursor c = new ClassTree.Cursor();
    c.start(t, mask);
    List<ClassTree.Entry> out = new ArrayList<>();
    for (ClassTree.Entry e = c.next(); e != null; e = c.next()) {
      out.add(e);
    }
    return out;
  }
}
