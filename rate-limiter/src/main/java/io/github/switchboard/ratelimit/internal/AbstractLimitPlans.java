package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.ratelimit.LimitPlans;
import io.github.switchboard.ratelimit.LimitPlansListener;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The reads of {@link LimitPlans}, from the book every implementation keeps current. */
abstract class AbstractLimitPlans implements LimitPlans, PlanSource {
  final String name;
  final PlanBook book;

  AbstractLimitPlans(String name) {
    this.name = name;
    this.book = new PlanBook(name);
  }

  @Override
  public final PlanBook book() {
    return book;
  }

  @Override
  public final Map<String, RateLimitPolicy> plans() {
    return book.plans();
  }

  @Override
  public final Optional<RateLimitPolicy> plan(String plan) {
    return book.plan(plan);
  }

  @Override
  public final Optional<String> planOf(String key) {
    return book.planOfKey(key);
  }

  @Override
  public final @Nullable RateLimitPolicy policyOf(String key) {
    return book.policyOfKey(key);
  }

  @Override
  public final int assignments() {
    return book.assignments();
  }

  @Override
  public final long revision() {
    return book.revision();
  }

  @Override
  public final void addListener(LimitPlansListener listener) {
    book.addListener(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public final String name() {
    return name;
  }
}
