package io.github.switchboard.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.ClockSource;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The memory figures of docs/redis-integration.md ("Memory sizing"), measured with MEMORY USAGE on a
 * real Redis: bytes per rate-limited client for each algorithm, and per decoder node. Prints them (in
 * the test's output file) and checks they stay within the bounds the guide promises. Run it with
 * {@code ./mvnw -B -pl examples -am test -Dtest=RedisFootprintTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class RedisFootprintTest {
  @RegisterExtension static RedisExtension<RedisServer> redis = RedisExtension.standalone();

  /** The original system's limits, 60 a minute and 1000 an hour. */
  private static RateLimitPolicy policy(Algorithm algorithm) {
    return RateLimitPolicy.builder().algorithm(algorithm)
        .limit(60, Duration.ofMinutes(1)).limit(1000, Duration.ofHours(1)).build();
  }

  @BeforeEach
  void clean() {
    redis.deployment().flushAll();
  }

  private long memory(String key) {
    Object r = redis.deployment().call("MEMORY", "USAGE", key, "SAMPLES", "0");
    return r == null ? 0 : (Long) r;
  }

  @SuppressWarnings("unchecked")
  private long memoryOf(String pattern) {
    long sum = 0;
    for (String k : (List<String>) redis.deployment().call("KEYS", pattern)) {
      sum += memory(k);
    }
    return sum;
  }

  @Test
  void bytesPerClientForEachAlgorithm() {
    Map<String, Long> figures = new TreeMap<>();
    for (Algorithm a : Algorithm.values()) {
      ManualTimeSource clock = new ManualTimeSource(1_000_000_000L);
      try (RateLimiter l = RateLimiters.builder(policy(a)).redis(redis.deployment().target())
          .clock(ClockSource.CLIENT).timeSource(clock).build()) {
        assertThat(l.tryAcquire("client-00000001").allowed()).isTrue();
        figures.put(a + " after 1 request", memoryOf("switchboard:rl:*"));
        // one request every 2 s for 2000 s: 30 a minute, 1000 in the hour (the log's worst case)
        int granted = 1;
        for (int i = 1; i < 1000; i++) {
          clock.advance(Duration.ofSeconds(2));
          granted += l.tryAcquire("client-00000001").allowed() ? 1 : 0;
        }
        if (a == Algorithm.SLIDING_WINDOW_LOG) {
          assertThat(granted).as("the exact log grants all 1000").isEqualTo(1000);
        }
        figures.put(a + " after 1000 requests", memoryOf("switchboard:rl:*"));
      }
      redis.deployment().flushAll();
    }
    figures.forEach((k, v) -> System.out.printf("footprint: %-45s %6d bytes%n", k, v));
    for (Algorithm a : Algorithm.values()) {
      long one = figures.get(a + " after 1 request");
      long full = figures.get(a + " after 1000 requests");
      assertThat(one).as("%s, one request", a).isBetween(50L, 400L);
      if (a == Algorithm.SLIDING_WINDOW_LOG) {
        assertThat(full).as("a log keeps one member per request of the hour").isBetween(20_000L, 160_000L);
      } else {
        assertThat(full).as("%s keeps a fixed number of fields", a).isLessThanOrEqualTo(one * 2);
      }
    }
  }

  @Test
  void bytesPerDecoderNode() {
    try (DecoderPool pool = DecoderPools.builder("footprint").redis(redis.deployment().target())
        .build()) {
      register(pool, 0);
      long one = memoryOf("switchboard:pool:*");
      for (int i = 1; i <= 100; i++) {
        register(pool, i);
      }
      long many = memoryOf("switchboard:pool:*");
      long perNode = (many - one) / 100;
      System.out.printf("footprint: pool of 1 node %d bytes, of 101 nodes %d bytes, %d bytes per node%n",
          one, many, perNode);
      assertThat(perNode).isBetween(100L, 2_000L);
    }
  }

  private static void register(DecoderPool pool, int i) {
    String id = String.format("decoder-%03d", i);
    pool.register(DecoderNode.builder(id, URI.create("http://gpu-" + i + ".internal:8001"))
        .region("us-east-1").gpuType("A100").capacity(100).languages("en", "es", "fr", "de")
        .tags("production").priority(1).build());
    pool.heartbeat(id, NodeLoad.of(10));
  }
}
