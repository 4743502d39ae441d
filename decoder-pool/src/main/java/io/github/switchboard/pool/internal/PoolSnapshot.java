package io.github.switchboard.pool.internal;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.NodeStatus;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/*
 * Copy-on-write: every with* method builds a new snapshot and never modifies one handed out, so readers
 * need no lock. A configuration change copies the node map (O(n)). Every node id has a dense slot (its
 * position in id order, NodeSlots), kept while the set of ids is the same; runtime states live in a
 * persistent array by slot (RuntimeTable), so a heartbeat, the frequent change, copies one path of 32-wide
 * arrays (O(log32 n), the same at 100 nodes as at 10,000) and no map. runtime() is a read-only map view
 * over that array (a lookup hashes the id once to its slot). The index of nodes by language pair and the
 * sorted node list are kept while the node map is the same, the sorted A/B tests while the tests are the
 * same (carry).
 */
/**
 * An immutable state of a pool store: its revision, node configurations, runtime states, A/B tests and
 * the ids of configured nodes. Runtime state exists only for nodes in {@link #nodes()}.
 */
public final class PoolSnapshot {

  /** The empty pool at revision 0. */
  public static final PoolSnapshot EMPTY =
      new PoolSnapshot(0, Map.of(), NodeSlots.EMPTY, RuntimeTable.EMPTY, Map.of(), Set.of());

  private static final AbTest[] NO_TESTS = new AbTest[0];

  private final long revision;
  private final Map<String, DecoderNode> nodes;
  private final NodeSlots slots; // the ids of nodes, by slot
  private final RuntimeTable states; // runtime states by slot, null for none
  private final Map<String, AbTest> abTests;
  private final Set<String> configured;
  private volatile @Nullable List<DecoderNode> sorted; // lazily, benign race; node of slot i at i
  private volatile @Nullable LanguageIndex index; // lazily, benign race; shared while the nodes are the same
  private volatile AbTest @Nullable [] sortedTests; // lazily, benign race; shared while the tests are the same
  private volatile @Nullable Map<String, NodeRuntime> runtimeView; // lazily, benign race

  private PoolSnapshot(
      long revision,
      Map<String, DecoderNode> nodes,
      NodeSlots slots,
      RuntimeTable states,
      Map<String, AbTest> abTests,
      Set<String> configured) {
    this.revision = revision;
    this.nodes = nodes;
    this.slots = slots;
    this.states = states;
    this.abTests = abTests;
    this.configured = configured;
  }

  /**
   * Creates a snapshot; runtime states and configured marks of unknown nodes are dropped.
   *
   * @param revision the store's revision
   * @param nodes configurations by node id
   * @param runtime runtime states by node id (missing: {@link NodeRuntime#INITIAL})
   * @param abTests A/B tests by name
   * @param configured ids of configured nodes
   * @return the snapshot
   */
  public static PoolSnapshot of(
      long revision,
      Map<String, DecoderNode> nodes,
      Map<String, NodeRuntime> runtime,
      Map<String, AbTest> abTests,
      Set<String> configured) {
    Map<String, DecoderNode> n = Map.copyOf(nodes);
    NodeSlots slots = NodeSlots.of(n.keySet());
    NodeRuntime[] states = new NodeRuntime[slots.size()];
    for (Map.Entry<String, NodeRuntime> e : runtime.entrySet()) {
      int slot = slots.slot(e.getKey());
      if (slot >= 0) {
        states[slot] = Objects.requireNonNull(e.getValue(), "runtime state");
      }
    }
    Set<String> p = new HashSet<>(configured);
    p.retainAll(n.keySet());
    return new PoolSnapshot(revision, n, slots, RuntimeTable.of(states), Map.copyOf(abTests), Set.copyOf(p));
  }

