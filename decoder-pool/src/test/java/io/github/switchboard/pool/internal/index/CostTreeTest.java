package io.github.switchboard.pool.internal.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The cost tree agrees with a sorted model through inserts, deletes and moves (a delete and an insert, as
 * a heartbeat makes), across splits and merges: walks by class mask in (cost, label) order; every version
 * stays as it was.
 */
class CostTreeTest {
  private record E(double cost, long label, int slot, int cls) {}

  private static final Comparator<E> ORDER = Comparator.comparingDouble(E::cost).thenComparingLong(E::label);

  @Property(tries = 200)
  void agreesWithASortedModel(@ForAll long seed) {
    Random r = new Random(seed);
    int ids = r.nextBoolean() ? 40 : 5_000;
    int classes = 1 + r.nextInt(r.nextBoolean() ? 4 : 70);
    int costs = r.nextBoolean() ? 3 : 1_000; // few costs: long runs of ties ordered by id
    CostTree t = CostTree.EMPTY;
    TreeMap<Long, E> model = new TreeMap<>();
    if (r.nextBoolean()) { // start from a bulk build, as a full read does
      for (int i = 0; i < ids / 2; i++) {
        long id = r.nextInt(ids);
        model.put(id, new E(r.nextInt(costs) / 7.0, id, r.nextInt(100_000), r.nextInt(classes)));
      }
      List<E> sorted = new ArrayList<>(model.values());
      sorted.sort(ORDER);
      int n = sorted.size();
      double[] c = new double[n];
      long[] s = new long[n];
      int[] slots = new int[n];
      int[] cls = new int[n];
      for (int i = 0; i < n; i++) {
        c[i] = sorted.get(i).cost();
        s[i] = sorted.get(i).label();
        slots[i] = sorted.get(i).slot();
        cls[i] = sorted.get(i).cls();
      }
      t = CostTree.of(c, s, slots, cls, n);
    }
    List<CostTree> versions = new ArrayList<>();
    List<List<E>> models = new ArrayList<>();
    for (int step = 0; step < 4_000; step++) {
      long id = r.nextInt(ids);
      E old = model.get(id);
      if (old != null) {
        t = t.delete(old.cost(), old.label());
        model.remove(id);
      }
      if (old == null || r.nextInt(4) != 0) {
        E e = new E(r.nextInt(costs) / 7.0, id, r.nextInt(100_000), r.nextInt(classes));
        t = t.insert(e.cost(), e.label(), e.slot(), e.cls());
        model.put(id, e);
      }
      if (r.nextInt(100) == 0) { // now and then a batch: moves, removals and additions in one pass
        t = batch(t, model, r, ids, costs, classes);
      }
      assertThat(t.delete(-1, -1)).isSameAs(t);
      if (step % 400 == 0) {
        versions.add(t);
        models.add(sorted(model));
      }
    }
    versions.add(t);
    models.add(sorted(model));
    for (int v = 0; v < versions.size(); v++) {
      CostTree version = versions.get(v);
      List<E> m = models.get(v);
      assertThat(version.size()).isEqualTo(m.size());
      for (int round = 0; round < 4; round++) {
        long mask = round == 0 ? -1L : r.nextLong() & r.nextLong();
        List<E> in = m.stream().filter(e -> (NodeClasses.bit(e.cls()) & mask) != 0).toList();
        assertThat(walk(version, mask)).containsExactlyElementsOf(in);
      }
    }
  }

  /** A batch of random changes applied at once, and to the model one by one. */
  private static CostTree batch(CostTree t, TreeMap<Long, E> model, Random r, int ids, int costs, int classes) {
    CostBatch b = new CostBatch();
    java.util.Set<Long> touched = new java.util.HashSet<>();
    for (int k = r.nextInt(r.nextBoolean() ? 10 : 600); k > 0; k--) {
      long id = r.nextInt(ids);
      if (!touched.add(id)) {
        continue; // one change per node in a batch, as a pull brings
      }
      E old = model.get(id);
      if (old != null) {
        b.delete(old.cost(), old.label());
        model.remove(id);
      }
      if (old == null || r.nextInt(5) != 0) {
        E e = new E(r.nextInt(costs) / 7.0, id, r.nextInt(100_000), r.nextInt(classes));
        b.insert(e.cost(), e.label(), e.slot(), e.cls());
        model.put(id, e);
      }
    }
    b.sort();
    CostTree after = t.apply(b);
    assertThat(after.size()).isEqualTo(model.size());
    return after;
  }

  private static List<E> sorted(TreeMap<Long, E> model) {
    List<E> l = new ArrayList<>(model.values());
    l.sort(ORDER);
    return l;
  }

  /** The walk's entries. */
  private static List<E> walk(CostTree t, long mask) {
    CostCursor c = new CostCursor();
    c.start(t, mask);
    List<E> out = new ArrayList<>();
    while (c.advance()) {
      out.add(new E(c.cost(), c.label(), c.slot(), c.cls()));
    }
    return out;
  }
}
