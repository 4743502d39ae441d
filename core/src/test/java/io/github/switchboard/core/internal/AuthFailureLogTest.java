package io.github.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.core.testing.Topology;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A refused password is logged as an authentication failure, once, not as an unreachable Redis. */
class AuthFailureLogTest {
  @Test
  void aWrongPasswordIsLoggedAsAnAuthenticationFailureOnceNotAsNotReachable() {
    RedisServer server = (RedisServer) RedisHarness.shared(Topology.ACL);
    String wrong = "Wr0ngPassw0rdXyz";
    RedisTarget target =
        RedisTarget.parse("redis://" + server.user() + ":" + wrong + "@127.0.0.1:" + server.port());
    RedisOptions options = RedisOptions.builder().connectTimeout(Duration.ofMillis(500)).build();
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(RedisConnection.class);
    ch.qos.logback.classic.Level level = logger.getLevel();
    logger.setLevel(ch.qos.logback.classic.Level.DEBUG); // to count the attempts logged below WARN
    try (LogCapture logs = new LogCapture();
        RedisConnection c = RedisConnection.open(target, options, "wrong-password")) {
      // the attempts repeat (50, 100, 200 ... 1000 ms apart): wait for several of them
      await().atMost(Duration.ofSeconds(10)).until(() -> attempts(logs) >= 4);
      List<String> warnings = logs.lines().stream()
          .filter(l -> l.startsWith("WARN") && l.contains("'wrong-password'")).toList();
      assertThat(warnings).hasSize(1);
      assertThat(warnings.get(0)).contains("refused the credentials", "(authentication failed: WRONGPASS",
          "***@127.0.0.1:" + server.port()).doesNotContain("not reachable");
      assertThat(logs.lines()).noneMatch(l -> l.contains(wrong));
      assertThat(c.isConnected()).isFalse();
    } finally {
      logger.setLevel(level);
    }
  }

  @Test
  void anUnreachableRedisIsStillLoggedAsNotReachable() {
    assertThat(RedisConnection.authFailure(new java.net.ConnectException("Connection refused"))).isNull();
    assertThat(RedisConnection.authFailure(new RuntimeException("x",
        new RuntimeException("WRONGPASS invalid username-password pair or user is disabled."))))
        .startsWith("WRONGPASS");
    assertThat(RedisConnection.authFailure(new RuntimeException("NOAUTH HELLO must be called with the client"
        + " already authenticated"))).startsWith("NOAUTH");
  }

  private static long attempts(LogCapture logs) {
    return logs.lines().stream().filter(l -> l.contains("'wrong-password'") && l.contains("authentication failed"))
        .count();
  }
}
