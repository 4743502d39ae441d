package io.github.switchboard.pool.internal.select;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.RoutingRequest;
import io.github.switchboard.pool.Selection;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import java.util.List;
import java.util.Objects;
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
 * Two ways to the same answer (SelectorAgreementTest holds both to the reference selector):
 * - IndexedSelection, on the snapshot's indexes: counts per class of nodes, draws by position in an
 *   ordered set, alternatives from a walk in cost order; its cost follows the classes and log n, not the
 *   candidates (the usual case: no health checks, a fleet's few classes, few stale nodes);
 * - ScanSelection, over every candidate (health checks on, whose verdicts are this process's and not in
 *   the snapshot; or a pool the indexes cannot answer for).
 * Each gives this class the counts of the capable candidates by group and match; the steps are decided
 * here on those counts (so both draw the random numbers alike: the A/B draw only once a capable node
 * exists, then i and j); then the path finds the i-th and j-th members of the final set and the
 * alternatives. Nothing is allocated but the result (RoutingRequest makes its getters' Optionals once,
 * when it is built; the working space is per thread, SelectionScratch); reasons are formatted only when
 * read (SelectionTrace).
 */
/** Chooses a node for a request among the nodes of a snapshot. Thread-safe (a scratch per thread). */
public final class Selector {

  /** The most alternatives a selection lists. */
  public static final int MAX_ALTERNATIVES = 8;

  // a candidate's (or a class's) flags
  static final byte CAPABLE = 1;
  static final byte EXPERIMENT = 2;
  static final byte CONTROL = 4;
  static final byte REGION = 8;
  static final byte ADAPTER = 16;

  // counts: a group's four counts start at ALL, IN_EXPERIMENT or IN_CONTROL, by region and adapter match
  static final int ALL = 0;
  static final int IN_EXPERIMENT = 4;
  static final int IN_CONTROL = 8;
  static final int REGION_ONLY = 1;
  static final int ADAPTER_ONLY = 2;
  static final int REGION_AND_ADAPTER = 3;

  private static final ThreadLocal<SelectionScratch> SCRATCH = ThreadLocal.withInitial(SelectionScratch::new);

  private Selector() {}

  /** What this process's health checks say about a node, over its recorded runtime state. */
  public interface Overlay {
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
  public static Optional<Selection> select(PoolSnapshot s, RoutingRequest request, long nowMicros, long staleMicros,
      @Nullable Overlay overlay, DoubleSupplier random) {
    String src = request.sourceLanguage();
    String tgt = request.targetLanguage();
    AbTest test = null;
    for (AbTest t : s.abTestsByName()) {
      if (applies(t, src, tgt)) {
        test = t;
        break;
      }
    }
    SelectionScratch sc = SCRATCH.get();
    sc.reset();
    boolean indexed = overlay == null && IndexedSelection.count(s, request, test, nowMicros, staleMicros, sc);
    if (!indexed) {
      ScanSelection.count(s, request, test, nowMicros, staleMicros, overlay, sc);
    }
    int[] counts = sc.counts;
    int capable = size(counts, ALL);
    if (capable == 0) {
      sc.release();
      return Optional.empty();
    }

    // the steps, decided on the counts
    String region = request.preferredRegion().orElse(null);
    String adapter = request.adapter().orElse(null);
    SelectionTrace trace = new SelectionTrace(request, sc.serving, s.nodes().size(), sc.selectable, capable);
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
    boolean two = finalSize > 1;
    if (two) {
      i = Math.min(finalSize - 1, (int) (random.getAsDouble() * finalSize));
      j = Math.min(finalSize - 2, (int) (random.getAsDouble() * (finalSize - 1)));
      if (j >= i) {
        j++;
      }
    }
    if (indexed) {
      IndexedSelection.locate(s, request, sc, want, i, j, two);
    } else {
      ScanSelection.locate(s, sc, want, i, j, two);
    }
    DecoderNode chosen = Objects.requireNonNull(sc.a);
    trace.a = chosen.nodeId();
    boolean chosenIsB = false;
    if (two) {
      DecoderNode b = Objects.requireNonNull(sc.b);
      chosenIsB = sc.costB < sc.costA;
      chosen = chosenIsB ? b : chosen;
      trace.b = b.nodeId();
      trace.costA = sc.costA;
      trace.costB = sc.costB;
    }
    if (indexed) {
      IndexedSelection.alternatives(s, request, sc, want, nowMicros, staleMicros, chosenIsB);
    } else {
      ScanSelection.alternatives(s, sc, chosenIsB);
    }
    List<DecoderNode> alternatives = immutableList(sc.alternatives, sc.alternativeCount);
    sc.release();
    return Optional.of(new Selection(chosen, alternatives, trace, test == null ? null : test.name(), abGroup));
  }

  /** The capable candidates of a group: its four counts by region and adapter match. */
  private static int size(int[] counts, int group) {
    return counts[group] + counts[group + REGION_ONLY] + counts[group + ADAPTER_ONLY]
        + counts[group + REGION_AND_ADAPTER];
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
