package io.github.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.core.testing.Topology;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AclConnectionTest extends RedisConnectionContract {
  @Override
  RedisDeployment deployment() {
    return RedisHarness.shared(Topology.ACL);
  }

  private RedisServer server() {
    return (RedisServer) deployment();
  }

  @Test
  void theRightPasswordConnectsAndIsNeverLogged() throws Exception {
    String password = server().password();
    try (LogCapture logs = new LogCapture()) {
      try (RedisConnection c = open()) {
        assertThat(c.isConnected()).isTrue();
        assertThat(c.toString()).doesNotContain(password);
        assertThat(get(c.commands().clientList())).contains("user=" + server().user() + " ");
      }
      assertThat(logs.lines()).isNotEmpty().noneMatch(l -> l.contains(password));
    }
  }

  @Test
  void aWrongPasswordNeverConnectsAndIsNeverShown() {
    String wrong = "Wr0ngPassw0rdXyz";
    RedisTarget target =
        RedisTarget.parse("redis://" + server().user() + ":" + wrong + "@127.0.0.1:" + server().port());
    RedisOptions options = RedisOptions.builder().connectTimeout(Duration.ofMillis(500)).build();
    try (LogCapture logs = new LogCapture()) {
      try (RedisConnection c = RedisConnection.open(target, options, "wrong-password")) {
        // keeps retrying in the background, and never gets in
        await()
            .during(Duration.ofMillis(1500))
            .atMost(Duration.ofSeconds(3))
            .until(() -> !c.isConnected());
        assertThat(c.toString()).doesNotContain(wrong);
        assertThatThrownBy(c::commands)
            .isInstanceOf(RedisUnavailableException.class)
            .hasMessageNotContaining(wrong)
            .hasMessageContaining("***");
        CompletableFuture<Long> f =
            c.<Long>eval(INCR_BY, ScriptOutputType.INTEGER, new String[] {"k"}, "1").toCompletableFuture();
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
            .hasRootCauseInstanceOf(RedisUnavailableException.class)
            .rootCause()
            .hasMessageNotContaining(wrong);
      }
      assertThat(logs.lines())
          .as("the failed attempts are logged")
          .anyMatch(l -> l.startsWith("WARN") && l.contains("***@127.0.0.1:" + server().port()));
      assertThat(logs.lines()).noneMatch(l -> l.contains(wrong));
    }
  }
}