  /**
   * Creates a snapshot of a document (runtime states from its legacy runtime fields, without heartbeat).
   *
   * @param revision the revision
   * @param doc the document
   * @return the snapshot
   */
  public static PoolSnapshot of(long revision, PoolDocument doc) {
    Map<String, DecoderNode> n = new HashMap<>();
    for (DecoderNode node : doc.nodes()) {
      n.put(node.nodeId(), node);
    }
    Map<String, NodeRuntime> r = new HashMap<>();
    for (Map.Entry<String, NodeLoad> e : doc.legacyRuntime().entrySet()) {
      r.put(e.getKey(), NodeRuntime.INITIAL.withLoad(e.getValue()));
    }
    Map<String, AbTest> a = new HashMap<>();
    for (AbTest t : doc.abTests()) {
      a.put(t.name(), t);
    }
    return of(revision, n, r, a, doc.configured());
  }

  /**
   * Returns the revision: it grows with every change the store applies; comparable only within one store.
   *
   * @return the revision
   */
  public long revision() {
    return revision;
  }

  /**
   * Returns node configurations by id.
   *
   * @return an immutable map
   */
  public Map<String, DecoderNode> nodes() {
    return nodes;
  }

  /**
   * Returns runtime states by node id; a node without an entry has {@link NodeRuntime#INITIAL}. The map is
   * a read-only view (a lookup costs one hash of the id; iterating goes in id order).
   *
   * @return an immutable map
   */
  public Map<String, NodeRuntime> runtime() {
    Map<String, NodeRuntime> m = runtimeView;
    if (m == null) {
      m = new RuntimeView(slots, states);
      runtimeView = m;
    }
    return m;
  }

  /**
   * Returns A/B tests by name.
   *
   * @return an immutable map
   */
  public Map<String, AbTest> abTests() {
    return abTests;
  }

  /**
   * Returns the ids of configured nodes, which are never evicted.
   *
   * @return an immutable set
   */
  public Set<String> configured() {
    return configured;
  }

  /**
   * Returns a node's configuration.
   *
   * @param nodeId the id
   * @return the node, or null
   */
  public @Nullable DecoderNode node(String nodeId) {
    return nodes.get(nodeId);
  }

  /**
   * Returns a node's runtime state.
   *
   * @param nodeId the id
   * @return the state, {@link NodeRuntime#INITIAL} if none is recorded
   */
  public NodeRuntime runtimeOf(String nodeId) {
    int slot = slots.slot(nodeId);
    return slot < 0 ? NodeRuntime.INITIAL : runtimeAt(slot);
  }

  /**
   * Returns the runtime state of a slot (the position of a node in {@link #sortedNodes()}).
   *
   * @param slot the slot
   * @return the state, {@link NodeRuntime#INITIAL} if none is recorded
   */
  NodeRuntime runtimeAt(int slot) {
    NodeRuntime r = states.get(slot);
    return r == null ? NodeRuntime.INITIAL : r;
  }

  /**
   * Returns whether a node is configured.
   *
   * @param nodeId the id
   * @return true if configured
   */
  public boolean isConfigured(String nodeId) {
    return configured.contains(nodeId);
  }

  /**
   * Returns the nodes ordered by id (computed once per snapshot); a node's position is its slot.
   *
   * @return an immutable list
   */
  public List<DecoderNode> sortedNodes() {
    List<DecoderNode> s = sorted;
    if (s == null) {
      DecoderNode[] bySlot = new DecoderNode[slots.size()];
      for (int i = 0; i < bySlot.length; i++) {
        bySlot[i] = nodes.get(slots.id(i));
      }
      s = List.of(bySlot);
      sorted = s;
    }
    return s;
  }

  /**
   * Returns the A/B tests ordered by name.
   *
   * @return a new list
   */
  public List<AbTest> sortedAbTests() {
    return new ArrayList<>(Arrays.asList(abTestsByName()));
  }

  /** The A/B tests ordered by name, computed once per set of tests; do not modify. */
  AbTest[] abTestsByName() {
    AbTest[] t = sortedTests;
    if (t == null) {
      t = abTests.isEmpty() ? NO_TESTS : abTests.values().toArray(new AbTest[0]);
      Arrays.sort(t, Comparator.comparing(AbTest::name));
      sortedTests = t;
    }
    return t;
  }

  /**
   * Returns this snapshot at another revision.
   *
   * @param newRevision the revision
   * @return the copy
   */
  public PoolSnapshot withRevision(long newRevision) {
    return derive(newRevision, nodes, slots, states, abTests, configured);
  }

