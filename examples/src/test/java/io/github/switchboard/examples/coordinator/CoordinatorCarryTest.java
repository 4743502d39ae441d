package io.github.switchboard.examples.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.HealthCheckConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two coordinators with EXPECTED_INSTANCES=2 on one Redis, killed and restarted empty: one key's routed
 * requests answered 200 within any 60 s stay within 1.2x its limit (without the seed and the carry of the
 * LOCAL fallback: 3x, the limit again at the kill and again after the restart).
 */
class CoordinatorCarryTest {
  static final String TOKEN = CoordinatorHttpTest.TOKEN;
  static final int PER_MINUTE = 10;
  static final AtomicInteger WARM_UPS = new AtomicInteger();

  @TempDir Path dir;
  RedisServer redis;
  final List<Coordinator> coordinators = new ArrayList<>();

  @AfterEach
  void tearDown() {
    coordinators.forEach(Coordinator::close);
    if (redis != null) {
      redis.close();
    }
  }

  private Api start(String name) {
    Coordinator c = Coordinator.start(CoordinatorConfig.builder(TOKEN).host("127.0.0.1").port(0)
        .poolFile(dir.resolve(name + "-decoder_pool.json")).redis(redis.target())
        .perMinute(PER_MINUTE).perHour(1000).expectedInstances(2)
        .healthChecks(HealthCheckConfig.DISABLED).build());
    coordinators.add(c);
    return new Api(c.uri(), TOKEN);
  }

  @Test
  void oneKeysLimitHoldsAcrossAKillAndAnEmptyRestart() {
    redis = RedisHarness.standalone();
    Api[] apis = {start("a"), start("b")};
    List<Long> ok = new ArrayList<>();
    Runnable node = () -> {
      for (Api api : apis) {
        // the empty restart loses the pool too: each coordinator registers its node again (idempotent)
        assertThat(api.register(Api.nodeJson("decoder-1", "http://127.0.0.1:9001", "\"en\", \"es\"", ""))
            .statusCode()).isIn(200, 201);
      }
    };
    node.run();
    route(apis, PER_MINUTE, ok);
    assertThat(ok).as("Redis grants the limit").hasSize(PER_MINUTE);

    redis.kill();
    waitFor(apis, 0.0);
    route(apis, 2 * PER_MINUTE, ok);

    redis.restart();
    waitFor(apis, 1.0);
    node.run();
    route(apis, 2 * PER_MINUTE, ok);

    long worst = 0;
    for (long start : ok) {
      worst = Math.max(worst, ok.stream().filter(t -> t >= start && t < start + 60_000_000_000L).count());
    }
    System.out.printf(
        "two coordinators, EXPECTED_INSTANCES=2, %d a minute: worst 60 s window across kill, outage and"
            + " empty restart %d (%.2fx)%n",
        PER_MINUTE, worst, (double) worst / PER_MINUTE);
    assertThat((double) worst).isLessThanOrEqualTo(1.2 * PER_MINUTE);
  }

  /** n routing requests of one key, alternating between the coordinators; the times of the 200s. */
  private static void route(Api[] apis, int n, List<Long> ok) {
    for (int i = 0; i < n; i++) {
      int status = apis[i & 1].route("one-key", "en", "es", null).statusCode();
      assertThat(status).as("routed or limited").isIn(200, 429, 503);
      if (status != 429) {
        ok.add(System.nanoTime()); // a 503 (no node yet) passed the limiter all the same
      }
    }
  }

  /** Until the limiter of both is on Redis (1) or on its fallback (0), as /metrics shows it. */
  private static void waitFor(Api[] apis, double backend) {
    String route = "name=\"" + MetricsEndpoint.LIMITER_NAME + "\"";
    await("the limiters' backend " + backend).atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> {
          boolean all = true;
          for (Api api : apis) {
            // moves the breaker on: a new key each time, since a key Redis denied is answered locally
            // (the deny cache) and would never probe Redis
            api.route("warm-up-" + WARM_UPS.incrementAndGet(), "en", "es", null);
            all &= MetricsEndpointTest.sample(api.get(MetricsEndpoint.PATH).body(),
                "switchboard_ratelimit_backend", route).orElseThrow() == backend;
          }
          return all;
        });
  }
}
