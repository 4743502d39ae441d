package io.github.switchboard.pool;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance suite over the file pool: pools of one test share one file (the one-second pick-up
 * bound itself is asserted in FilePoolStoreTest; here the default, wider bound keeps the suite steady).
 */
class FileDecoderPoolConformanceTest extends AbstractDecoderPoolConformanceTest {
  @TempDir Path dir;

  @Override
  protected DecoderPools.Builder configure(DecoderPools.Builder builder) {
    return builder.file(dir.resolve("decoder_pool.json"));
  }
}
