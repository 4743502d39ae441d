package io.github.switchboard.pool;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The load a node reports in a heartbeat (or in its health response): {@code load} in the units of its
 * {@link DecoderNode#capacity() capacity}, the number of requests in flight, and optionally its uptime and
 * the adapters it has loaded. Immutable.
 *
 * <p>Selection uses {@link #effectiveLoad()}, the larger of {@code load} and {@code inFlight}, divided by
 * the node's capacity.
 */
public final class NodeLoad {

  /** No load reported: zero load, nothing in flight. */
  public static final NodeLoad NONE = new NodeLoad(0, 0, List.of(), null);

  private final double load;
  private final int inFlight;
  private final List<String> hotAdapters;
  private final @Nullable Duration uptime;

  private NodeLoad(double load, int inFlight, List<String> hotAdapters, @Nullable Duration uptime) {
    if (!Double.isFinite(load) || load < 0) {
      throw new IllegalArgumentException("load must be a finite number >= 0, was " + load);
    }
    if (inFlight < 0) {
      throw new IllegalArgumentException("inflight must be >= 0, was " + inFlight);
    }
    if (uptime != null && uptime.isNegative()) {
      throw new IllegalArgumentException("uptime must not be negative, was " + uptime);
    }
    this.load = load;
    this.inFlight = inFlight;
    this.hotAdapters = Validation.labels(hotAdapters, "hot_adapters");
    this.uptime = uptime;
  }

  /**
   * Returns a load with nothing counted in flight.
   *
   * @param load a finite number &ge; 0, in capacity units
   * @return the load
   * @throws IllegalArgumentException if the load is negative or not finite
   */
  public static NodeLoad of(double load) {
    return new NodeLoad(load, 0, List.of(), null);
  }

  /**
   * Returns a load with a count of requests in flight.
   *
   * @param load a finite number &ge; 0, in capacity units
   * @param inFlight requests in flight, &ge; 0
   * @return the load
   * @throws IllegalArgumentException if a value is negative or not finite
   */
  public static NodeLoad of(double load, int inFlight) {
    return new NodeLoad(load, inFlight, List.of(), null);
  }

  /**
   * Returns a copy with the adapters the node has loaded.
   *
   * @param adapters adapter names
   * @return the copy
   */
  public NodeLoad withHotAdapters(Collection<String> adapters) {
    return new NodeLoad(load, inFlight, List.copyOf(adapters), uptime);
  }

  /**
   * Returns a copy with the node's uptime.
   *
   * @param value the uptime, or null for unknown
   * @return the copy
   */
  public NodeLoad withUptime(@Nullable Duration value) {
    return new NodeLoad(load, inFlight, hotAdapters, value);
  }

  /**
   * Returns the reported load, in capacity units.
   *
   * @return the load, &ge; 0
   */
  public double load() {
    return load;
  }

  /**
   * Returns the reported number of requests in flight.
   *
   * @return the count, &ge; 0
   */
  public int inFlight() {
    return inFlight;
  }

  /**
   * Returns the load selection uses: the larger of {@link #load()} and {@link #inFlight()}.
   *
   * @return the effective load
   */
  public double effectiveLoad() {
    return Math.max(load, inFlight);
  }

  /**
   * Returns the adapters the node reports as loaded.
   *
   * @return an immutable list
   */
  public List<String> hotAdapters() {
    return hotAdapters;
  }

  /**
   * Returns the node's uptime, if it reported one.
   *
   * @return the uptime
   */
  public Optional<Duration> uptime() {
    return Optional.ofNullable(uptime);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof NodeLoad n
        && Double.compare(load, n.load) == 0
        && inFlight == n.inFlight
        && hotAdapters.equals(n.hotAdapters)
        && Objects.equals(uptime, n.uptime);
  }

  @Override
  public int hashCode() {
    return Objects.hash(load, inFlight, hotAdapters, uptime);
  }

  @Override
  public String toString() {
    return "NodeLoad[load=" + load + ", inflight=" + inFlight
        + (hotAdapters.isEmpty() ? "" : ", hot_adapters=" + hotAdapters)
        + (uptime == null ? "" : ", uptime=" + uptime) + "]";
  }
}
