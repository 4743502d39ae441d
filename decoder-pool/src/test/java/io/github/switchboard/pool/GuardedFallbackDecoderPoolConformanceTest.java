package io.github.switchboard.pool;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance suite over a Redis pool whose Redis never answers: the guarded store runs on its
 * fallback (the pool file) from the start, with the journal, and must keep every promise of a pool. The
 * sweeper does not run on a fallback (a coordinator cut off from Redis must not evict), so the sweeper's
 * tests are skipped here.
 */
class GuardedFallbackDecoderPoolConformanceTest extends AbstractDecoderPoolConformanceTest {
  private static RedisTarget nowhere;

  @TempDir Path dir;

  @BeforeAll
  static void closedPort() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // free now, and nothing listens on it once closed
    }
    nowhere = RedisTarget.parse("redis://127.0.0.1:" + port);
  }

  @Override
  protected DecoderPools.Builder configure(DecoderPools.Builder builder) {
    return builder.redis(nowhere)
        .redisOptions(RedisOptions.builder().connectTimeout(Duration.ofMillis(200))
            .commandTimeout(Duration.ofMillis(200)).build())
        .file(dir.resolve("decoder_pool.json"));
  }

  @Override
  protected boolean sweeps() {
    return false;
  }
}
