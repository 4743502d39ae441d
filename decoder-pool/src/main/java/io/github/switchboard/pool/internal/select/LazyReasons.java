package io.github.switchboard.pool.internal.select;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;
import org.jspecify.annotations.Nullable;

/*
 * select() is on the request path and its reasons are read rarely (logs, debugging, tests): formatting
 * them eagerly (string concatenation, String.format) cost more than the selection itself. A selection
 * keeps the few numbers and names its reasons need, and this list formats them on first read, once.
 */
/**
 * An immutable list of reasons formatted on first read. {@link io.github.switchboard.pool.Selection} keeps
 * it as it is instead of copying it. Subclasses only in this package. Thread-safe.
 */
public abstract class LazyReasons extends AbstractList<String> implements RandomAccess {
  private volatile @Nullable List<String> reasons;

  LazyReasons() {}

  /**
   * Formats the reasons.
   *
   * @return the reasons, in the order the decisions were taken
   */
  abstract List<String> format();

  private List<String> reasons() {
    List<String> r = reasons;
    if (r == null) {
      r = List.copyOf(format()); // a race formats twice, equal lists
      reasons = r;
    }
    return r;
  }

  @Override
  public String get(int index) {
    return reasons().get(index);
  }

  @Override
  public int size() {
    return reasons().size();
  }
}