  /**
   * Returns a copy with a node added or replaced; its runtime state is kept.
   *
   * @param newRevision the revision after the change
   * @param node the node
   * @param markConfigured true to mark the node configured; false leaves an existing node as it is (a new
   *     node is dynamic)
   * @return the copy
   */
  public PoolSnapshot withNode(long newRevision, DecoderNode node, boolean markConfigured) {
    String id = node.nodeId();
    Map<String, DecoderNode> n = new HashMap<>(nodes);
    n.put(id, node);
    NodeSlots s = slots;
    RuntimeTable r = states;
    if (!nodes.containsKey(id)) {
      s = slots.with(id);
      NodeRuntime[] old = states.toArray();
      NodeRuntime[] moved = new NodeRuntime[old.length + 1];
      int at = s.slot(id);
      System.arraycopy(old, 0, moved, 0, at);
      System.arraycopy(old, at, moved, at + 1, old.length - at);
      r = RuntimeTable.of(moved);
    }
    Set<String> p = configured;
    if (markConfigured && !configured.contains(id)) {
      Set<String> copy = new HashSet<>(configured);
      copy.add(id);
      p = Set.copyOf(copy);
    }
    return derive(newRevision, Map.copyOf(n), s, r, abTests, p);
  }

  /**
   * Returns a copy without a node, its runtime state and its configured mark.
   *
   * @param newRevision the revision after the change
   * @param nodeId the id
   * @return the copy
   */
  public PoolSnapshot withoutNode(long newRevision, String nodeId) {
    if (!nodes.containsKey(nodeId)) {
      return withRevision(newRevision);
    }
    Map<String, DecoderNode> n = new HashMap<>(nodes);
    n.remove(nodeId);
    int at = slots.slot(nodeId);
    NodeRuntime[] old = states.toArray();
    NodeRuntime[] kept = new NodeRuntime[old.length - 1];
    System.arraycopy(old, 0, kept, 0, at);
    System.arraycopy(old, at + 1, kept, at, kept.length - at);
    Set<String> p = configured;
    if (configured.contains(nodeId)) {
      Set<String> copy = new HashSet<>(configured);
      copy.remove(nodeId);
      p = Set.copyOf(copy);
    }
    return derive(newRevision, Map.copyOf(n), slots.without(nodeId), RuntimeTable.of(kept), abTests, p);
  }

  /**
   * Returns a copy with a node's status changed; unchanged (but at the new revision) if the node is unknown.
   *
   * @param newRevision the revision after the change
   * @param nodeId the id
   * @param status the status
   * @return the copy
   */
  public PoolSnapshot withStatus(long newRevision, String nodeId, NodeStatus status) {
    DecoderNode node = nodes.get(nodeId);
    if (node == null) {
      return withRevision(newRevision);
    }
    Map<String, DecoderNode> n = new HashMap<>(nodes);
    n.put(nodeId, node.withStatus(status));
    return derive(newRevision, Map.copyOf(n), slots, states, abTests, configured);
  }

  /**
   * Returns a copy with a node's runtime state replaced; unchanged (but at the new revision) if the node is
   * unknown. Costs O(log32 n): no map is copied.
   *
   * @param newRevision the revision after the change
   * @param nodeId the id
   * @param state the state
   * @return the copy
   */
  public PoolSnapshot withRuntime(long newRevision, String nodeId, NodeRuntime state) {
    int slot = slots.slot(nodeId);
    if (slot < 0) {
      return withRevision(newRevision);
    }
    Objects.requireNonNull(state, "state");
    return derive(newRevision, nodes, slots, states.with(slot, state), abTests, configured);
  }

  /**
   * Returns a copy with an A/B test added or replaced.
   *
   * @param newRevision the revision after the change
   * @param test the test
   * @return the copy
   */
  public PoolSnapshot withAbTest(long newRevision, AbTest test) {
    Map<String, AbTest> a = new HashMap<>(abTests);
    a.put(test.name(), test);
    return derive(newRevision, nodes, slots, states, Map.copyOf(a), configured);
  }

