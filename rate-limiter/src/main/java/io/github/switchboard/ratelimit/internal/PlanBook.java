package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.ratelimit.LimitPlans;
import io.github.switchboard.ratelimit.LimitPlansListener;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The plans as one instance knows them: plan name -> policy, key -> plan name, and the revision they are
 * at. Readers (every decision) read the concurrent maps without a lock; changes are applied under this
 * object's lock, in revision order, by whoever learns of them (a write's reply, a message, a full read),
 * and each is told to the listeners after it is applied. A change whose revision is not the next one is
 * not applied: the caller reads everything again (read()).
 */
/** The plans and assignments one instance knows, with their revision. */
public final class PlanBook {
  private static final Logger LOG = LoggerFactory.getLogger(PlanBook.class);

  private final String name;
  private final ConcurrentHashMap<String, RateLimitPolicy> plans = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, String> keys = new ConcurrentHashMap<>();
  private final List<LimitPlansListener> listeners = new CopyOnWriteArrayList<>();
  private volatile long revision;

  /**
   * Creates an empty book.
   *
   * @param name the plans' name, for logs
   */
  public PlanBook(String name) {
    this.name = name;
  }

  /**
   * Checks a plan (or plans set) name: 1 to 64 of {@code A-Z a-z 0-9 . _ -}.
   *
   * @param value the name
   * @param field the field, for the message
   * @return the name
   * @throws IllegalArgumentException naming the rule
   */
  public static String checkName(@Nullable String value, String field) {
    Objects.requireNonNull(value, field);
    boolean ok = !value.isEmpty() && value.length() <= LimitPlans.MAX_NAME_LENGTH;
    for (int i = 0; ok && i < value.length(); i++) {
      char c = value.charAt(i);
      ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    }
    if (!ok) {
      String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
      throw new IllegalArgumentException(
          field + " must be 1 to " + LimitPlans.MAX_NAME_LENGTH + " of A-Z a-z 0-9 . _ -, was '"
              + shown.replaceAll("\\p{Cntrl}", "?") + "'");
    }
    return value;
  }

  /** Returns the policy a key's plan gives it, or null (the default). No allocation. */
  @Nullable RateLimitPolicy policyOf(String key) {
    String plan = keys.get(key);
    return plan == null ? null : plans.get(plan);
  }

  /** Returns the plan of a key, or null. */
  @Nullable String planOf(String key) {
    return keys.get(key);
  }

  public Map<String, RateLimitPolicy> plans() {
    return Collections.unmodifiableMap(new TreeMap<>(plans));
  }

  public Optional<RateLimitPolicy> plan(String plan) {
    return Optional.ofNullable(plans.get(plan));
  }

  public Optional<String> planOfKey(String key) {
    return Optional.ofNullable(keys.get(key));
  }

  public @Nullable RateLimitPolicy policyOfKey(String key) {
    return policyOf(key);
  }

  public int assignments() {
    return keys.size();
  }

  public int planCount() {
    return plans.size();
  }

  public boolean hasPlan(String plan) {
    return plans.containsKey(plan);
  }

  public boolean isAssigned(String key) {
    return keys.containsKey(key);
  }

  public long revision() {
    return revision;
  }

  public void addListener(LimitPlansListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  public void removeListener(LimitPlansListener listener) {
    listeners.remove(listener);
  }

  /** The assignments, as a copy (for a full rebuild). */
  public Map<String, String> assignmentsCopy() {
    return new java.util.HashMap<>(keys);
  }

  /**
   * Applies one change if its revision is the next one.
   *
   * @param rev the change's revision (0: a change in memory, always the next)
   * @param change what to apply
   * @return true if applied or already applied (rev not above this book's), false if there is a gap
   */
  public synchronized boolean apply(long rev, PlanChange change) {
    if (rev != 0 && rev <= revision) {
      return true;
    }
    if (rev != 0 && rev != revision + 1) {
      return false;
    }
    revision = rev == 0 ? revision + 1 : rev;
    change.applyTo(this);
    return true;
  }

  /**
   * Replaces everything with a full read, then tells the listeners. A read older than the book (a change
   * was applied after it was asked for) is not applied; a read at a lower revision than the book's when
   * nothing was applied meanwhile is (Redis lost the plans and starts again).
   *
   * @param rev the read's revision
   * @param askedAt the book's revision when the read was asked for
   * @param readPlans the plans read
   * @param readKeys the assignments read
   * @return false if the read was older than the book and not applied
   */
  public boolean replace(
      long rev, long askedAt, Map<String, RateLimitPolicy> readPlans, Map<String, String> readKeys) {
    synchronized (this) {
      if (rev < revision && revision != askedAt) {
        return false; // changes were applied while this read was on its way: it is older than the book
      }
      if (rev == revision && readPlans.equals(plans) && readKeys.equals(keys)) {
        return true;
      }
      plans.keySet().retainAll(readPlans.keySet());
      plans.putAll(readPlans);
      keys.keySet().retainAll(readKeys.keySet());
      keys.putAll(readKeys);
      revision = rev;
    }
    for (LimitPlansListener l : listeners) {
      try {
        l.onReload();
      } catch (RuntimeException e) {
        LOG.warn("plans '{}': a listener threw; ignored", name, e);
      }
    }
    return true;
  }

  /** One change, applied to a book and told to its listeners: the two events of {@link LimitPlansListener}. */
  public sealed interface PlanChange permits SetPlan, SetAssignment {
    void applyTo(PlanBook book);
  }

  /** A plan added or replaced; a null policy: the plan removed, with its keys. */
  public record SetPlan(String plan, @Nullable RateLimitPolicy policy) implements PlanChange {
    @Override
    public void applyTo(PlanBook book) {
      book.setPlan(plan, policy);
    }
  }

  /** A key put on a plan; a null plan: the key taken off its plan (told only if it had one). */
  public record SetAssignment(String key, @Nullable String plan) implements PlanChange {
    @Override
    public void applyTo(PlanBook book) {
      book.setAssignment(key, plan);
    }
  }

  private void setPlan(String plan, @Nullable RateLimitPolicy policy) {
    if (policy == null) {
      plans.remove(plan);
      keys.values().removeIf(plan::equals);
    } else {
      plans.put(plan, policy);
    }
    tell(l -> l.onPlan(plan, policy));
  }

  private void setAssignment(String key, @Nullable String plan) {
    String before = plan == null ? keys.remove(key) : keys.put(key, plan);
    if (plan != null || before != null) {
      tell(l -> l.onAssignment(key, plan));
    }
  }

  private void tell(java.util.function.Consumer<LimitPlansListener> event) {
    List<LimitPlansListener> ls = new ArrayList<>(listeners);
    for (LimitPlansListener l : ls) {
      try {
        event.accept(l);
      } catch (RuntimeException e) {
        LOG.warn("plans '{}': a listener threw; ignored", name, e);
      }
    }
  }
}
