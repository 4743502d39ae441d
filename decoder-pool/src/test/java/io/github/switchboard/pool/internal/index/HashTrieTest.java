package io.github.switchboard.pool.internal.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** The hash trie agrees with a map model, colliding hashes included, and keeps every version. */
class HashTrieTest {
  // "Aa" and "BB" have the same String.hashCode, so do their concatenations: full collisions
  private static final String[] COLLIDING = {"AaAa", "AaBB", "BBAa", "BBBB"};

  private static String key(Random r, int range) {
    return r.nextInt(8) == 0 ? COLLIDING[r.nextInt(COLLIDING.length)] : "k" + r.nextInt(range);
  }

  @Property(tries = 200)
  void agreesWithAMapModelAndKeepsEveryVersion(@ForAll long seed) {
    Random r = new Random(seed);
    int range = r.nextBoolean() ? 20 : 5_000;
    HashTrie<Integer> t = HashTrie.empty();
    Map<String, Integer> model = new HashMap<>();
    List<HashTrie<Integer>> versions = new ArrayList<>();
    List<Map<String, Integer>> models = new ArrayList<>();
    for (int step = 0; step < 2_000; step++) {
      String k = key(r, range);
      if (r.nextInt(3) == 0) {
        t = t.remove(k);
        model.remove(k);
      } else {
        int v = r.nextInt(1_000);
        t = t.put(k, v);
        model.put(k, v);
      }
      if (step % 200 == 0) {
        versions.add(t);
        models.add(new HashMap<>(model));
      }
    }
    versions.add(t);
    models.add(model);
    for (int v = 0; v < versions.size(); v++) {
      HashTrie<Integer> version = versions.get(v);
      Map<String, Integer> m = models.get(v);
      assertThat(version.size()).isEqualTo(m.size());
      for (int i = 0; i < range; i++) {
        assertThat(version.get("k" + i)).isEqualTo(m.get("k" + i));
      }
      for (String c : COLLIDING) {
        assertThat(version.get(c)).isEqualTo(m.get(c));
      }
      Map<String, Integer> all = new HashMap<>();
      version.forEach(all::put);
      assertThat(all).isEqualTo(m);
    }
  }

  @Test
  void lookupsOfOtherTypesAndRemovalsOfAbsentKeysChangeNothing() {
    HashTrie<Integer> t = HashTrie.<Integer>empty().put("a", 1);
    assertThat(t.get(null)).isNull();
    assertThat(t.get(1)).isNull();
    assertThat(t.remove("b")).isSameAs(t);
    assertThat(t.put("a", t.get("a"))).isSameAs(t);
    assertThat(t.remove("a").size()).isZero();
    assertThat(t.remove("a").get("a")).isNull();
  }
}
