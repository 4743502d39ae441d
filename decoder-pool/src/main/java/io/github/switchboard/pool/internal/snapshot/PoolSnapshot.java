package io.github.switchboard.pool.internal.snapshot;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.internal.codec.PoolDocument;
import io.github.switchboard.pool.internal.index.ClassTree;
import io.github.switchboard.pool.internal.index.HashTrie;
import io.github.switchboard.pool.internal.index.NodeClass;
import io.github.switchboard.pool.internal.index.NodeClasses;
import io.github.switchboard.pool.internal.index.NodeIndex;
import io.github.switchboard.pool.internal.index.NodeLabels;
import io.github.switchboard.pool.internal.index.NodeRecord;
import io.github.switchboard.pool.internal.index.SlotTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/*
 * Persistent: every with* method builds a new snapshot and never modifies one handed out, so readers need
 * no lock, and a change costs O(log n), not O(n): the node ids map to slots in a hash trie (HashTrie), the
 * records (configuration, runtime state, class, configured mark) sit by slot in a persistent array
 * (SlotTable), and the ordered sets selection reads (NodeIndex: the nodes in id order counted by class,
 * the eligible ones by cost, the hot ones per adapter) are persistent trees updated by the change. Each
 * copies only the path to the one node that changed and shares the rest with the older snapshot, so a
 * registration storm costs each coordinator O(log n) per node, and a heartbeat the same.
 *
 * nodes() and runtime() are read-only views over those structures (SnapshotViews). The sorted node list
 * and the configured set are built on first use (O(n), for whoever lists the pool) and kept while the
 * configurations are the same (heartbeats, A/B tests, revisions); the sorted A/B tests while the tests are.
 */
/**
 * An immutable state of a pool store: its revision, node configurations, runtime states, A/B tests and
 * the ids of configured nodes. Runtime state exists only for nodes in {@link #nodes()}.
 */
public final class PoolSnapshot {

  /** The empty pool at revision 0. */
  public static final PoolSnapshot EMPTY =
      new PoolSnapshot(0, HashTrie.empty(), SlotTable.EMPTY, NodeIndex.EMPTY, Map.of(), 0, 0);

  private static final AbTest[] NO_TESTS = new AbTest[0];

  private final long revision;
  private final HashTrie<Integer> slotOf;
  private final SlotTable records;
  private final NodeIndex index;
  private final Map<String, AbTest> abTests;
  private final int runtimeCount; // records with a runtime state
  private final int configuredCount;
  private volatile @Nullable List<DecoderNode> sorted; // lazily, benign race; kept while the nodes are the same
  private volatile @Nullable Set<String> configuredIds; // lazily, benign race; kept with sorted
  private volatile AbTest @Nullable [] sortedTests; // lazily, benign race; kept while the tests are the same
  private volatile @Nullable Map<String, DecoderNode> nodesView; // lazily, benign race
  private volatile @Nullable Map<String, NodeRuntime> runtimeView; // lazily, benign race

  private PoolSnapshot(long revision, HashTrie<Integer> slotOf, SlotTable records, NodeIndex index,
      Map<String, AbTest> abTests, int runtimeCount, int configuredCount) {
    this.revision = revision;
    this.slotOf = slotOf;
    this.records = records;
    this.index = index;
    this.abTests = abTests;
    this.runtimeCount = runtimeCount;
    this.configuredCount = configuredCount;
  }

