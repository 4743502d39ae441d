package io.github.switchboard.registration;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The fixture of the channel tests: the shared Redis, emptied, and a coordinator stub with a token. */
abstract class ChannelTestBase {
  @TempDir Path dir;
  RedisServer redis;
  CoordinatorStub coordinator;
  private final String token;

  ChannelTestBase(String token) {
    this.token = token;
  }

  @BeforeEach
  final void startRedisAndCoordinator() throws IOException {
    redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    coordinator = CoordinatorStub.start(token);
  }

  @AfterEach
  final void stopCoordinator() {
    coordinator.close();
  }
}
