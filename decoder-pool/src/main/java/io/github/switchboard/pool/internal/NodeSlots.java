package io.github.switchboard.pool.internal;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/*
 * The dense slot of every node id of a snapshot: the ids in order, slot = position. A snapshot keeps its
 * NodeSlots while the set of ids is the same (heartbeats, status changes, A/B tests, a node replaced), so
 * the runtime states (RuntimeTable) and the language index can be addressed by slot; adding or removing a
 * node, already O(n) (the node map is copied), builds new slots.
 */
/** Node ids by dense slot, in id order, and the slot of each id. Immutable. */
final class NodeSlots {

  /** No ids. */
  static final NodeSlots EMPTY = new NodeSlots(new String[0]);

  private final String[] ids; // sorted
  private final Map<String, Integer> slots;

  private NodeSlots(String[] sortedIds) {
    this.ids = sortedIds;
    Map<String, Integer> m = new HashMap<>(sortedIds.length * 4 / 3 + 1);
    for (int i = 0; i < sortedIds.length; i++) {
      m.put(sortedIds[i], i);
    }
    this.slots = m;
  }

  /**
   * Returns the slots of a set of ids.
   *
   * @param ids distinct ids
   * @return the slots, in id order
   */
  static NodeSlots of(Collection<String> ids) {
    if (ids.isEmpty()) {
      return EMPTY;
    }
    String[] sorted = ids.toArray(new String[0]);
    Arrays.sort(sorted);
    return new NodeSlots(sorted);
  }

  /**
   * Returns the number of slots.
   *
   * @return the size
   */
  int size() {
    return ids.length;
  }

  /**
   * Returns a slot's id.
   *
   * @param slot the slot
   * @return the id
   */
  String id(int slot) {
    return ids[slot];
  }

  /**
   * Returns an id's slot.
   *
   * @param id the id
   * @return the slot, -1 if the id has none
   */
  int slot(@Nullable Object id) {
    Integer s = slots.get(id);
    return s == null ? -1 : s;
  }

  /**
   * Returns the slots with one id added.
   *
   * @param id an id without a slot
   * @return the new slots
   */
  NodeSlots with(String id) {
    int at = -Arrays.binarySearch(ids, id) - 1;
    if (at < 0) {
      throw new IllegalArgumentException("id already has a slot: " + id);
    }
    String[] next = new String[ids.length + 1];
    System.arraycopy(ids, 0, next, 0, at);
    next[at] = id;
    System.arraycopy(ids, at, next, at + 1, ids.length - at);
    return new NodeSlots(next);
  }

  /**
   * Returns the slots with one id removed.
   *
   * @param id an id with a slot
   * @return the new slots
   */
  NodeSlots without(String id) {
    int at = slot(id);
    if (at < 0) {
      throw new IllegalArgumentException("id has no slot: " + id);
    }
    String[] next = new String[ids.length - 1];
    System.arraycopy(ids, 0, next, 0, at);
    System.arraycopy(ids, at + 1, next, at, next.length - at);
    return new NodeSlots(next);
  }
}
