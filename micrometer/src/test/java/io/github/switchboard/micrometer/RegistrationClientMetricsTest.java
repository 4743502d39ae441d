package io.github.switchboard.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.registration.Channel;
import io.github.switchboard.registration.RegistrationClient;
import io.github.switchboard.registration.RegistrationClients;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Attempts by channel and result, with a coordinator that cannot be reached, a real Redis and a file. */
class RegistrationClientMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @TempDir Path dir;

  private long attempts(String channel, String result) {
    return (long)
        registry
            .get(RegistrationClientMetrics.ATTEMPTS)
            .tags("channel", channel, "result", result)
            .counter()
            .count();
  }

  private static DecoderNode node(String id) {
    return DecoderNode.builder(id, URI.create("http://" + id + ".test:8001")).languages("en").build();
  }

  @Test
  void countsEachChannelsAttemptsByResult() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (RedisServer redis = RedisHarness.standalone();
        RegistrationClient client =
            RegistrationClients.builder()
                .coordinator(URI.create("http://127.0.0.1:" + closedPort), "token-1234")
                .redis(redis.target(), "default")
                .file(dir.resolve("decoder_pool.json"))
                .redisOptions(redis.options())
                .requestTimeout(Duration.ofSeconds(2))
                .listener(RegistrationClientMetrics.listener(registry))
                .build()) {
      for (String channel : new String[] {"coordinator", "redis", "file"}) {
        assertThat(attempts(channel, "success") + attempts(channel, "failure"))
            .as("registered at 0: " + channel)
            .isZero();
      }

      assertThat(client.register(node("decoder-1")).channel()).isEqualTo(Channel.REDIS);
      assertThat(attempts("coordinator", "failure")).isEqualTo(1);
      assertThat(attempts("redis", "success")).isEqualTo(1);
      assertThat(attempts("file", "success") + attempts("file", "failure")).as("not reached").isZero();

      redis.kill();
      assertThat(client.register(node("decoder-2")).channel()).isEqualTo(Channel.FILE);
      assertThat(attempts("coordinator", "failure")).isEqualTo(2);
      assertThat(attempts("redis", "failure")).isEqualTo(1);
      assertThat(attempts("file", "success")).isEqualTo(1);
      assertThat(attempts("coordinator", "success")).isZero();
    }
  }

  @Test
  void anUnknownChannelIsCountedToo() {
    RegistrationClientMetrics.listener(registry).onAttempt("carrier-pigeon", false);
    assertThat(attempts("carrier-pigeon", "failure")).isEqualTo(1);
  }
}
