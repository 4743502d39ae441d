package io.github.switchboard.pool.internal;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.NodeStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/*
 * Copy-on-write: every with* method copies the one map it changes, so a snapshot handed out is never
 * modified and readers need no lock. A configuration change copies the node map (O(n)); a heartbeat, the
 * frequent change, copies only the small map of recent runtime states, folded into the base map once it
 * holds about sqrt(n) entries (O(sqrt(n)) amortised). The index of nodes by language pair and the sorted
 * node list are kept while the node map is the same (carry).
 */
/**
 * An immutable state of a pool store: its revision, node configurations, runtime states, A/B tests and
 * the ids of configured nodes. Runtime state exists only for nodes in {@link #nodes()}.
 */
public final class PoolSnapshot {

  /** The empty pool at revision 0. */
  public static final PoolSnapshot EMPTY = new PoolSnapshot(0, Map.of(), Map.of(), Map.of(), Set.of());

  private final long revision;
  private final Map<String, DecoderNode> nodes;
  private final Map<String, NodeRuntime> base; // runtime states, but for the most recent ones
  private final Map<String, NodeRuntime> recent; // the latest heartbeats, small (see withRuntime)
  private volatile @Nullable Map<String, NodeRuntime> merged; // base + recent, lazily
  private final Map<String, AbTest> abTests;
  private final Set<String> configured;
  private volatile @Nullable List<DecoderNode> sorted; // lazily, benign race
  private volatile @Nullable LanguageIndex index; // lazily, benign race; shared while the nodes are the same

  private PoolSnapshot(
      long revision,
      Map<String, DecoderNode> nodes,
      Map<String, NodeRuntime> runtime,
      Map<String, AbTest> abTests,
      Set<String> configured) {
    this(revision, nodes, runtime, Map.of(), abTests, configured);
  }

  private PoolSnapshot(
      long revision,
      Map<String, DecoderNode> nodes,
      Map<String, NodeRuntime> base,
      Map<String, NodeRuntime> recent,
      Map<String, AbTest> abTests,
      Set<String> configured) {
    this.revision = revision;
    this.nodes = nodes;
    this.base = base;
    this.recent = recent;
    this.merged = recent.isEmpty() ? base : null;
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
    Map<String, NodeRuntime> r = new HashMap<>(runtime);
    r.keySet().retainAll(n.keySet());
    Set<String> p = new HashSet<>(configured);
    p.retainAll(n.keySet());
    return new PoolSnapshot(revision, n, Map.copyOf(r), Map.copyOf(abTests), Set.copyOf(p));
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
   * Returns runtime states by node id; a node without an entry has {@link NodeRuntime#INITIAL}.
   *
   * @return an immutable map
   */
  public Map<String, NodeRuntime> runtime() {
    Map<String, NodeRuntime> m = merged;
    if (m == null) {
      Map<String, NodeRuntime> all = new HashMap<>(base);
      all.putAll(recent);
      m = Map.copyOf(all);
      merged = m;
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
    NodeRuntime r = recent.get(nodeId);
    if (r == null) {
      r = base.get(nodeId);
    }
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
   * Returns the nodes ordered by id (computed once per snapshot).
   *
   * @return an immutable list
   */
  public List<DecoderNode> sortedNodes() {
    List<DecoderNode> s = sorted;
    if (s == null) {
      List<DecoderNode> list = new ArrayList<>(nodes.values());
      list.sort(Comparator.comparing(DecoderNode::nodeId));
      s = List.copyOf(list);
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
    List<AbTest> list = new ArrayList<>(abTests.values());
    list.sort(Comparator.comparing(AbTest::name));
    return list;
  }

  /**
   * Returns this snapshot at another revision.
   *
   * @param newRevision the revision
   * @return the copy
   */
  public PoolSnapshot withRevision(long newRevision) {
    PoolSnapshot copy = carry(new PoolSnapshot(newRevision, nodes, base, recent, abTests, configured));
    return copy;
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
    Map<String, DecoderNode> n = new HashMap<>(nodes);
    n.put(node.nodeId(), node);
    Set<String> p = configured;
    if (markConfigured && !configured.contains(node.nodeId())) {
      Set<String> copy = new HashSet<>(configured);
      copy.add(node.nodeId());
      p = Set.copyOf(copy);
    }
    return new PoolSnapshot(newRevision, Map.copyOf(n), base, recent, abTests, p);
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
    Map<String, NodeRuntime> r = runtime();
    if (r.containsKey(nodeId)) {
      Map<String, NodeRuntime> copy = new HashMap<>(r);
      copy.remove(nodeId);
      r = Map.copyOf(copy);
    }
    Set<String> p = configured;
    if (configured.contains(nodeId)) {
      Set<String> copy = new HashSet<>(configured);
      copy.remove(nodeId);
      p = Set.copyOf(copy);
    }
    return new PoolSnapshot(newRevision, Map.copyOf(n), r, abTests, p);
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
    return new PoolSnapshot(newRevision, Map.copyOf(n), base, recent, abTests, configured);
  }

  /**
   * Returns a copy with a node's runtime state replaced; unchanged (but at the new revision) if the node is
   * unknown.
   *
   * @param newRevision the revision after the change
   * @param nodeId the id
   * @param state the state
   * @return the copy
   */
  public PoolSnapshot withRuntime(long newRevision, String nodeId, NodeRuntime state) {
    if (!nodes.containsKey(nodeId)) {
      return withRevision(newRevision);
    }
    Objects.requireNonNull(state, "state");
    // Only the small map of recent heartbeats is copied; it is folded into the base once it holds about
    // sqrt(n) entries, so a heartbeat costs O(sqrt(n)) amortised instead of a copy of every node's state.
    if (recent.size() >= Math.max(16, (int) Math.sqrt(nodes.size()))) {
      Map<String, NodeRuntime> all = new HashMap<>(runtime());
      all.put(nodeId, state);
      return carry(new PoolSnapshot(newRevision, nodes, Map.copyOf(all), Map.of(), abTests, configured));
    }
    Map<String, NodeRuntime> r = new HashMap<>(recent);
    r.put(nodeId, state);
    return carry(new PoolSnapshot(newRevision, nodes, base, Map.copyOf(r), abTests, configured));
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
    return carry(new PoolSnapshot(newRevision, nodes, base, recent, Map.copyOf(a), configured));
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
    return carry(new PoolSnapshot(newRevision, nodes, base, recent, Map.copyOf(a), configured));
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

  /** Hands the lazily built views of the nodes on to a snapshot with the same nodes. */
  private PoolSnapshot carry(PoolSnapshot next) {
    next.sorted = sorted;
    next.index = index;
    return next;
  }

  /**
   * Returns the nodes that serve a language pair (by {@link DecoderNode#servesPair}), from an index built
   * once per set of nodes (heartbeats and A/B test changes keep it): the cost of a selection follows the
   * nodes that serve the pair, not the pool.
   *
   * @param source the source language
   * @param target the target language
   * @return the nodes, in no particular order; do not modify
   */
  public List<DecoderNode> servingPair(String source, String target) {
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
}
