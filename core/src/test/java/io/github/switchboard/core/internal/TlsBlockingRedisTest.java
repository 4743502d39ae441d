package io.github.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.Topology;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.Test;

class TlsBlockingRedisTest extends BlockingRedisContract {
  @Override
  RedisDeployment deployment() {
    return RedisHarness.shared(Topology.TLS);
  }

  @Test
  void withoutTrustingTheCertificateNoConnectionOpens() {
    RedisOptions untrusting = RedisOptions.builder().connectTimeout(Duration.ofMillis(500)).build();
    try (LogCapture logs = new LogCapture();
        BlockingRedis b =
            Objects.requireNonNull(BlockingRedis.forTarget(deployment().target(), untrusting, "untrusting"))) {
      assertThat(b.eval(ECHO, new String[] {"tls"}, new String[] {"1", "a"})).isNull();
      assertThat(b.openConnections()).isZero();
      assertThat(logs.lines()).anyMatch(l -> l.startsWith("WARN") && l.contains("'untrusting'"));
    }
  }
}
