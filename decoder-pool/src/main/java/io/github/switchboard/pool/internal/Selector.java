package io.github.switchboard.pool.internal;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.RoutingRequest;
import io.github.switchboard.pool.Selection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/*
 * Selection, in this order (every step that narrows the set or decides something adds a reason):
 *
 * 1. selectable: ACTIVE, not marked unhealthy by a health check, fresh (never heartbeated, or within
 *    staleAfter);
 * 2. capable: serves the pair (no languages = all) and carries every required tag;
 * 3. A/B: the first active test (by name) for the pair draws a number u in [0, 100) (from the affinity key
 *    if any, else the random source) and sends u < traffic_percentage to the experiment group (nodes with
 *    every experiment tag), the rest to control (nodes with every control tag; with no control tags, the
 *    capable nodes outside the experiment group). An empty group falls back to every capable node;
 * 4. region: prefer nodes in the requested region, else use the others;
 * 5. adapter: prefer nodes that report the adapter as hot, if any do;
 * 6. power of two choices: draw two distinct candidates uniformly (by position in id order) and keep the
 *    one with the lower cost,
 *      cost = (effectiveLoad / capacity + 0.1) * (1 + priority)
 *    so a busier node (relative to its capacity) and a larger priority number both cost more; the 0.1
 *    base keeps idle nodes ordered by priority.
 *
 * Alternatives: the other candidates of the final set by (cost, id), then the capable nodes dropped by the
 * region, adapter and A/B steps by (cost, id), at most MAX_ALTERNATIVES.
 *
 * Cost: O(candidates), the nodes that serve the pair (from the snapshot's index), never the pool; and no
 * allocation but the result (RoutingRequest makes its getters' Optionals once, when it is built).
 * Pass 1 reads each candidate's runtime state by slot and records, per capable
 * node, its cost and which groups it falls in (experiment, control, region, adapter), counting each
 * combination; the counts settle every fallback (empty group, no node in the region, no hot adapter), so
 * the final set is a predicate on those bits and its size is known. The random draws then come exactly as
 * they always have (the A/B draw only once a capable node exists, then i and j), and pass 2 finds the i-th
 * and j-th members of the final set and keeps the cheapest alternatives by insertion into bounded arrays,
 * no sort. Per-candidate bits and costs live in a per-thread scratch that grows to the largest pair seen
 * (up to Scratch.MAX_KEPT candidates; a larger pair gets arrays of its own per call).
 * Reasons are formatted only when read (Trace).
 */
/** Chooses a node for a request among the nodes of a snapshot. Thread-safe (a scratch per thread). */
final class Selector {

  /** The most alternatives a selection lists. */
  public static final int MAX_ALTERNATIVES = 8;

  /** The cost base that keeps idle nodes ordered by priority. */
  static final double BASE = 0.1;

  private static final byte CAPABLE = 1;
  private static final byte EXPERIMENT = 2;
  private static final byte CONTROL = 4;
  private static final byte REGION = 8;
  private static final byte ADAPTER = 16;

  // counts: a group's four counts start at ALL, IN_EXPERIMENT or IN_CONTROL, by region and adapter match
  private static final int ALL = 0;
  private static final int IN_EXPERIMENT = 4;
  private static final int IN_CONTROL = 8;
  private static final int REGION_ONLY = 1;
  private static final int ADAPTER_ONLY = 2;
  private static final int REGION_AND_ADAPTER = 3;

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private Selector() {}

  /** What this process's health checks say about a node, over its recorded runtime state. */
  interface Overlay {
    /**
     * Returns whether the health checks let the node be selected (they replace the recorded health).
     *
     * @param nodeId the node
     * @return false if a check marked it unhealthy
     */
    boolean healthy(String nodeId);

    /**
     * Returns the load to select by: a load the node's health response reported after its last
     * heartbeat, else the heartbeat's.
     *
     * @param nodeId the node
     * @param recorded its recorded runtime state
     * @return the load
     */
    NodeLoad load(String nodeId, NodeRuntime recorded);
  }

  /**
   * Returns the cost of a node: lower is better.
   *
   * @param node the node
   * @param load its load
   * @return the cost
   */
  static double cost(DecoderNode node, NodeLoad load) {
    double utilisation = load.effectiveLoad() / node.capacity();
    return (utilisation + BASE) * (1 + node.priority());
  }

