package io.github.switchboard.pool.internal.select;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.RoutingRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** What the steps of a selection decided, to format its reasons when they are read. */
final class SelectionTrace extends LazyReasons {
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

  SelectionTrace(RoutingRequest request, int serving, int poolSize, int selectable, int capable) {
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
