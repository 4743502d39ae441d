package io.github.switchboard.cache;

/** The conformance suite on the in-memory cache. */
class InMemoryConformanceTest extends AbstractTranslationCacheConformanceTest {
  @Override
  protected TranslationCaches.Builder builder(String name) {
    return TranslationCaches.builder(name);
  }

  @Override
  protected void clean() {}
}