  /**
   * Chooses a node.
   *
   * @param s the snapshot
   * @param request the request
   * @param nowMicros the time now, for freshness
   * @param staleMicros how long after its last heartbeat a node is stale
   * @param overlay this process's health verdicts and loads, null without health checks
   * @param random a uniform source in [0, 1)
   * @return the selection, empty if no selectable node serves the request
   */
  static Optional<Selection> select(PoolSnapshot s, RoutingRequest request, long nowMicros, long staleMicros,
      @Nullable Overlay overlay, DoubleSupplier random) {
    String src = request.sourceLanguage();
    String tgt = request.targetLanguage();
    LanguageIndex.Candidates c = s.servingPair(src, tgt);
    AbTest test = null;
    for (AbTest t : s.abTestsByName()) {
      if (applies(t, src, tgt)) {
        test = t;
        break;
      }
    }
    String region = request.preferredRegion().orElse(null);
    String adapter = request.adapter().orElse(null);
    Scratch sc = SCRATCH.get();
    sc.reset(c.size());
    int selectable = classify(s, c, sc, request.requiredTags(), test, region, adapter, nowMicros, staleMicros,
        overlay);
    int[] counts = sc.counts;
    int capable = size(counts, ALL);
    if (capable == 0) {
      sc.release();
      return Optional.empty();
    }

    // the steps, decided on the counts
    Trace trace = new Trace(request, c.size(), s.nodes().size(), selectable, capable);
    int want = CAPABLE;
    int group = ALL;
    Selection.AbGroup abGroup = null;
    if (test != null) {
      String key = request.affinityKey().orElse(null);
      double u = key != null ? bucket(test.name(), key) : random.getAsDouble() * 100.0;
      boolean experiment = u < test.trafficPercentage();
      int size = size(counts, experiment ? IN_EXPERIMENT : IN_CONTROL);
      trace.test = test;
      trace.experiment = experiment;
      trace.groupSize = size;
      if (size > 0) {
        want |= experiment ? EXPERIMENT : CONTROL;
        group = experiment ? IN_EXPERIMENT : IN_CONTROL;
        abGroup = experiment ? Selection.AbGroup.EXPERIMENT : Selection.AbGroup.CONTROL;
      }
    }
    int finalSize = size(counts, group);
    if (region != null) {
      int inRegion = counts[group + REGION_ONLY] + counts[group + REGION_AND_ADAPTER];
      trace.inRegion = inRegion;
      if (inRegion > 0) {
        want |= REGION;
        finalSize = inRegion;
      }
    }
    if (adapter != null) {
      int hot = (want & REGION) != 0
          ? counts[group + REGION_AND_ADAPTER]
          : counts[group + ADAPTER_ONLY] + counts[group + REGION_AND_ADAPTER];
      trace.hot = hot;
      if (hot > 0) {
        want |= ADAPTER;
        finalSize = hot;
      }
    }
    trace.finalSize = finalSize;

    // power of two choices: the same draws as ever, by position in the final set
    int i = 0;
    int j = 0;
    if (finalSize > 1) {
      i = Math.min(finalSize - 1, (int) (random.getAsDouble() * finalSize));
      j = Math.min(finalSize - 2, (int) (random.getAsDouble() * (finalSize - 1)));
      if (j >= i) {
        j++;
      }
    }
    rank(c, sc, want, i, j);
    DecoderNode[] nodes = c.nodes();
    double[] costs = sc.costs;
    int chosen = sc.ka;
    trace.a = nodes[sc.ka].nodeId();
    if (finalSize > 1) {
      double ca = costs[sc.ka];
      double cb = costs[sc.kb];
      chosen = cb < ca ? sc.kb : sc.ka;
      trace.b = nodes[sc.kb].nodeId();
      trace.costA = ca;
      trace.costB = cb;
    }
    List<DecoderNode> alternatives = alternatives(nodes, sc, chosen);
    sc.release();
    return Optional.of(new Selection(nodes[chosen], alternatives, trace, test == null ? null : test.name(),
        abGroup));
  }

