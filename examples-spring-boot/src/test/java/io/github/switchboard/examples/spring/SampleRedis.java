package io.github.switchboard.examples.spring;

import io.github.switchboard.core.testing.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.test.context.DynamicPropertyRegistry;

/** Points the sample at a harness Redis through spring.data.redis.url alone, and its pool file at a temp dir. */
final class SampleRedis {
  private SampleRedis() {}

  static void properties(DynamicPropertyRegistry registry, RedisServer redis) throws IOException {
    Path dir = Files.createTempDirectory("sample-pool");
    registry.add("spring.data.redis.url", () -> "redis://127.0.0.1:" + redis.port());
    registry.add("switchboard.pool.file", () -> dir.resolve("decoder_pool.json").toString());
  }
}
