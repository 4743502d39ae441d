package io.github.switchboard.pool;

import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.TimeSource;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One clock per question (issue 9): whatever two processes compare (heartbeat times, the age that makes
 * a node stale or evictable) is Redis's TIME, and a coordinator compares it with its estimate of Redis's
 * clock, never with its own. Here a coordinator's clock runs two minutes ahead of Redis's (and of the
 * nodes'), or two minutes behind; the nodes heartbeat through a {@link PoolWriter} (stamped by Redis
 * TIME). A coordinator that compared Redis times with its own clock would see every heartbeat two minutes
 * old when ahead (nothing routable, everything evicted at the first sweep) and two minutes in the future
 * when behind (a silent node fresh for two more minutes). About 20 s.
 */
class RedisSkewedClockTest {
  @RegisterExtension static RedisExtension<RedisServer> redis = RedisExtension.standalone();

  private static final String POOL = "skewed";
  private static final Duration STALE_AFTER = Duration.ofSeconds(2);
  private static final Duration EVICT_AFTER = Duration.ofSeconds(4);
  private static final Duration SWEEP = Duration.ofMillis(200);
  private static final Duration BEAT_EVERY = Duration.ofMillis(300);
  private static final long SKEW_MICROS = Duration.ofMinutes(2).toNanos() / 1000;
  /** Room for a loaded machine: a pull (1 s) and scheduling delays. */
  private static final Duration MARGIN = Duration.ofSeconds(3);
  private static final RoutingRequest EN_ES = RoutingRequest.of("en", "es");

  private ScheduledExecutorService beats;
  private PoolWriter writer;

  @BeforeEach
  void open() {
    redis.deployment().flushAll();
    beats = Executors.newSingleThreadScheduledExecutor();
    writer = DecoderPools.writer(redis.deployment().target(), POOL, redis.deployment().options());
  }

  @AfterEach
  void close() throws InterruptedException {
    beats.shutdownNow();
    beats.awaitTermination(5, TimeUnit.SECONDS);
    writer.close();
  }

  /** A coordinator whose clock is the system's moved by skewMicros; it is the only one, so it sweeps. */
  private static DecoderPool coordinator(long skewMicros) {
    TimeSource system = TimeSource.system();
    return DecoderPools.builder(POOL)
        .redis(redis.deployment().target())
        .redisOptions(redis.deployment().options())
        .staleAfter(STALE_AFTER)
        .evictAfter(EVICT_AFTER)
        .sweepInterval(SWEEP)
        .timeSource(() -> system.currentTimeMicros() + skewMicros)
        .build();
  }

  /** When a heartbeat was sent: System.nanoTime(), and the system clock before and after the call. */
  private record Beat(long sentNanos, long fromMicros, long toMicros) {}

