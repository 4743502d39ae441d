package io.github.switchboard.pool;

/** The conformance suite over the in-memory pool. */
class InMemoryDecoderPoolConformanceTest extends AbstractDecoderPoolConformanceTest {
  @Override
  protected DecoderPools.Builder configure(DecoderPools.Builder builder) {
    return builder;
  }

  @Override
  protected boolean sharedBackend() {
    return false;
  }
}
