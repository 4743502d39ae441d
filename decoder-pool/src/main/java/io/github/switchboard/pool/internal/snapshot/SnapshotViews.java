package io.github.switchboard.pool.internal.snapshot;

import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.internal.index.ClassTree;
import io.github.switchboard.pool.internal.index.HashTrie;
import io.github.switchboard.pool.internal.index.NodeRecord;
import io.github.switchboard.pool.internal.index.SlotTable;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/*
 * A snapshot keeps its nodes in persistent structures (HashTrie: id -> slot, SlotTable: slot -> record,
 * ClassTree: the ids in order), never in a java.util.Map; nodes() and runtime() are read-only map views
 * over them: a lookup is one hash of the id and a walk of the slot table (O(log32 n)), iteration goes in
 * id order, and making a view copies nothing. Equality and hash codes are java.util.Map's.
 */
/** Read-only map views of a snapshot's nodes and runtime states. */
final class SnapshotViews {
  private SnapshotViews() {}

  /**
   * The structures a view reads.
   *
   * @param slotOf each node's slot
   * @param records the records by slot
   * @param byId the nodes in id order
   */
  record Source(HashTrie<Integer> slotOf, SlotTable records, ClassTree byId) {
    @Nullable NodeRecord record(@Nullable Object id) {
      Integer slot = slotOf.get(id);
      return slot == null ? null : records.get(slot);
    }
  }

  /**
   * Returns the configurations by id.
   *
   * @param source the structures
   * @return the view
   */
  static Map<String, DecoderNode> nodes(Source source) {
    return new View<>(source, source.slotOf().size(), NodeRecord::node);
  }

  /**
   * Returns the recorded runtime states by id (nodes without one are left out).
   *
   * @param source the structures
   * @param count how many nodes have a recorded state
   * @return the view
   */
  static Map<String, NodeRuntime> runtime(Source source, int count) {
    return new View<>(source, count, NodeRecord::runtime);
  }

  /** A map from node ids to one part of their records; entries whose part is null are left out. */
  private static final class View<V> extends AbstractMap<String, V> {
    private final Source source;
    private final int size;
    private final Function<NodeRecord, @Nullable V> part;
    private @Nullable Set<Map.Entry<String, V>> entries;

    View(Source source, int size, Function<NodeRecord, @Nullable V> part) {
      this.source = source;
      this.size = size;
      this.part = part;
    }

    @Override
    public int size() {
      return size;
    }

    @Override
    public boolean containsKey(@Nullable Object key) {
      return get(key) != null;
    }

    @Override
    public @Nullable V get(@Nullable Object key) {
      NodeRecord r = source.record(key);
      return r == null ? null : part.apply(r);
    }

    @Override
    public Set<Map.Entry<String, V>> entrySet() {
      Set<Map.Entry<String, V>> e = entries;
      if (e == null) {
        e = new AbstractSet<>() {
          @Override
          public Iterator<Map.Entry<String, V>> iterator() {
            return new InOrder<>(source, part);
          }

          @Override
          public int size() {
            return size;
          }
        };
        entries = e;
      }
      return e;
    }
  }

  /** The entries of a view in id order. */
  private static final class InOrder<V> implements Iterator<Map.Entry<String, V>> {
    private final Source source;
    private final Function<NodeRecord, @Nullable V> part;
    private final ClassTree.Cursor cursor = new ClassTree.Cursor();
    private Map.@Nullable Entry<String, V> next;

    InOrder(Source source, Function<NodeRecord, @Nullable V> part) {
      this.source = source;
      this.part = part;
      cursor.start(source.byId(), -1L);
      advance();
    }

    private void advance() {
      next = null;
      for (ClassTree.Entry e = cursor.next(); e != null; e = cursor.next()) {
        NodeRecord r = source.records().get(e.slot());
        V v = r == null ? null : part.apply(r);
        if (v != null) {
          next = new AbstractMap.SimpleImmutableEntry<>(e.id(), v);
          return;
        }
      }
    }

    @Override
    public boolean hasNext() {
      return next != null;
    }

    @Override
    public Map.Entry<String, V> next() {
      Map.Entry<String, V> n = next;
      if (n == null) {
        throw new NoSuchElementException();
      }
      advance();
      return n;
    }
  }
}
