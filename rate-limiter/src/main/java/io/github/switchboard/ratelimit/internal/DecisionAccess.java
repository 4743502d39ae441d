package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.ratelimit.Decision;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/*
 * The implementations' trusted way to make a Decision without the range checks of Decision.ofMicros (the
 * public factory, which keeps them): the in-memory states produce values that are in range by
 * construction, and re-checking five of them on every decision is measurable at 20M decisions/s.
 *
 * Decision's static initializer installs its private constructor here (once). Decisions.FACTORY reads it
 * after forcing Decision's initialization, which works whichever of the two classes is initialized first:
 * the installed value lives in this class, which depends on nothing.
 */
/** Where {@link Decision} installs its trusted constructor; for the implementations only. */
public final class DecisionAccess {
  /** Makes a decision from values already known to be in range. */
  @FunctionalInterface
  public interface Factory {
    /**
     * Makes a decision without checking its values.
     *
     * @param allowed whether allowed
     * @param limit the reported limit's count
     * @param remaining the permits left
     * @param retryAfterMicros 0 when allowed, positive when denied
     * @param resetAfterMicros at least 0
     * @param windowMicros positive
     * @param degraded whether a fallback answered
     * @return the decision
     */
    Decision make(
        boolean allowed,
        long limit,
        long remaining,
        long retryAfterMicros,
        long resetAfterMicros,
        long windowMicros,
        boolean degraded);
  }

  private static volatile @Nullable Factory installed;
  private static volatile @Nullable UnaryOperator<Decision> shadow;

  private DecisionAccess() {}

  /**
   * Installs the trusted factory; called once, by {@link Decision}'s static initializer.
   *
   * @param factory the factory
   * @param shadowOf turns a denial into the allowed, shadow-denied decision of a shadow policy
   * @throws IllegalStateException if one was installed already
   */
  public static synchronized void install(Factory factory, UnaryOperator<Decision> shadowOf) {
    if (installed != null) {
      throw new IllegalStateException("the decision factory is installed already");
    }
    shadow = Objects.requireNonNull(shadowOf, "shadowOf");
    installed = Objects.requireNonNull(factory, "factory");
  }

  static UnaryOperator<Decision> shadowFactory() {
    installed();
    return Objects.requireNonNull(shadow, "Decision did not install its shadow factory");
  }

  static Factory installed() {
    try {
      Class.forName(Decision.class.getName(), true, Decision.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
    return Objects.requireNonNull(installed, "Decision did not install its factory");
  }
}