  /**
   * Creates a snapshot; runtime states and configured marks of unknown nodes are dropped. Built in
   * O(n log n).
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
    NodeClasses classes = NodeClasses.EMPTY;
    Map<NodeClass, Integer> classIds = new HashMap<>();
    List<NodeRecord> list = new ArrayList<>(nodes.size());
    SlotTable table = SlotTable.EMPTY;
    HashTrie<Integer> slots = HashTrie.empty();
    int withRuntime = 0;
    int marked = 0;
    String[] ids = nodes.keySet().toArray(new String[0]);
    Arrays.sort(ids); // labels in id order
    for (int rank = 0; rank < ids.length; rank++) {
      String id = ids[rank];
      DecoderNode node = Objects.requireNonNull(nodes.get(id), "node");
      if (!id.equals(node.nodeId())) {
        throw new IllegalArgumentException("node " + node.nodeId() + " under the id " + id);
      }
      NodeRuntime r = runtime.get(id);
      NodeClass c = NodeClass.of(node, NodeRecord.eligible(node, r));
      Integer cls = classIds.get(c);
      if (cls == null) {
        classes = classes.with(c, i -> false);
        cls = classes.id(c);
        classIds.put(c, cls);
      }
      boolean mark = configured.contains(id);
      NodeRecord rec = new NodeRecord(node, r, table.nextSlot(), cls, mark, NodeLabels.spread(rank, ids.length));
      table = table.add(rec);
      slots = slots.put(id, rec.slot());
      list.add(rec);
      withRuntime += r == null ? 0 : 1;
      marked += mark ? 1 : 0;
    }
    return new PoolSnapshot(revision, slots, table, NodeIndex.of(list, classes), Map.copyOf(abTests), withRuntime,
        marked);
  }

  /**
   * Returns the document of this snapshot (configuration only).
   *
   * @return the document
   */
  public PoolDocument toDocument() {
    return new PoolDocument(sortedNodes(), configured(), sortedAbTests(), Map.of(), false);
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
   * Returns node configurations by id: a read-only view (a lookup costs one hash of the id; iterating goes
   * in id order).
   *
   * @return an immutable map
   */
  public Map<String, DecoderNode> nodes() {
    Map<String, DecoderNode> m = nodesView;
    if (m == null) {
      m = SnapshotViews.nodes(source());
      nodesView = m;
    }
    return m;
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
      m = SnapshotViews.runtime(source(), runtimeCount);
      runtimeView = m;
    }
    return m;
  }