  /**
   * Returns a copy without an A/B test.
   *
   * @param newRevision the revision after the change
   * @param name the test's name
   * @return the copy
   */
  public PoolSnapshot withoutAbTest(long newRevision, String name) {
    if (!abTests.containsKey(name)) {
      return withRevision(newRevision);
    }
    Map<String, AbTest> a = new HashMap<>(abTests);
    a.remove(name);
    return derive(newRevision, nodes, slots, states, Map.copyOf(a), configured);
  }

  /**
   * Returns whether two snapshots hold the same configuration (nodes, configured marks, A/B tests), ignoring
   * revision and runtime state.
   *
   * @param other the other snapshot
   * @return true if the configurations are equal
   */
  public boolean sameConfiguration(PoolSnapshot other) {
    return nodes.equals(other.nodes) && configured.equals(other.configured) && abTests.equals(other.abTests);
  }

  /**
   * A new snapshot that keeps this one's lazily built views where they still hold: the sorted nodes and
   * the language index while the node map is the same, the sorted A/B tests while the tests are the same.
   */
  private PoolSnapshot derive(long newRevision, Map<String, DecoderNode> n, NodeSlots s, RuntimeTable r,
      Map<String, AbTest> a, Set<String> p) {
    PoolSnapshot next = new PoolSnapshot(newRevision, n, s, r, a, p);
    if (n == nodes) {
      next.sorted = sorted;
      next.index = index;
    }
    if (a == abTests) {
      next.sortedTests = sortedTests;
    }
    return next;
  }

  /**
   * Returns the nodes that serve a language pair (by {@link DecoderNode#servesPair}), with their slots,
   * from an index built once per set of nodes (heartbeats and A/B test changes keep it): the cost of a
   * selection follows the nodes that serve the pair, not the pool.
   *
   * @param source the source language
   * @param target the target language
   * @return the nodes, in id order
   */
  LanguageIndex.Candidates servingPair(String source, String target) {
    LanguageIndex i = index;
    if (i == null) {
      i = new LanguageIndex(sortedNodes()); // in id order, so that seeded draws repeat
      index = i;
    }
    return i.servingPair(source, target);
  }

  @Override
  public String toString() {
    return "PoolSnapshot[revision=" + revision + ", nodes=" + nodes.size() + ", configured=" + configured.size()
        + ", abTests=" + abTests.size() + "]";
  }

  /** Runtime states by id, read-only, over the slots and the persistent array of one snapshot. */
  private static final class RuntimeView extends AbstractMap<String, NodeRuntime> {
    private final NodeSlots slots;
    private final RuntimeTable states;
    private @Nullable Set<Map.Entry<String, NodeRuntime>> entries;

    RuntimeView(NodeSlots slots, RuntimeTable states) {
      this.slots = slots;
      this.states = states;
    }

    @Override
    public int size() {
      return states.count();
    }

    @Override
    public boolean containsKey(@Nullable Object key) {
      return get(key) != null;
    }

    @Override
    public @Nullable NodeRuntime get(@Nullable Object key) {
      int slot = slots.slot(key);
      return slot < 0 ? null : states.get(slot);
    }

    @Override
    public Set<Map.Entry<String, NodeRuntime>> entrySet() {
      Set<Map.Entry<String, NodeRuntime>> e = entries;
      if (e == null) {
        e = new AbstractSet<>() {
          @Override
          public Iterator<Map.Entry<String, NodeRuntime>> iterator() {
            return new Iterator<>() {
              private int next = advance(0);

              private int advance(int from) {
                int i = from;
                while (i < states.size() && states.get(i) == null) {
                  i++;
                }
                return i;
              }

              @Override
              public boolean hasNext() {
                return next < states.size();
              }

              @Override
              public Map.Entry<String, NodeRuntime> next() {
                if (next >= states.size()) {
                  throw new NoSuchElementException();
                }
                int at = next;
                next = advance(at + 1);
                return new AbstractMap.SimpleImmutableEntry<>(slots.id(at), states.get(at));
              }
            };
          }

          @Override
          public int size() {
            return states.count();
          }
        };
        entries = e;
      }
      return e;
    }
  }
}