  /**
   * Pass 1: flags every candidate (0 unless capable; else CAPABLE and its groups), notes the cost of each
   * capable one, and counts the capable ones by group and by region and adapter match.
   *
   * @return how many candidates are selectable
   */
  private static int classify(PoolSnapshot s, LanguageIndex.Candidates c, Scratch sc, List<String> required,
      @Nullable AbTest test, @Nullable String region, @Nullable String adapter, long nowMicros,
      long staleMicros, @Nullable Overlay overlay) {
    DecoderNode[] nodes = c.nodes();
    int[] slots = c.slots();
    String[] regions = c.regions();
    byte[] flags = sc.flags;
    double[] costs = sc.costs;
    int[] counts = sc.counts;
    boolean needTags = !required.isEmpty();
    List<String> experimentTags = test == null ? List.of() : test.experimentGroupTags();
    List<String> controlTags = test == null ? List.of() : test.controlGroupTags();
    boolean noControlTags = controlTags.isEmpty();
    int selectable = 0;
    for (int k = 0; k < nodes.length; k++) {
      DecoderNode node = nodes[k];
      NodeRuntime r = s.runtimeAt(slots[k]);
      byte f = 0;
      if (node.status() == NodeStatus.ACTIVE
          && (!r.hasHeartbeat() || nowMicros - r.lastHeartbeatMicros() < staleMicros)
          && (overlay == null ? r.healthy() : overlay.healthy(node.nodeId()))) {
        selectable++;
        if (!needTags || hasAll(node.tags(), required)) {
          NodeLoad load = overlay == null ? r.load() : overlay.load(node.nodeId(), r);
          f = CAPABLE;
          int match = 0;
          if (region != null && region.equals(regions[k])) {
            f |= REGION;
            match = REGION_ONLY;
          }
          if (adapter != null && load.hotAdapters().contains(adapter)) {
            f |= ADAPTER;
            match += ADAPTER_ONLY;
          }
          counts[ALL + match]++;
          if (test != null) {
            boolean inExperiment = hasAll(node.tags(), experimentTags);
            if (inExperiment) {
              f |= EXPERIMENT;
              counts[IN_EXPERIMENT + match]++;
            }
            if (noControlTags ? !inExperiment : hasAll(node.tags(), controlTags)) {
              f |= CONTROL;
              counts[IN_CONTROL + match]++;
            }
          }
          costs[k] = cost(node, load);
        }
      }
      flags[k] = f;
    }
    return selectable;
  }

  /** The capable candidates of a group: its four counts by region and adapter match. */
  private static int size(int[] counts, int group) {
    return counts[group] + counts[group + REGION_ONLY] + counts[group + ADAPTER_ONLY]
        + counts[group + REGION_AND_ADAPTER];
  }

  /**
   * Pass 2: finds the i-th and j-th members of the final set ({@code want} flags) into {@code sc.ka} and
   * {@code sc.kb}, and keeps the cheapest members and the cheapest capable others by (cost, position).
   */
  private static void rank(LanguageIndex.Candidates c, Scratch sc, int want, int i, int j) {
    byte[] flags = sc.flags;
    double[] costs = sc.costs;
    int best = 0;
    int other = 0;
    int position = 0;
    for (int k = 0, n = c.size(); k < n; k++) {
      int f = flags[k];
      if (f == 0) {
        continue;
      }
      if ((f & want) == want) {
        if (position == i) {
          sc.ka = k;
        }
        if (position == j) {
          sc.kb = k;
        }
        position++;
        best = insert(sc.bestK, sc.bestCost, best, MAX_ALTERNATIVES + 1, k, costs[k]);
      } else {
        other = insert(sc.otherK, sc.otherCost, other, MAX_ALTERNATIVES, k, costs[k]);
      }
    }
    sc.best = best;
    sc.other = other;
  }

  /** The ranked members but the chosen one, then the ranked others, at most MAX_ALTERNATIVES. */
  private static List<DecoderNode> alternatives(DecoderNode[] nodes, Scratch sc, int chosen) {
    DecoderNode[] out = sc.alternatives;
    int count = 0;
    for (int b = 0; b < sc.best && count < MAX_ALTERNATIVES; b++) {
      if (sc.bestK[b] != chosen) {
        out[count++] = nodes[sc.bestK[b]];
      }
    }
    for (int o = 0; o < sc.other && count < MAX_ALTERNATIVES; o++) {
      out[count++] = nodes[sc.otherK[o]];
    }
    List<DecoderNode> list = immutableList(out, count);
    Arrays.fill(out, null); // the scratch holds no node past the call
    return list;
  }

