package io.github.switchboard.cache;

/**
 * Computes a result on a miss, on the calling thread ({@link TranslationCache#getOrLoad}): typically a
 * blocking call to a decoder node.
 */
@FunctionalInterface
public interface TranslationLoader {
  /**
   * Computes the result of a key.
   *
   * @param key the key that missed
   * @return the result, never null
   * @throws Exception if it cannot; nothing is cached, and the caller sees the failure
   */
  String load(TranslationKey key) throws Exception;
}
