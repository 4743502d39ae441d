package io.github.switchboard.pool;

import io.github.switchboard.pool.internal.select.LazyReasons;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The answer of {@link DecoderPool#select(RoutingRequest)}: the chosen node, the other candidates ranked
 * for a retry, and the reasons (which filters applied, whether an A/B test decided, which fallbacks were
 * taken). Immutable.
 */
public final class Selection {

  /** The group of an A/B test a request was sent to. */
  public enum AbGroup {
    /** The control group. */
    CONTROL,
    /** The experiment group. */
    EXPERIMENT
  }

  private final DecoderNode node;
  private final List<DecoderNode> alternatives;
  private final List<String> reasons;
  private final @Nullable String abTest;
  private final @Nullable AbGroup abGroup;

  /**
   * Creates a selection.
   *
   * @param node the chosen node
   * @param alternatives the other candidates, best first
   * @param reasons why, in the order the decisions were taken
   * @param abTest the name of the A/B test that decided the group, or null
   * @param abGroup the group, or null when no A/B test decided
   */
  public Selection(
      DecoderNode node,
      List<DecoderNode> alternatives,
      List<String> reasons,
      @Nullable String abTest,
      @Nullable AbGroup abGroup) {
    this.node = Objects.requireNonNull(node, "node");
    this.alternatives = List.copyOf(alternatives); // no copy of a list that is already immutable
    // the pool's own reasons are immutable and formatted only when read
    this.reasons = reasons instanceof LazyReasons ? reasons : List.copyOf(reasons);
    this.abTest = abTest;
    this.abGroup = abGroup;
  }

  /**
   * Returns the chosen node.
   *
   * @return the node
   */
  public DecoderNode node() {
    return node;
  }

  /**
   * Returns the other candidates, best first, to retry on if the chosen node fails.
   *
   * @return an immutable list, possibly empty
   */
  public List<DecoderNode> alternatives() {
    return alternatives;
  }

  /**
   * Returns why this node was chosen, as short sentences.
   *
   * @return an immutable list
   */
  public List<String> reasons() {
    return reasons;
  }

  /**
   * Returns the A/B test that decided the group.
   *
   * @return the test's name, empty if no test applied
   */
  public Optional<String> abTest() {
    return Optional.ofNullable(abTest);
  }

  /**
   * Returns the A/B group the request was sent to.
   *
   * @return the group, empty if no test applied
   */
  public Optional<AbGroup> abGroup() {
    return Optional.ofNullable(abGroup);
  }

  @Override
  public String toString() {
    return "Selection[" + node.nodeId() + ", alternatives="
        + alternatives.stream().map(DecoderNode::nodeId).toList() + ", reasons=" + reasons + "]";
  }
}