  /**
   * {@link AbTest#appliesTo}, without the substrings it builds: the test is active and its pair's two codes
   * are the primary codes of the request's (a regional code such as {@code pt-BR} counts as {@code pt}).
   */
  static boolean applies(AbTest t, String source, String target) {
    if (!t.active()) {
      return false;
    }
    String pair = t.languagePair();
    int dash = pair.indexOf('-');
    return samePrimary(pair, 0, dash, source) && samePrimary(pair, dash + 1, pair.length(), target);
  }

  private static boolean samePrimary(String pair, int from, int to, String code) {
    int dash = code.indexOf('-');
    int length = dash < 0 ? code.length() : dash;
    return length == to - from && pair.regionMatches(from, code, 0, length);
  }

  /** {@link DecoderNode#hasAllTags}, without the iterator {@code containsAll} creates. */
  private static boolean hasAll(List<String> tags, List<String> required) {
    for (int i = 0, n = required.size(); i < n; i++) {
      if (!tags.contains(required.get(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Inserts candidate {@code k} at its place by (cost, position) into the first {@code size} entries of a
   * bounded sorted array, dropping the last entry when full; candidates come in increasing position, so at
   * equal cost the earlier one stays first.
   *
   * @return the new size
   */
  private static int insert(int[] ks, double[] cs, int size, int capacity, int k, double cost) {
    if (size == capacity && cost >= cs[size - 1]) {
      return size;
    }
    int at = size < capacity ? size++ : capacity - 1;
    while (at > 0 && cost < cs[at - 1]) {
      ks[at] = ks[at - 1];
      cs[at] = cs[at - 1];
      at--;
    }
    ks[at] = k;
    cs[at] = cost;
    return size;
  }

  /** An immutable list of the first {@code count} nodes, built without copying them twice. */
  private static List<DecoderNode> immutableList(DecoderNode[] a, int count) {
    return switch (count) {
      case 0 -> List.of();
      case 1 -> List.of(a[0]);
      case 2 -> List.of(a[0], a[1]);
      case 3 -> List.of(a[0], a[1], a[2]);
      case 4 -> List.of(a[0], a[1], a[2], a[3]);
      case 5 -> List.of(a[0], a[1], a[2], a[3], a[4]);
      case 6 -> List.of(a[0], a[1], a[2], a[3], a[4], a[5]);
      case 7 -> List.of(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
      case 8 -> List.of(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
      default -> throw new IllegalStateException("at most " + MAX_ALTERNATIVES + " alternatives, got " + count);
    };
  }

  /** Per-thread working space of a selection; holds no node between calls. */
  private static final class Scratch {
    /** The most candidates whose flags and costs a thread keeps between calls (36 kB). */
    static final int MAX_KEPT = 4096;

    private byte[] keptFlags = new byte[0];
    private double[] keptCosts = new double[0];
    byte[] flags = keptFlags; // per candidate: 0, or CAPABLE and the groups it falls in
    double[] costs = keptCosts; // per capable candidate
    final int[] counts = new int[12]; // capable candidates by group (ALL, IN_EXPERIMENT, IN_CONTROL) + match
    final int[] bestK = new int[MAX_ALTERNATIVES + 1];
    final double[] bestCost = new double[MAX_ALTERNATIVES + 1];
    final int[] otherK = new int[MAX_ALTERNATIVES];
    final double[] otherCost = new double[MAX_ALTERNATIVES];
    final DecoderNode[] alternatives = new DecoderNode[MAX_ALTERNATIVES];
    int ka;
    int kb;
    int best;
    int other;

    /** Prepares for {@code n} candidates: arrays large enough, counts at zero. */
    void reset(int n) {
      if (n > MAX_KEPT) { // a pair served by thousands of nodes: O(n) anyway; no thread keeps that much
        flags = new byte[n];
        costs = new double[n];
      } else {
        if (keptFlags.length < n) {
          int size = Math.min(MAX_KEPT, Math.max(n, keptFlags.length * 2));
          keptFlags = new byte[size];
          keptCosts = new double[size];
        }
        flags = keptFlags;
        costs = keptCosts;
      }
      Arrays.fill(counts, 0);
      ka = -1;
      kb = -1;
    }

    /** Drops the arrays of a large pair. */
    void release() {
      flags = keptFlags;
      costs = keptCosts;
    }
  }

  /** What the steps decided, to format the reasons when they are read. */
  private static final class Trace extends LazyReasons {
    private final RoutingRequest request;
    private final int serving;
    private final int poolSize;
    private final int selectable;
    private final int capable;
    @Nullable AbTest test;
    boolean experiment;
    int groupSize;
    int inRegion;
    int hot;
    int finalSize;
    @Nullable String a;
    @Nullable String b;
    double costA;
    double costB;

    Trace(RoutingRequest request, int serving, int poolSize, int selectable, int capable) {
      this.request = request;
      this.serving = serving;
      this.poolSize = poolSize;
      this.selectable = selectable;
      this.capable = capable;
    }

    @Override
    List<String> format() {
      List<String> reasons = new ArrayList<>(5);
      reasons.add(serving + " of " + poolSize + " nodes serve " + request.sourceLanguage() + "->"
          + request.targetLanguage() + "; " + selectable + " of them selectable (active, healthy, fresh)"
          + (request.requiredTags().isEmpty() ? "" : "; " + capable + " carry tags " + request.requiredTags()));
      AbTest t = test;
      if (t != null) {
        String groupName = experiment ? "experiment" : "control";
        if (groupSize == 0) {
          reasons.add("A/B test '" + t.name() + "' chose the " + groupName
              + " group, which has no capable node; falling back to every capable node");
        } else {
          reasons.add("A/B test '" + t.name() + "' chose the " + groupName + " group ("
              + groupSize + " nodes, " + t.trafficPercentage() + "% to experiment)");
        }
      }
      request.preferredRegion().ifPresent(region -> reasons.add(inRegion == 0
          ? "no candidate in region " + region + "; using other regions"
          : "preferring region " + region + " (" + inRegion + " nodes)"));
      request.adapter().ifPresent(adapter -> reasons.add(hot == 0
          ? "no candidate has adapter " + adapter + " loaded"
          : "preferring nodes with adapter " + adapter + " loaded (" + hot + " nodes)"));
      if (finalSize == 1) {
        reasons.add("only candidate: " + a);
      } else {
        reasons.add(String.format(Locale.ROOT,
            "power of two choices among %d candidates: %s (cost %.3f) vs %s (cost %.3f)",
            finalSize, a, costA, b, costB));
      }
      return reasons;
    }
  }

  /**
   * Returns the A/B bucket of an affinity key in [0, 100), stable across processes and versions.
   *
   * @param testName the test's name (so that different tests split independently)
   * @param key the affinity key
   * @return the bucket
   */
  static double bucket(String testName, String key) {
    // FNV-1a 64 over the UTF-8 bytes of testName + '\u0000' + key, encoded here without building them
    long h = fnv(0xcbf29ce484222325L, testName);
    h = (h ^ 0) * 0x100000001b3L;
    h = fnv(h, key);
    h ^= h >>> 33; // finalise (murmur3 fmix64) so that similar keys spread
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return (double) Long.remainderUnsigned(h, 10_000) / 100.0;
  }

  /** Folds the UTF-8 encoding of {@code s} into an FNV-1a hash, as {@code String.getBytes(UTF_8)} encodes. */
  private static long fnv(long hash, String s) {
    long h = hash;
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char ch = s.charAt(i);
      if (ch < 0x80) {
        h = (h ^ ch) * 0x100000001b3L;
      } else if (ch < 0x800) {
        h = (h ^ (0xc0 | (ch >> 6))) * 0x100000001b3L;
        h = (h ^ (0x80 | (ch & 0x3f))) * 0x100000001b3L;
      } else if (Character.isSurrogate(ch)) {
        if (Character.isHighSurrogate(ch) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          int cp = Character.toCodePoint(ch, s.charAt(++i));
          h = (h ^ (0xf0 | (cp >> 18))) * 0x100000001b3L;
          h = (h ^ (0x80 | ((cp >> 12) & 0x3f))) * 0x100000001b3L;
          h = (h ^ (0x80 | ((cp >> 6) & 0x3f))) * 0x100000001b3L;
          h = (h ^ (0x80 | (cp & 0x3f))) * 0x100000001b3L;
        } else {
          h = (h ^ '?') * 0x100000001b3L; // an unpaired surrogate encodes as '?'
        }
      } else {
        h = (h ^ (0xe0 | (ch >> 12))) * 0x100000001b3L;
        h = (h ^ (0x80 | ((ch >> 6) & 0x3f))) * 0x100000001b3L;
        h = (h ^ (0x80 | (ch & 0x3f))) * 0x100000001b3L;
      }
    }
    return h;
  }
}