  private void beatEvery300ms(String id) {
    beats.scheduleAtFixedRate(() -> writer.heartbeat(id, NodeLoad.of(1)), 0, BEAT_EVERY.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Stops the heartbeats; returns once the last one has returned. */
  private void stopBeating() throws InterruptedException {
    beats.shutdown();
    assertThat(beats.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
  }

  /** One heartbeat with a load that tells it apart, timed. */
  private Beat beatOnce(String id, double load) {
    long nanos = System.nanoTime();
    long from = TimeSource.system().currentTimeMicros();
    assertThat(writer.heartbeat(id, NodeLoad.of(load))).isTrue();
    return new Beat(nanos, from, TimeSource.system().currentTimeMicros());
  }

  /** Waits until the coordinator knows a heartbeat of this load (published, or pulled within a second). */
  private static void awaitLoad(DecoderPool pool, String id, double load) {
    await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
        .until(() -> pool.node(id).map(n -> n.runtime().load().load() == load).orElse(false));
  }

  /**
   * Checks that the coordinator holds a node's last heartbeat at the time it was sent on the coordinator's
   * own clock (within a margin for the estimate of Redis's clock), not at Redis's time: the skew is taken
   * out of every heartbeat time, so ages are the same as on a clock that is on time.
   */
  private static void assertOnCoordinatorClock(DecoderPool pool, String id, Beat beat, long skewMicros) {
    long local = pool.node(id).orElseThrow().runtime().lastHeartbeatMicros();
    assertThat(local).isBetween(beat.fromMicros() + skewMicros - 250_000, beat.toMicros() + skewMicros + 250_000);
  }

  private static boolean selected(DecoderPool pool, String id) {
    return pool.select(EN_ES).map(s -> s.node().nodeId().equals(id)).orElse(false);
  }

  private static boolean inRedis(String id) {
    return RedisTestSupport.hgetall(redis.deployment(), RedisTestSupport.nodesKey(POOL)).containsKey(id);
  }

  private static List<String> evictions(DecoderPool pool) {
    List<String> evicted = new CopyOnWriteArrayList<>();
    pool.subscribe(e -> {
      if (e instanceof PoolEvent.NodeEvicted x) {
        evicted.add(x.nodeId());
      }
    });
    return evicted;
  }

  @Test
  void aCoordinatorTwoMinutesAheadKeepsRoutingToALiveNodeAndEvictsNothingLive() {
    // the node is registered and heartbeating before the coordinator starts (a fleet already running)
    assertThat(writer.register(node("live").build())).isTrue();
    beatEvery300ms("live");
    await().atMost(Duration.ofSeconds(5)).until(() -> inRedis("live"));

    try (DecoderPool ahead = coordinator(SKEW_MICROS)) {
      List<String> evicted = evictions(ahead);
      await().atMost(Duration.ofSeconds(5)).until(() -> selected(ahead, "live"));

      // routable and present across many sweeps (200 ms) and pulls (1 s), past evictAfter
      await().during(EVICT_AFTER.plusSeconds(1)).atMost(EVICT_AFTER.plusSeconds(3))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> selected(ahead, "live") && ahead.node("live").map(NodeView::fresh).orElse(false));
      assertThat(evicted).isEmpty();
      assertThat(inRedis("live")).isTrue();

      // the sweeper does run: a node that beats once and falls silent is evicted, the live one stays
      assertThat(writer.register(node("silent").build())).isTrue();
      Beat last = beatOnce("silent", 5);
      long lastBeat = last.sentNanos();
      awaitLoad(ahead, "silent", 5);
      assertOnCoordinatorClock(ahead, "silent", last, SKEW_MICROS);
      await().atMost(EVICT_AFTER.plus(MARGIN)).pollInterval(Duration.ofMillis(50))
          .until(() -> ahead.node("silent").isEmpty());
      long evictedAfterMillis = (System.nanoTime() - lastBeat) / 1_000_000;
      System.out.printf("clock 2 min ahead: the silent node evicted %d ms after its last heartbeat%n",
          evictedAfterMillis);
      assertThat(evictedAfterMillis).isGreaterThanOrEqualTo(EVICT_AFTER.toMillis() - 250);
      // the event follows the snapshot on the pool's event thread (later on a loaded machine)
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(evicted).containsExactly("silent"));
      assertThat(inRedis("live")).isTrue();
      assertThat(selected(ahead, "live")).isTrue();
    }
  }

  @Test
  void aCoordinatorTwoMinutesBehindSeesASilentNodeGoStaleThenEvicted() throws InterruptedException {
    try (DecoderPool behind = coordinator(-SKEW_MICROS)) {
      List<String> evicted = evictions(behind);
      assertThat(writer.register(node("quiet").build())).isTrue();
      beatEvery300ms("quiet");
      await().atMost(Duration.ofSeconds(5)).until(() -> selected(behind, "quiet"));
      await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
          .until(() -> selected(behind, "quiet"));

      stopBeating();
      Beat last = beatOnce("quiet", 9); // the last one, quiet (pulled)
      long lastBeat = last.sentNanos();
      awaitLoad(behind, "quiet", 9);
      assertOnCoordinatorClock(behind, "quiet", last, -SKEW_MICROS);

      // stale (not selectable) within staleAfter plus one sweep, with a margin for a loaded machine
      await().atMost(STALE_AFTER.plus(SWEEP).plus(MARGIN)).pollInterval(Duration.ofMillis(50))
          .until(() -> !selected(behind, "quiet") && !behind.node("quiet").orElseThrow().fresh());
      long staleAfterMillis = (System.nanoTime() - lastBeat) / 1_000_000;

      // evicted within evictAfter plus a pull, a sweep and the margin
      await().atMost(EVICT_AFTER.plus(SWEEP).plus(MARGIN)).pollInterval(Duration.ofMillis(50))
          .until(() -> behind.node("quiet").isEmpty());
      long evictedAfterMillis = (System.nanoTime() - lastBeat) / 1_000_000;
      System.out.printf("clock 2 min behind: stale %d ms and evicted %d ms after the last heartbeat%n",
          staleAfterMillis, evictedAfterMillis);
      assertThat(staleAfterMillis).isGreaterThanOrEqualTo(STALE_AFTER.toMillis() - 250);
      assertThat(evictedAfterMillis).isGreaterThanOrEqualTo(EVICT_AFTER.toMillis() - 250);
      // the event follows the snapshot on the pool's event thread (later on a loaded machine)
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(evicted).containsExactly("quiet"));
      assertThat(inRedis("quiet")).isFalse();
    }
  }
}
