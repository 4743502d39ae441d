package io.github.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.Topology;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TlsConnectionTest extends RedisConnectionContract {
  @Override
  RedisDeployment deployment() {
    return RedisHarness.shared(Topology.TLS);
  }

  @Test
  void theTargetIsTls() {
    assertThat(deployment().target().tls()).isTrue();
  }

  @Test
  void withoutTrustingTheCertificateItDoesNotConnect() {
    RedisOptions untrusting = RedisOptions.builder().connectTimeout(Duration.ofMillis(500)).build();
    try (RedisConnection c = RedisConnection.open(deployment().target(), untrusting, "untrusting")) {
      assertThat(c.isConnected()).isFalse();
      assertThatThrownBy(c::commands).isInstanceOf(RedisUnavailableException.class);
    }
  }

  @Test
  void plainTextToTheTlsPortDoesNotConnect() {
    RedisTarget plain = RedisTarget.standalone("127.0.0.1", deployment().target().hosts().get(0).port());
    RedisOptions fast = RedisOptions.builder().connectTimeout(Duration.ofMillis(500)).build();
    try (RedisConnection c = RedisConnection.open(plain, fast, "plain")) {
      assertThat(c.isConnected()).isFalse();
    }
  }
}
