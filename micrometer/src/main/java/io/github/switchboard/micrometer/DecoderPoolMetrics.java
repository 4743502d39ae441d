package io.github.switchboard.micrometer;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.micrometer.internal.Buckets;
import io.github.switchboard.micrometer.internal.Names;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.NodeView;
import io.github.switchboard.pool.PoolEvent;
import io.github.switchboard.pool.PoolListener;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Micrometer meters for a {@link DecoderPool}, each tagged {@code name}:
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>meter</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@value #NODES}</td><td>gauge</td><td>{@code state} = {@code selectable}/{@code
 *       unselectable}</td><td>the pool's nodes by {@link NodeView#selectable()}</td></tr>
 *   <tr><td>{@value #BACKEND}</td><td>gauge</td><td></td><td>1 while Redis answers (or the pool has no
 *       Redis), 0 while the fallback does</td></tr>
 *   <tr><td>{@value #PROPAGATION}</td><td>timer</td><td></td><td>for each change received from Redis
 *       (made by any instance), from the change's time in Redis to this instance applying it ({@link
 *       PoolEvent#propagationDelay()}); histogram buckets from 1 ms to 10 s</td></tr>
 * </table>
 *
 * <pre>{@code
 * DecoderPool pool = DecoderPoolMetrics.monitor(registry, DecoderPools.builder("default").build(), "default");
 * }</pre>
 *
 * <p>The gauges read the pool's local snapshot when the registry is scraped, so they follow every change
 * (from this instance or another one), and nodes that go stale without any event as well. They hold the
 * pool weakly, as Micrometer's gauges do. The propagation timer listens to the pool ({@link
 * DecoderPool#subscribe(PoolListener)}) on the pool's event thread; a pool without Redis records nothing
 * there.
 */
public final class DecoderPoolMetrics {

  /** The gauge of nodes by selectability. */
  public static final String NODES = "switchboard.pool.nodes";

  /** The gauge of the backend. */
  public static final String BACKEND = "switchboard.pool.backend";

  /** The timer of changes from Redis to this instance. */
  public static final String PROPAGATION = "switchboard.pool.propagation";

  /** The upper bounds of the propagation histogram's buckets. */
  private static final Duration[] PROPAGATION_BUCKETS =
      Buckets.millis(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000);

  private DecoderPoolMetrics() {}

  /**
   * Registers the pool's meters in a registry.
   *
   * @param registry where the meters go
   * @param pool the pool to watch
   * @param name the value of the {@code name} tag, usually the pool's name given to {@link
   *     DecoderPools#builder(String)}
   * @return the pool itself (it needs no wrapper: the meters read it and listen to it)
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the name is empty or blank
   */
  public static DecoderPool monitor(MeterRegistry registry, DecoderPool pool, String name) {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(pool, "pool");
    Names.check(name);
    nodesGauge(registry, pool, name, true);
    nodesGauge(registry, pool, name, false);
    Gauge.builder(BACKEND, pool, p -> p.backendState() == BackendState.PRIMARY ? 1 : 0)
        .description("1 while Redis answers the decoder pool (or it has no Redis), 0 while its fallback does")
        .tag("name", name)
        .register(registry);
    Timer propagation =
        Timer.builder(PROPAGATION)
            .description("From a change's time in Redis to this instance of the decoder pool applying it")
            .tag("name", name)
            .serviceLevelObjectives(PROPAGATION_BUCKETS)
            .register(registry);
    pool.subscribe(new PropagationListener(propagation));
    return pool;
  }

  /** Records each event's propagation delay; a negative estimate (clock offset noise) counts as 0. */
  private static final class PropagationListener implements PoolListener {
    private final Timer timer;

    PropagationListener(Timer timer) {
      this.timer = timer;
    }

    @Override
    public void onEvent(PoolEvent event) {
      Optional<Duration> delay = event.propagationDelay();
      if (delay.isPresent()) {
        Duration d = delay.get();
        timer.record(d.isNegative() ? Duration.ZERO : d);
      }
    }
  }

  private static void nodesGauge(
      MeterRegistry registry, DecoderPool pool, String name, boolean selectable) {
    Gauge.builder(NODES, pool, p -> count(p, selectable))
        .description("Nodes of the decoder pool that select may (or may not) choose now")
        .tag("name", name)
        .tag("state", selectable ? "selectable" : "unselectable")
        .register(registry);
  }

  private static double count(DecoderPool pool, boolean selectable) {
    int n = 0;
    for (NodeView v : pool.nodes()) {
      if (v.selectable() == selectable) {
        n++;
      }
    }
    return n;
  }
}
