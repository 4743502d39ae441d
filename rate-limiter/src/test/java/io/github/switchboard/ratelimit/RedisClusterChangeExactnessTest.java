package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.testing.RedisCluster;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.ratelimit.internal.RedisRateLimiter;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Exactness on a Redis Cluster while it changes (issue 22): 50 concurrent decisions on one key with a
 * limit of 10 grant exactly 10, none answered by the fallback, (a) while the key's slot migrates to another
 * master ({@code CLUSTER SETSLOT ... IMPORTING/MIGRATING}, {@code MIGRATE}, {@code SETSLOT ... NODE}) and
 * (b) while its master fails over to its replica ({@code CLUSTER FAILOVER} on the replica). The 50 go in
 * five waves of 10, fired without waiting, one before the change and the others between its steps, each
 * wave beside one decision on each of 24 other keys (other slots, some on the same master) so that the
 * hammered key's decisions share calls with others' as they do under load. Every algorithm, coalescing on
 * (the default), through a Cluster connection handed in as {@link RedisClusterConformanceTest} does.
 *
 * <p>The Cluster has three masters with one replica each, its own (faults are injected); node timeout
 * 2 s. A coordinated failover loses no write, so exactness is owed through it; a master killed is an outage
 * (the writes not yet replicated are lost with it), answered by the fallback, and is not tested here.
 */
class RedisClusterChangeExactnessTest {
  private static final int LIMIT = 10;
  private static final int WAVE = 10;
  private static final int OTHERS = 24;
  private static final Duration SETTLE = Duration.ofSeconds(30);

  private static RedisCluster cluster;
  private static StatefulRedisClusterConnection<String, String> connection;

  @BeforeAll
  static void start() {
    cluster = RedisHarness.clusterWithReplicas();
    connection = (StatefulRedisClusterConnection<String, String>) cluster.connect();
  }

  @AfterAll
  static void stop() {
    connection.close();
    cluster.close();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void exactWhileTheSlotMigrates(Algorithm algorithm) throws Exception {
    String key = "migrating-" + algorithm;
    String stateKey = stateKey(key, algorithm);
    int slot = SlotHash.getSlot(stateKey);
    try (RateLimiter limiter = limiter(algorithm)) {
      Waves waves = new Waves(limiter, key, algorithm);
      waves.fire();
      RedisServer source = cluster.nodeFor(stateKey);
      RedisServer target = otherMaster(source);
      String sourceId = cluster.nodeId(source);
      String targetId = cluster.nodeId(target);
      target.call("CLUSTER", "SETSLOT", Integer.toString(slot), "IMPORTING", sourceId);
      source.call("CLUSTER", "SETSLOT", Integer.toString(slot), "MIGRATING", targetId);
      waves.fire(); // the slot migrating, its key still on the source
      List<?> inSlot = (List<?>) source.call("CLUSTER", "GETKEYSINSLOT", Integer.toString(slot), "100");
      List<String> migrate =
          new ArrayList<>(List.of("MIGRATE", "127.0.0.1", Integer.toString(target.port()), "", "0", "5000", "KEYS"));
      inSlot.forEach(k -> migrate.add((String) k));
      if (!inSlot.isEmpty()) {
        source.call(migrate.toArray(new String[0]));
      }
      waves.fire(); // the key on the target, the source answering ASK
      for (RedisServer n : cluster.nodes()) {
        if ("master".equals(n.info("replication").get("role"))) {
          n.call("CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", targetId);
        }
      }
      waves.fire(); // the slot on the target, clients' maps stale: MOVED
      cluster.awaitOwner(stateKey, target, SETTLE);
      waves.fire();
      waves.assertExact();
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void exactWhileTheMasterFailsOver(Algorithm algorithm) throws Exception {
    String key = "failing-over-" + algorithm;
    String stateKey = stateKey(key, algorithm);
    cluster.awaitHealthy(SETTLE);
    try (RateLimiter limiter = limiter(algorithm)) {
      Waves waves = new Waves(limiter, key, algorithm);
      waves.fire();
      RedisServer replica = cluster.replicaFor(stateKey);
      replica.call("CLUSTER", "FAILOVER");
      waves.fire(); // during the failover: the master pauses its clients, then hands over
      waves.fire();
      cluster.awaitFailover(replica, stateKey, SETTLE);
      waves.fire(); // the replica is the master now, clients' maps stale: MOVED
      waves.fire();
      waves.assertExact();
    }
  }

  private static RateLimiter limiter(Algorithm algorithm) {
    return RateLimiters.builder(
            RateLimitPolicy.builder().algorithm(algorithm).limit(LIMIT, Duration.ofHours(1)).build())
        .redis(connection)
        .redisOptions(RedisOptions.builder().commandTimeout(Duration.ofSeconds(10)).build())
        .keyPrefix("exact:")
        .build();
  }

  private static String stateKey(String key, Algorithm algorithm) {
    return RedisRateLimiter.keysFor("exact:", key, algorithm)[0];
  }

  private static RedisServer otherMaster(RedisServer source) {
    for (RedisServer n : cluster.nodes()) {
      if (n != source && "master".equals(n.info("replication").get("role"))) {
        return n;
      }
    }
    throw new IllegalStateException("no other master");
  }

  /** The decisions of one test: waves on the hammered key, each beside one decision per other key. */
  private static final class Waves {
    private final RateLimiter limiter;
    private final String key;
    private final String tag;
    private final List<CompletableFuture<Decision>> hammered = new ArrayList<>();
    private final List<CompletableFuture<Decision>> others = new ArrayList<>();

    Waves(RateLimiter limiter, String key, Algorithm algorithm) {
      this.limiter = limiter;
      this.key = key;
      this.tag = algorithm.name();
    }

    void fire() {
      for (int i = 0; i < WAVE; i++) {
        hammered.add(limiter.tryAcquireAsync(key, 1).toCompletableFuture());
        for (int k = i; k < OTHERS; k += WAVE) {
          others.add(limiter.tryAcquireAsync("other-" + tag + "-" + k, 1).toCompletableFuture());
        }
      }
    }

    void assertExact() throws Exception {
      int granted = 0;
      int degraded = 0;
      for (CompletableFuture<Decision> f : hammered) {
        Decision d = f.get(30, TimeUnit.SECONDS);
        degraded += d.degraded() ? 1 : 0;
        granted += d.allowed() ? 1 : 0;
      }
      for (CompletableFuture<Decision> f : others) {
        Decision d = f.get(30, TimeUnit.SECONDS);
        assertThat(d.degraded()).as("a decision on another key answered by the fallback").isFalse();
        assertThat(d.allowed()).as("another key, 5 decisions under a limit of 10").isTrue();
      }
      assertThat(hammered).hasSize(5 * WAVE);
      assertThat(degraded).as("decisions answered by the fallback").isZero();
      assertThat(granted).as("grants of 50 decisions on a limit of 10").isEqualTo(LIMIT);
      Decision after = limiter.tryAcquire(key);
      assertThat(after.allowed()).as("the 51st decision, after the change").isFalse();
      assertThat(after.degraded()).isFalse();
    }
  }
}
