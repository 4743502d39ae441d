package io.github.switchboard.ratelimit;

import io.github.switchboard.core.BackendState;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Limits as data: named plans (each a {@link RateLimitPolicy}) and which key is on which plan, shared
 * through Redis by every limiter built with them ({@link RateLimiters.Builder#plans(LimitPlans)}), or kept
 * in this process when built without Redis.
 *
 * <pre>{@code
 * LimitPlans plans = LimitPlans.builder("api").redis(target).build();
 * plans.putPlan("free", RateLimitPolicy.builder().limit(60, Duration.ofMinutes(1)).build());
 * plans.assign("client-42", "free");
 * RateLimiter limiter = RateLimiters.builder(defaultPolicy).redis(target).plans(plans).build();
 * }</pre>
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li>A key's policy is its plan's, else the limiter builder's. Each instance keeps every plan and
 *       assignment in memory: a decision looks its key's plan up locally, with no Redis round trip.
 *   <li>A change made on any instance reaches every instance sharing the Redis within 1 s (published on a
 *       channel, applied in revision order). A change missed while a subscription was down is healed by a
 *       full read when it is back, and any other gap by a check of the revision every {@code
 *       reconcileInterval} (default 1 s): a missed change is applied within that interval plus one read.
 *   <li>A change of a key's plan, or of a plan's limits, keeps the key's usage when the algorithm stays (a
 *       key that used 8 of 10 and moves to a limit of 20 has 12 left) on Redis, where the state is shared;
 *       an in-memory limiter keeps each plan's state apart, so there a key starts afresh. A change of algorithm starts the key
 *       afresh under the new algorithm (its state is kept apart per algorithm; the old one expires). A plan
 *       removed sends its keys back to the default policy.
 *   <li>Redis gone: the last plans known keep applying; writes fail with {@link PlanWriteException} (they
 *       are operator actions, not traffic: nothing is queued).
 *   <li>Bounds: plan names are 1 to {@value #MAX_NAME_LENGTH} of {@code A-Z a-z 0-9 . _ -}; at most
 *       {@value #MAX_PLANS} plans and {@value #MAX_ASSIGNMENTS} assignments; keys follow the limiter's rule
 *       (1 to 1024 UTF-8 bytes).
 * </ul>
 *
 * <p>Thread-safe. Writes come in pairs ({@code putPlan}/{@code putPlanAsync}, ...); a synchronous write
 * returns once this instance applies it (read your writes).
 */
public interface LimitPlans extends AutoCloseable {
  /** The most plans: {@value}. */
  int MAX_PLANS = 1000;

  /** The most assignments of keys to plans: {@value}. */
  int MAX_ASSIGNMENTS = 100_000;

  /** The longest plan name: {@value}. */
  int MAX_NAME_LENGTH = 64;

  /**
   * Starts a set of plans.
   *
   * @param name the set's name (1 to 64 of {@code A-Z a-z 0-9 . _ -}); instances of one name on one Redis
   *     share their plans
   * @return a builder
   * @throws IllegalArgumentException naming the rule if the name breaks it
   */
  static LimitPlansBuilder builder(String name) {
    return new LimitPlansBuilder(name);
  }

  /**
   * Adds or replaces a plan.
   *
   * @param name the plan's name
   * @param policy its policy
   * @throws IllegalArgumentException if the name breaks the rule, or the plan is new and there are
   *     {@value #MAX_PLANS} already
   * @throws PlanWriteException if Redis did not take the write
   */
  void putPlan(String name, RateLimitPolicy policy);

  /**
   * Asynchronous twin of {@link #putPlan}.
   *
   * @param name the plan's name
   * @param policy its policy
   * @return completes when applied here, or with the failure
   */
  CompletionStage<Void> putPlanAsync(String name, RateLimitPolicy policy);

  /**
   * Removes a plan (nothing if there is none); its keys go back to the default policy.
   *
   * @param name the plan's name
   * @throws PlanWriteException if Redis did not take the write
   */
  void removePlan(String name);

  /**
   * Asynchronous twin of {@link #removePlan}.
   *
   * @param name the plan's name
   * @return completes when applied here, or with the failure
   */
  CompletionStage<Void> removePlanAsync(String name);

  /**
   * Puts a key on a plan.
   *
   * @param key the client key
   * @param plan the plan's name
   * @throws UnknownPlanException if there is no such plan
   * @throws IllegalArgumentException if the key breaks the rule, or it is new and there are {@value
   *     #MAX_ASSIGNMENTS} assignments already
   * @throws PlanWriteException if Redis did not take the write
   */
  void assign(String key, String plan);

  /**
   * Asynchronous twin of {@link #assign}.
   *
   * @param key the client key
   * @param plan the plan's name
   * @return completes when applied here, or with the failure
   */
  CompletionStage<Void> assignAsync(String key, String plan);

  /**
   * Takes a key off its plan (nothing if it has none): the default policy applies to it again.
   *
   * @param key the client key
   * @throws PlanWriteException if Redis did not take the write
   */
  void unassign(String key);

  /**
   * Asynchronous twin of {@link #unassign}.
   *
   * @param key the client key
   * @return completes when applied here, or with the failure
   */
  CompletionStage<Void> unassignAsync(String key);

  /**
   * Returns every plan, by name (a copy).
   *
   * @return the plans, sorted by name
   */
  Map<String, RateLimitPolicy> plans();

  /**
   * Returns a plan.
   *
   * @param name the plan's name
   * @return its policy, or empty
   */
  Optional<RateLimitPolicy> plan(String name);

  /**
   * Returns the plan a key is on.
   *
   * @param key the client key
   * @return the plan's name, or empty (the default policy applies)
   */
  Optional<String> planOf(String key);

  /**
   * Returns the policy that applies to a key: its plan's, or null for the default.
   *
   * @param key the client key
   * @return the plan's policy, or null
   */
  @Nullable RateLimitPolicy policyOf(String key);

  /**
   * Returns how many keys are on a plan.
   *
   * @return the number of assignments
   */
  int assignments();

  /**
   * Returns the revision this instance has applied (Redis's; counts changes in memory).
   *
   * @return the revision
   */
  long revision();

  /**
   * Adds a listener of the changes this instance applies, from any instance.
   *
   * @param listener the listener
   */
  void addListener(LimitPlansListener listener);

  /**
   * Returns whether the plans are read from Redis now ({@link BackendState#PRIMARY}; always for plans in
   * memory) or the last known ones apply ({@link BackendState#FALLBACK}).
   *
   * @return the state
   */
  BackendState backendState();

  /**
   * Returns the set's name.
   *
   * @return the name
   */
  String name();

  /** Releases the Redis connections this object opened. */
  @Override
  void close();
}