  private SnapshotViews.Source source() {
    return new SnapshotViews.Source(slotOf, records, index.byId());
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
   * Returns the ids of configured nodes, which are never evicted (built on first use).
   *
   * @return an immutable set
   */
  public Set<String> configured() {
    Set<String> c = configuredIds;
    if (c == null) {
      List<String> ids = new ArrayList<>(configuredCount);
      ClassTree.Cursor walk = new ClassTree.Cursor();
      walk.start(index.byId(), -1L);
      for (ClassTree.Entry e = walk.next(); e != null && ids.size() < configuredCount; e = walk.next()) {
        if (Objects.requireNonNull(records.get(e.slot())).configured()) {
          ids.add(e.id());
        }
      }
      c = Set.copyOf(ids);
      configuredIds = c;
    }
    return c;
  }

  /**
   * Returns a node's configuration.
   *
   * @param nodeId the id
   * @return the node, or null
   */
  public @Nullable DecoderNode node(String nodeId) {
    NodeRecord r = record(nodeId);
    return r == null ? null : r.node();
  }

  /**
   * Returns a node's record.
   *
   * @param nodeId the id
   * @return the record, or null
   */
  @Nullable NodeRecord record(@Nullable String nodeId) {
    Integer slot = slotOf.get(nodeId);
    return slot == null ? null : records.get(slot);
  }

  /**
   * Returns a node's runtime state.
   *
   * @param nodeId the id
   * @return the state, {@link NodeRuntime#INITIAL} if none is recorded
   */
  public NodeRuntime runtimeOf(String nodeId) {
    NodeRecord r = record(nodeId);
    return r == null ? NodeRuntime.INITIAL : r.state();
  }

  /**
   * Returns the record at a slot (a node keeps its slot while it exists).
   *
   * @param slot the slot
   * @return the record
   */
  public NodeRecord recordAt(int slot) {
    return Objects.requireNonNull(records.get(slot), "no node at the slot");
  }

  /**
   * Returns the records by slot.
   *
   * @return the table
   */
  public SlotTable records() {
    return records;
  }

  /**
   * Returns the selection's ordered sets.
   *
   * @return the index
   */
  public NodeIndex index() {
    return index;
  }

  /**
   * Returns whether a node is configured.
   *
   * @param nodeId the id
   * @return true if configured
   */
  public boolean isConfigured(String nodeId) {
    NodeRecord r = record(nodeId);
    return r != null && r.configured();
  }

  /**
   * Returns the nodes ordered by id (computed once per set of configurations).
   *
   * @return an immutable list
   */
  public List<DecoderNode> sortedNodes() {
    List<DecoderNode> s = sorted;
    if (s == null) {
      DecoderNode[] inOrder = new DecoderNode[slotOf.size()];
      ClassTree.Cursor walk = new ClassTree.Cursor();
      walk.start(index.byId(), -1L);
      int i = 0;
      for (ClassTree.Entry e = walk.next(); e != null; e = walk.next()) {
        inOrder[i++] = recordAt(e.slot()).node();
      }
      s = List.of(inOrder);
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
  public AbTest[] abTestsByName() {
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
    return derive(newRevision, slotOf, records, index, abTests, runtimeCount, configuredCount, true);
  }

  /**
   * Returns a copy with a node added or replaced; its runtime state is kept. O(log n).
   *
   * @param newRevision the revision after the change
   * @param node the node
   * @param markConfigured true to mark the node configured; false leaves an existing node as it is (a new
   *     node is dynamic)
   * @return the copy
   */
  public PoolSnapshot withNode(long newRevision, DecoderNode node, boolean markConfigured) {
    String id = node.nodeId();
    NodeRecord old = record(id);
    if (old != null) {
      return replaced(newRevision, old, node, old.runtime(), old.configured() || markConfigured);
    }
    ClassTree.Entry lower = index.byId().lower(id);
    ClassTree.Entry higher = index.byId().higher(id);
    long label = NodeLabels.between(lower == null ? NodeLabels.NONE : recordAt(lower.slot()).label(),
        higher == null ? NodeLabels.NONE : recordAt(higher.slot()).label());
    if (label == NodeLabels.NONE) { // no room left between the neighbours: spread the labels again
      return of(revision, nodes(), runtime(), abTests, configured()).withNode(newRevision, node, markConfigured);
    }
    NodeIndex.Classified c = index.classify(node, null);
    NodeRecord rec = new NodeRecord(node, null, records.nextSlot(), c.cls(), markConfigured, label);
    return derive(newRevision, slotOf.put(id, rec.slot()), records.add(rec), c.index().update(null, rec), abTests,
        runtimeCount, configuredCount + (markConfigured ? 1 : 0), false);
  }

  /** A node's record replaced by one with another configuration, runtime state or mark. */
  // identity on purpose: the same node object keeps its class and the cached lists; an equal copy only
  // costs a rebuild of them
  @SuppressWarnings("ReferenceEquality")
  private PoolSnapshot replaced(long newRevision, NodeRecord old, DecoderNode node, @Nullable NodeRuntime runtime,
      boolean configured) {
    int cls = old.cls();
    NodeIndex i = index;
    if (node != old.node() || NodeRecord.eligible(node, runtime) != old.eligible()) {
      NodeIndex.Classified c = index.classify(node, runtime);
      i = c.index();
      cls = c.cls();
    }
    NodeRecord rec = new NodeRecord(node, runtime, old.slot(), cls, configured, old.label());
    int runtimes = runtimeCount + (runtime == null ? 0 : 1) - (old.runtime() == null ? 0 : 1);
    int marked = configuredCount + (configured ? 1 : 0) - (old.configured() ? 1 : 0);
    boolean sameConfiguration = node == old.node() && configured == old.configured();
    return derive(newRevision, slotOf, records.replace(rec), i.update(old, rec), abTests, runtimes, marked,
        sameConfiguration);
  }

  /**
   * Returns a copy without a node, its runtime state and its configured mark. O(log n).
   *
   * @param newRevision the revision after the change
   * @param nodeId the id
   * @return the copy
   */
  public PoolSnapshot withoutNode(long newRevision, String nodeId) {
    NodeRecord old = record(nodeId);
    if (old == null) {
      return withRevision(newRevision);
    }
    return derive(newRevision, slotOf.remove(nodeId), records.remove(old.slot()), index.update(old, null), abTests,
        runtimeCount - (old.runtime() == null ? 0 : 1), configuredCount - (old.configured() ? 1 : 0), false);
  }

  /**
   * Returns a copy with a node's status changed; unchanged (but at the new revision) if the node is unknown.
   * O(log n).
   *
   * @param newRevision the revision after the change
   * @param nodeId the id
   * @param status the status
   * @return the copy
   */
  public PoolSnapshot withStatus(long newRevision, String nodeId, NodeStatus status) {
    NodeRecord old = record(nodeId);
    if (old == null) {
      return withRevision(newRevision);
    }
    return replaced(newRevision, old, old.node().withStatus(status), old.runtime(), old.configured());
  }

  /**
   * Returns a copy with a node's runtime state replaced; unchanged (but at the new revision) if the node is
   * unknown. O(log n): no map is copied.
   *
   * @param newRevision the revision after the change
   * @param nodeId the id
   * @param state the state
   * @return the copy
   */
  public PoolSnapshot withRuntime(long newRevision, String nodeId, NodeRuntime state) {
    NodeRecord old = record(nodeId);
    if (old == null) {
      return withRevision(newRevision);
    }
    Objects.requireNonNull(state, "state");
    return replaced(newRevision, old, old.node(), state, old.configured());
  }

  /**
   * Returns a copy with the runtime states of many nodes replaced (a pull of heartbeats), as one batch:
   * the cost order moves in one pass ({@link NodeIndex#updateAll}). Unknown nodes are skipped; a node
   * given twice gets its last state. The same as {@link #withRuntime} for each, at a fraction of the cost.
   *
   * @param newRevision the revision after the change
   * @param ids the nodes
   * @param states their states, same positions
   * @param n how many
   * @return the copy
   */
  public PoolSnapshot withRuntimes(long newRevision, String[] ids, NodeRuntime[] states, int n) {
    NodeRecord[] olds = new NodeRecord[n]; // what the index holds of each node
    NodeRecord[] nows = new NodeRecord[n]; // its latest record in this batch
    Map<Integer, Integer> at = new HashMap<>(); // slot -> position in olds and nows
    int count = 0;
    int runtimes = runtimeCount;
    NodeIndex ix = index;
    for (int k = 0; k < n; k++) {
      NodeRecord first = record(ids[k]);
      if (first == null) {
        continue;
      }
      NodeRuntime state = Objects.requireNonNull(states[k], "state");
      Integer seen = at.get(first.slot());
      NodeRecord current = seen == null ? first : nows[seen];
      runtimes += current.runtime() == null ? 1 : 0;
      NodeRecord rec;
      if (NodeRecord.eligible(current.node(), state) != current.eligible()) {
        // it changes class: into the index on its own, so that a class made next sees this one's counts
        NodeIndex.Classified c = ix.classify(current.node(), state);
        rec = new NodeRecord(current.node(), state, first.slot(), c.cls(), current.configured(), first.label());
        ix = c.index().update(seen == null ? current : olds[seen], rec);
        if (seen != null) {
          olds[seen] = rec;
        }
      } else {
        rec = new NodeRecord(current.node(), state, first.slot(), current.cls(), current.configured(),
            first.label());
      }
      if (seen == null) {
        olds[count] = rec.cls() == current.cls() ? current : rec; // a class change is in the index already
        nows[count] = rec;
        at.put(first.slot(), count++);
      } else {
        nows[seen] = rec;
      }
    }
    NodeIndex next = ix.updateAll(olds, nows, count); // before replaceAll reorders nows
    return derive(newRevision, slotOf, records.replaceAll(nows, count), next, abTests, runtimes, configuredCount,
        true);
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
    return derive(newRevision, slotOf, records, index, Map.copyOf(a), runtimeCount, configuredCount, true);
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
    return derive(newRevision, slotOf, records, index, Map.copyOf(a), runtimeCount, configuredCount, true);
  }

  /**
   * Returns whether two snapshots hold the same configuration (nodes, configured marks, A/B tests), ignoring
   * revision and runtime state.
   *
   * @param other the other snapshot
   * @return true if the configurations are equal
   */
  public boolean sameConfiguration(PoolSnapshot other) {
    return nodes().equals(other.nodes()) && configured().equals(other.configured())
        && abTests.equals(other.abTests);
  }

  /**
   * A new snapshot that keeps this one's lazily built lists where they still hold: the sorted nodes and
   * the configured set while the configurations are the same, the sorted A/B tests while the tests are.
   */
  private PoolSnapshot derive(long newRevision, HashTrie<Integer> s, SlotTable r, NodeIndex i,
      Map<String, AbTest> a, int runtimes, int marked, boolean sameConfiguration) {
    PoolSnapshot next = new PoolSnapshot(newRevision, s, r, i, a, runtimes, marked);
    if (sameConfiguration) {
      next.sorted = sorted;
      next.configuredIds = configuredIds;
    }
    if (a == abTests) {
      next.sortedTests = sortedTests;
    }
    return next;
  }

  @Override
  public String toString() {
    return "PoolSnapshot[revision=" + revision + ", nodes=" + slotOf.size() + ", configured=" + configuredCount
        + ", abTests=" + abTests.size() + "]";
  }
}
