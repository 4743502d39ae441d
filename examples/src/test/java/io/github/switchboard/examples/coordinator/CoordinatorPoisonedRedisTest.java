package io.github.switchboard.examples.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.HealthCheckConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Two coordinators on one real Redis, one node's value in Redis replaced by a JSON bomb and the
 * revision moved on (a gap, so every coordinator resynchronises and reads the bad value): changes still
 * reach the other coordinator within 5 s, the bad node keeps its last good value, and the log stays short
 * (the issue saw 84,000 WARN lines in 24 s and no change propagating).
 */
class CoordinatorPoisonedRedisTest {
  static final String TOKEN = CoordinatorHttpTest.TOKEN;
  static final String NODES = "switchboard:pool:{default}:nodes";
  static final String REV = "switchboard:pool:{default}:rev";

  @TempDir Path dir;
  RedisServer redis;
  Coordinator first;
  Coordinator second;
  final ListAppender<ILoggingEvent> log = new ListAppender<>();
  final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

  @BeforeEach
  void setUp() {
    redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    first = Coordinator.start(config(dir.resolve("a/decoder_pool.json")));
    second = Coordinator.start(config(dir.resolve("b/decoder_pool.json")));
    log.start();
    root.addAppender(log);
  }

  CoordinatorConfig config(Path file) {
    return CoordinatorConfig.builder(TOKEN).host("127.0.0.1").port(0).poolFile(file).redis(redis.target())
        .healthChecks(HealthCheckConfig.DISABLED).build();
  }

  @AfterEach
  void tearDown() {
    root.detachAppender(log);
    if (first != null) {
      first.close();
    }
    if (second != null) {
      second.close();
    }
  }

  @Test
  void aPoisonedValueAndARevisionGapDoNotStopPropagation() {
    Api a = new Api(first.uri(), TOKEN);
    Api b = new Api(second.uri(), TOKEN);
    assertThat(a.register(Api.nodeJson("decoder-1", "http://127.0.0.1:9001", "\"en\", \"es\"", "\"capacity\": 7"))
        .statusCode()).isEqualTo(201);
    await().atMost(Duration.ofSeconds(10)).until(() -> b.get("/api/v1/decoders/decoder-1").statusCode() == 200);

    redis.call("HSET", NODES, "decoder-1", CoordinatorHostileInputTest.bomb("depth"));
    redis.call("INCRBY", REV, "5");
    // bombs on the change channel too: unreadable, so both coordinators read the pool again now
    for (int i = 0; i < 50; i++) {
      redis.call("PUBLISH", "switchboard:pool:{default}:events", CoordinatorHostileInputTest.bomb("number"));
    }

    assertThat(a.register(Api.nodeJson("decoder-2", "http://127.0.0.1:9002", "\"en\", \"fr\"", ""))
        .statusCode()).isEqualTo(201);
    await().atMost(Duration.ofSeconds(5)).until(() -> b.get("/api/v1/decoders/decoder-2").statusCode() == 200);
    // and a change after that too: the other coordinator is not stuck in a resynchronisation loop
    assertThat(b.delete("decoder-2").statusCode()).isEqualTo(204);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.get("/api/v1/decoders/decoder-2").statusCode() == 404);

    // the bad node keeps its last good value on both, and both are UP on Redis
    for (Api api : List.of(a, b)) {
      assertThat(Api.json(api.get("/api/v1/decoders/decoder-1")).path("capacity").asInt()).isEqualTo(7);
      assertThat(Api.json(api.get("/health")).path("redis").asText()).isEqualTo("UP");
    }
    assertThat(Api.json(b.route("k", "en", "es", null)).path("node_id").asText()).isEqualTo("decoder-1");

    // a few lines, not a flood: give a loop time to show, then count
    await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
    List<String> warnings = log.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
        .map(e -> e.getLoggerName() + " " + e.getFormattedMessage()).toList();
    // per coordinator: the unreadable messages (50) and the bad value, once each
    assertThat(warnings).as("WARN lines").hasSizeLessThanOrEqualTo(4)
        .filteredOn(l -> l.contains("decoder-1")).hasSizeLessThanOrEqualTo(2)
        .allMatch(l -> l.contains("keeping the last good copy") && l.contains("over a limit"));
  }
}
