package io.github.switchboard.pool;

import static io.github.switchboard.pool.PoolTesting.await;
import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.pool.internal.DefaultDecoderPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The behaviour every {@link DecoderPool} keeps, whatever its store. Subclass it per backend and override
 * {@link #configure(DecoderPools.Builder)} (and the other hooks if needed); see
 * /work/notes/pool-spi.md.
 */
public abstract class AbstractDecoderPoolConformanceTest {

  private static final AtomicInteger POOLS = new AtomicInteger();

  /** The clock every pool of a test shares. */
  protected final ManualTimeSource clock = new ManualTimeSource();

  private final List<DecoderPool> opened = new ArrayList<>();
  private String poolName = "conf";

  /**
   * Configures the backend on a builder. Calls within one test must give pools that share state (the
   * same file, the same Redis) when {@link #sharedBackend()} is true.
   */
  protected abstract DecoderPools.Builder configure(DecoderPools.Builder builder);

  /** Whether two pools built by {@link #configure} share state (false only for in-memory). */
  protected boolean sharedBackend() {
    return true;
  }

  /**
   * Whether the liveness sweeper evicts on this backend (false for a guarded store on its fallback: a
   * coordinator cut off from Redis must not evict).
   */
  protected boolean sweeps() {
    return true;
  }

  /** Called before each test, for example to flush Redis. */
  protected void resetBackend() throws Exception {}

  /** The bound for a change on one instance to reach another. */
  protected Duration propagationBound() {
    return Duration.ofSeconds(2);
  }

  @BeforeEach
  void setUpPool(TestInfo info) throws Exception {
    resetBackend();
    poolName = "conf-" + POOLS.incrementAndGet();
  }

  @AfterEach
  void closePools() {
    for (DecoderPool p : opened) {
      p.close();
    }
    opened.clear();
  }

  /** Opens a pool of this test's backend with test defaults (manual clock, seeded random, no sweeps). */
  protected DecoderPool newPool() {
    return newPool(b -> b);
  }

  /** Opens a pool with extra settings. */
  protected DecoderPool newPool(java.util.function.UnaryOperator<DecoderPools.Builder> extra) {
    DecoderPools.Builder b = DecoderPools.builder(poolName)
        .timeSource(clock)
        .random(42)
        .staleAfter(Duration.ofSeconds(30))
        .evictAfter(Duration.ofSeconds(60))
        .sweepInterval(PoolTesting.NEVER);
    DecoderPool pool = extra.apply(configure(b)).build();
    opened.add(pool);
    return pool;
  }

  /** The pool's name in this test. */
  protected String poolName() {
    return poolName;
  }

  private static int sweep(DecoderPool pool) {
    return await(((DefaultDecoderPool) pool).sweep());
  }

  private static Set<String> ids(DecoderPool pool) {
    return pool.nodes().stream().map(NodeView::nodeId).collect(Collectors.toSet());
  }

  // ------------------------------------------------------------------------------------ registration

  @Test
  void registerIsAnUpsertByNodeId() {
    DecoderPool pool = newPool();
    DecoderNode n1 = node("decoder-1").region("us-east-1").languages("en", "es").tags("production").build();
    assertThat(await(pool.registerAsync(n1))).isTrue();
    assertThat(pool.node("decoder-1")).get().extracting(NodeView::node).isEqualTo(n1);

    DecoderNode changed = n1.toBuilder().capacity(7).build();
    assertThat(await(pool.registerAsync(changed))).isFalse();
    assertThat(pool.nodes()).hasSize(1);
    assertThat(pool.node("decoder-1").orElseThrow().node().capacity()).isEqualTo(7);
    assertThat(pool.node("decoder-1").orElseThrow().configured()).isFalse();
  }

  @Test
  void syncWritesAnswerAsTheirAsyncTwinsAndAreVisibleOnReturn() {
    DecoderPool pool = newPool(b -> b.writeTimeout(Duration.ofSeconds(20)));
    assertThat(pool.register(node("d1").languages("en", "es").build())).isTrue();
    assertThat(pool.node("d1")).isPresent();
    assertThat(pool.register(node("d1").capacity(5).build())).isFalse();
    assertThat(pool.node("d1").orElseThrow().node().capacity()).isEqualTo(5);
    assertThat(pool.heartbeat("d1", NodeLoad.of(4))).isTrue();
    assertThat(pool.node("d1").orElseThrow().runtime().load().load()).isEqualTo(4);
    assertThat(pool.heartbeat("ghost", NodeLoad.of(4))).isFalse();
    assertThat(pool.setStatus("d1", NodeStatus.DRAINING)).isTrue();
    assertThat(pool.node("d1").orElseThrow().node().status()).isEqualTo(NodeStatus.DRAINING);
    assertThat(pool.setStatus("ghost", NodeStatus.DRAINING)).isFalse();
    AbTest t = new AbTest("t", true, "en-es", 10, List.of(), List.of("x"));
    assertThat(pool.putAbTest(t)).isTrue();
    assertThat(pool.putAbTest(t)).isFalse();
    assertThat(pool.abTests()).containsExactly(t);
    assertThat(pool.removeAbTest("t")).isTrue();
    assertThat(pool.removeAbTest("t")).isFalse();
    pool.reload();
    assertThat(pool.deregister("d1")).isTrue();
    assertThat(pool.deregister("d1")).isFalse();
    assertThat(pool.nodes()).isEmpty();
  }

  @Test
  void nodesAreOrderedById() {
    DecoderPool pool = newPool();
    for (String id : List.of("c", "a", "b")) {
      await(pool.registerAsync(node(id).build()));
    }
    assertThat(pool.nodes()).extracting(NodeView::nodeId).containsExactly("a", "b", "c");
  }

  @Test
  void deregisterRemovesTheNodeAndTellsWhetherItWasThere() {
    DecoderPool pool = newPool();
    await(pool.registerAsync(node("d1").build()));
    await(pool.heartbeatAsync("d1", NodeLoad.of(3)));
    assertThat(await(pool.deregisterAsync("d1"))).isTrue();
    assertThat(pool.node("d1")).isEmpty();
    assertThat(await(pool.deregisterAsync("d1"))).isFalse();
    assertThat(await(pool.heartbeatAsync("d1", NodeLoad.NONE))).isFalse();
    // re-registering starts from a clean runtime state
    await(pool.registerAsync(node("d1").build()));
    assertThat(pool.node("d1").orElseThrow().runtime().hasHeartbeat()).isFalse();
  }

  @Test
  void heartbeatRecordsLoadAndTimeAndFailsForUnknownNodes() {
    DecoderPool pool = newPool();
    assertThat(await(pool.heartbeatAsync("ghost", NodeLoad.of(1)))).isFalse();
    assertThat(pool.node("ghost")).isEmpty();

    await(pool.registerAsync(node("d1").build()));
    clock.advance(Duration.ofSeconds(5));
    long at = clock.currentTimeMicros();
    assertThat(await(pool.heartbeatAsync("d1", NodeLoad.of(12, 3)))).isTrue();
    NodeRuntime r = pool.node("d1").orElseThrow().runtime();
    assertThat(r.lastHeartbeatMicros()).isEqualTo(at);
    assertThat(r.load().load()).isEqualTo(12.0);
    assertThat(r.load().inFlight()).isEqualTo(3);
  }

  @Test
  void reRegisteringKeepsRuntimeState() {
    DecoderPool pool = newPool();
    await(pool.registerAsync(node("d1").build()));
    await(pool.heartbeatAsync("d1", NodeLoad.of(40)));
    await(pool.registerAsync(node("d1").capacity(50).build()));
    NodeView v = pool.node("d1").orElseThrow();
    assertThat(v.runtime().hasHeartbeat()).isTrue();
    assertThat(v.runtime().load().load()).isEqualTo(40.0);
  }

  @Test
  void setStatusChangesSelectability() {
    DecoderPool pool = newPool();
    await(pool.registerAsync(node("d1").build()));
    assertThat(await(pool.setStatusAsync("nope", NodeStatus.DRAINING))).isFalse();
    assertThat(await(pool.setStatusAsync("d1", NodeStatus.DRAINING))).isTrue();
    assertThat(pool.node("d1").orElseThrow().node().status()).isEqualTo(NodeStatus.DRAINING);
    assertThat(pool.select(RoutingRequest.of("en", "es"))).isEmpty();
    await(pool.setStatusAsync("d1", NodeStatus.ACTIVE));
    assertThat(pool.select(RoutingRequest.of("en", "es"))).get()
        .extracting(s -> s.node().nodeId()).isEqualTo("d1");
  }

  @Test
  void readYourWrites() {
    DecoderPool pool = newPool();
    for (int i = 0; i < 50; i++) {
      String id = "n" + i;
      await(pool.registerAsync(node(id).build()));
      assertThat(pool.node(id)).isPresent();
      await(pool.setStatusAsync(id, NodeStatus.MAINTENANCE));
      assertThat(pool.node(id).orElseThrow().node().status()).isEqualTo(NodeStatus.MAINTENANCE);
    }
    assertThat(pool.nodes()).hasSize(50);
  }

  // ----------------------------------------------------------------------------------------- A/B tests

  @Test
  void abTestsArePutReplacedAndRemoved() {
    DecoderPool pool = newPool();
    AbTest t = new AbTest("es-v2", true, "en-es", 10, List.of("stable"), List.of("es_v2_adapter"));
    assertThat(await(pool.putAbTestAsync(t))).isTrue();
    assertThat(await(pool.putAbTestAsync(t.withActive(false)))).isFalse();
    AbTest other = new AbTest("a-first", true, "en-fr", 50, List.of(), List.of("x"));
    await(pool.putAbTestAsync(other));
    assertThat(pool.abTests()).containsExactly(other, t.withActive(false));
    assertThat(await(pool.removeAbTestAsync("es-v2"))).isTrue();
    assertThat(await(pool.removeAbTestAsync("es-v2"))).isFalse();
    assertThat(pool.abTests()).containsExactly(other);
  }

  // -------------------------------------------------------------------------------------------- events

  @Test
  void listenersHearEveryChangeInOrder() {
    DecoderPool pool = newPool();
    List<PoolEvent> events = new CopyOnWriteArrayList<>();
    // a resynchronisation (RELOADED) may come at any time; it is not a change here
    Subscription sub = pool.subscribe(e -> {
      if (e.type() != PoolEvent.Type.RELOADED) {
        events.add(e);
      }
    });
    DecoderNode n = node("d1").build();
    await(pool.registerAsync(n));
    await(pool.registerAsync(n.toBuilder().capacity(3).build()));
    await(pool.setStatusAsync("d1", NodeStatus.INACTIVE));
    await(pool.heartbeatAsync("d1", NodeLoad.of(1)));
    AbTest t = new AbTest("t", true, "en-es", 10, List.of(), List.of("x"));
    await(pool.putAbTestAsync(t));
    await(pool.removeAbTestAsync("t"));
    await(pool.deregisterAsync("d1"));
    List<PoolEvent.Type> expected = List.of(PoolEvent.Type.NODE_REGISTERED, PoolEvent.Type.NODE_UPDATED,
        PoolEvent.Type.STATUS_CHANGED, PoolEvent.Type.HEARTBEAT, PoolEvent.Type.AB_TEST_PUT,
        PoolEvent.Type.AB_TEST_REMOVED, PoolEvent.Type.NODE_REMOVED);
    await().atMost(Duration.ofSeconds(5)).until(() -> events.size() >= expected.size());
    assertThat(events).extracting(PoolEvent::type).containsExactlyElementsOf(expected);
    assertThat(((PoolEvent.NodeRegistered) events.get(0)).node()).isEqualTo(n);
    assertThat(((PoolEvent.StatusChanged) events.get(2)).status()).isEqualTo(NodeStatus.INACTIVE);
    assertThat(((PoolEvent.AbTestPut) events.get(4)).abTest()).isEqualTo(t);
    assertThat(((PoolEvent.NodeRemoved) events.get(6)).nodeId()).isEqualTo("d1");
    for (int i = 1; i < events.size(); i++) {
      assertThat(events.get(i).revision()).isGreaterThanOrEqualTo(events.get(i - 1).revision());
    }

    sub.close();
    await(pool.registerAsync(node("d2").build()));
    List<PoolEvent> after = new CopyOnWriteArrayList<>();
    pool.subscribe(after::add);
    await(pool.registerAsync(node("d3").build()));
    await().atMost(Duration.ofSeconds(5)).until(() -> !after.isEmpty());
    assertThat(events).hasSize(expected.size());
  }

  @Test
  void aThrowingOrSlowListenerCannotHurtTheCaller() throws Exception {
    DecoderPool pool = newPool();
    CountDownLatch release = new CountDownLatch(1);
    pool.subscribe(e -> {
      throw new IllegalStateException("boom");
    });
    pool.subscribe(e -> {
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
      }
    });
    List<PoolEvent> heard = new CopyOnWriteArrayList<>();
    pool.subscribe(heard::add);
    long start = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      assertThat(await(pool.registerAsync(node("n" + i).build()))).isTrue();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
    release.countDown();
    await().atMost(Duration.ofSeconds(5)).until(() -> heard.size() >= 20);
  }

  // ------------------------------------------------------------------------------------------- liveness

  @Test
  void aStaleNodeIsNotSelectedAndANeverHeartbeatingNodeIs() {
    DecoderPool pool = newPool();
    await(pool.registerAsync(node("kept-alive").build()));
    await(pool.registerAsync(node("cli-registered").build()));
    await(pool.heartbeatAsync("kept-alive", NodeLoad.of(0)));
    clock.advance(Duration.ofSeconds(31));
    assertThat(pool.node("kept-alive").orElseThrow().fresh()).isFalse();
    assertThat(pool.node("kept-alive").orElseThrow().selectable()).isFalse();
    assertThat(pool.node("cli-registered").orElseThrow().selectable()).isTrue();
    for (int i = 0; i < 20; i++) {
      assertThat(pool.select(RoutingRequest.of("en", "de")).orElseThrow().node().nodeId())
          .isEqualTo("cli-registered");
    }
    await(pool.heartbeatAsync("kept-alive", NodeLoad.of(0)));
    assertThat(pool.node("kept-alive").orElseThrow().selectable()).isTrue();
  }

  @Test
  void sweepEvictsDynamicNodesWithoutHeartbeatButNotNeverHeartbeatingOnes() {
    Assumptions.assumeTrue(sweeps(), "the sweeper does not run on this backend");
    DecoderPool pool = newPool();
    List<PoolEvent> events = new CopyOnWriteArrayList<>();
    pool.subscribe(events::add);
    for (String id : List.of("a", "b", "c", "d")) {
      await(pool.registerAsync(node(id).build()));
    }
    await(pool.registerAsync(node("static").build()));
    for (String id : List.of("a", "b", "c", "d")) {
      await(pool.heartbeatAsync(id, NodeLoad.NONE));
    }
    clock.advance(Duration.ofSeconds(50));
    await(pool.heartbeatAsync("c", NodeLoad.NONE));
    await(pool.heartbeatAsync("d", NodeLoad.NONE));
    assertThat(sweep(pool)).isZero();
    clock.advance(Duration.ofSeconds(20)); // a, b: 70 s without heartbeat; c, d: 20 s
    assertThat(sweep(pool)).isEqualTo(2);
    assertThat(ids(pool)).containsExactlyInAnyOrder("c", "d", "static");
    await().atMost(Duration.ofSeconds(5)).until(() ->
        events.stream().filter(e -> e.type() == PoolEvent.Type.NODE_EVICTED).count() == 2);
    clock.advance(Duration.ofHours(10));
    sweep(pool);
    sweep(pool);
    assertThat(ids(pool)).contains("static");
  }

  @Test
  void aSweepEvictsAtMostTheBoundedShare() {
    Assumptions.assumeTrue(sweeps(), "the sweeper does not run on this backend");
    DecoderPool pool = newPool(b -> b.maxEvictionShare(0.3));
    for (int i = 0; i < 10; i++) {
      await(pool.registerAsync(node("n" + i).build()));
      await(pool.heartbeatAsync("n" + i, NodeLoad.NONE));
    }
    clock.advance(Duration.ofMinutes(5));
    assertThat(sweep(pool)).isEqualTo(3);
    assertThat(pool.nodes()).hasSize(7);
    assertThat(sweep(pool)).isEqualTo(2); // floor(0.3 * 7)
    assertThat(pool.nodes()).hasSize(5);
  }

  @Test
  void aHeartbeatAfterTheDecisionSavesTheNode() {
    DecoderPool pool = newPool();
    await(pool.registerAsync(node("n").build()));
    await(pool.heartbeatAsync("n", NodeLoad.NONE));
    clock.advance(Duration.ofSeconds(61));
    await(pool.heartbeatAsync("n", NodeLoad.NONE));
    assertThat(sweep(pool)).isZero();
    assertThat(pool.node("n")).isPresent();
  }

  @Test
  void onlyOneInstanceSweepsAtATime() {
    Assumptions.assumeTrue(sweeps(), "the sweeper does not run on this backend");
    Assumptions.assumeTrue(sharedBackend(), "needs a backend shared between instances");
    DecoderPool a = newPool();
    DecoderPool b = newPool();
    for (int i = 0; i < 4; i++) {
      await(a.registerAsync(node("n" + i).build()));
      await(a.heartbeatAsync("n" + i, NodeLoad.NONE));
    }
    clock.advance(Duration.ofMinutes(5));
    int first = sweep(a);
    int second = sweep(b);
    assertThat(first).isEqualTo(2);
    assertThat(second).isZero(); // a holds the lease
    assertThat(sweep(a)).isEqualTo(1);
  }

  // ---------------------------------------------------------------------------------- several instances

  @Test
  void aChangeOnOneInstanceReachesAnother() {
    Assumptions.assumeTrue(sharedBackend(), "needs a backend shared between instances");
    DecoderPool a = newPool();
    DecoderPool b = newPool();
    List<PoolEvent> heardByB = new CopyOnWriteArrayList<>();
    b.subscribe(heardByB::add);
    await(a.registerAsync(node("d1").tags("x").build()));
    await().atMost(propagationBound()).until(() -> b.node("d1").isPresent());
    await(a.setStatusAsync("d1", NodeStatus.MAINTENANCE));
    await().atMost(propagationBound())
        .until(() -> b.node("d1").orElseThrow().node().status() == NodeStatus.MAINTENANCE);
    await(a.heartbeatAsync("d1", NodeLoad.of(9)));
    await().atMost(propagationBound()).until(() -> b.node("d1").orElseThrow().runtime().hasHeartbeat());
    AbTest t = new AbTest("t", true, "en-es", 10, List.of(), List.of("x"));
    await(b.putAbTestAsync(t));
    await().atMost(propagationBound()).until(() -> a.abTests().contains(t));
    await(b.deregisterAsync("d1"));
    await().atMost(propagationBound()).until(() -> a.node("d1").isEmpty());
    await().atMost(propagationBound()).until(() ->
        heardByB.stream().anyMatch(e -> e.type() == PoolEvent.Type.NODE_REGISTERED
            || e.type() == PoolEvent.Type.RELOADED));
  }

  @Test
  void anOperatorsDrainSurvivesReRegistrationOnEveryInstance() {
    DecoderPool a = newPool();
    assertThat(a.register(node("d1").build())).isTrue();
    assertThat(a.setStatus("d1", NodeStatus.DRAINING)).isTrue();
    // the keep-alive or the CLI registers again, with the default status: the drain stays
    assertThat(a.register(node("d1").capacity(7).build())).isFalse();
    assertThat(a.node("d1").orElseThrow().node().status()).isEqualTo(NodeStatus.DRAINING);
    assertThat(a.node("d1").orElseThrow().node().capacity()).isEqualTo(7);
    assertThat(a.select(RoutingRequest.of("en", "es"))).isEmpty();
    if (sharedBackend()) {
      DecoderPool b = newPool();
      assertThat(b.register(node("d1").capacity(8).build())).isFalse();
      await().atMost(propagationBound()).until(() -> a.node("d1").orElseThrow().node().capacity() == 8);
      assertThat(a.node("d1").orElseThrow().node().status()).isEqualTo(NodeStatus.DRAINING);
      assertThat(b.node("d1").orElseThrow().node().status()).isEqualTo(NodeStatus.DRAINING);
    }
    // a registration naming another status, or setStatus, changes it
    assertThat(a.register(node("d1").status(NodeStatus.MAINTENANCE).build())).isFalse();
    assertThat(a.node("d1").orElseThrow().node().status()).isEqualTo(NodeStatus.MAINTENANCE);
    assertThat(a.setStatus("d1", NodeStatus.ACTIVE)).isTrue();
    assertThat(a.node("d1").orElseThrow().node().status()).isEqualTo(NodeStatus.ACTIVE);
  }

  @Test
  void noLostUpdateWithTwoInstancesAndSixteenThreads() throws Exception {
    Assumptions.assumeTrue(sharedBackend(), "needs a backend shared between instances");
    DecoderPool a = newPool();
    DecoderPool b = newPool();
    ExecutorService threads = Executors.newFixedThreadPool(16);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<CompletableFuture<Boolean>> results = new CopyOnWriteArrayList<>();
      List<java.util.concurrent.Future<?>> tasks = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        DecoderPool pool = t % 2 == 0 ? a : b;
        int thread = t;
        tasks.add(threads.submit(() -> {
          start.await();
          for (int i = 0; i < 1000 / 16 + 1; i++) {
            int n = thread + 16 * i;
            if (n < 1000) {
              CompletionStage<Boolean> s = pool.registerAsync(node("node-" + n).build());
              results.add(s.toCompletableFuture());
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (java.util.concurrent.Future<?> f : tasks) {
        f.get(60, TimeUnit.SECONDS);
      }
      CompletableFuture.allOf(results.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
      assertThat(results).hasSize(1000).allSatisfy(f -> assertThat(f.join()).isTrue());
    } finally {
      threads.shutdownNow();
    }
    await().atMost(propagationBound().plusSeconds(5)).until(() -> a.nodes().size() == 1000
        && b.nodes().size() == 1000);
    assertThat(ids(a)).isEqualTo(ids(b));
    DecoderPool c = newPool();
    assertThat(c.nodes()).hasSize(1000);
  }

  // ----------------------------------------------------------------------------------------- lifecycle

  @Test
  void reloadKeepsTheState() {
    DecoderPool pool = newPool();
    await(pool.registerAsync(node("d1").build()));
    await(pool.reloadAsync());
    assertThat(ids(pool)).containsExactly("d1");
  }

  @Test
  void closeIsIdempotentAndWritesAfterCloseFail() {
    DecoderPool pool = newPool();
    pool.close();
    pool.close();
    assertThatThrownBy(() -> pool.registerAsync(node("x").build())).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void selectNeverFindsANodeInAnEmptyPool() {
    DecoderPool pool = newPool();
    assertThat(pool.select(RoutingRequest.of("en", "es"))).isEmpty();
    assertThat(pool.backendState()).isNotNull();
  }
}
