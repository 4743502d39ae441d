package io.github.switchboard.cache;

import java.util.concurrent.CompletionStage;

/**
 * Computes a result on a miss without blocking ({@link TranslationCache#getOrLoadAsync}): typically an
 * asynchronous HTTP call to a decoder node. Called on the cache's executor, never on a Redis I/O thread.
 */
@FunctionalInterface
public interface AsyncTranslationLoader {
  /**
   * Starts computing the result of a key.
   *
   * @param key the key that missed
   * @return the result, completed with a non-null value or with the failure (nothing is then cached)
   */
  CompletionStage<String> load(TranslationKey key);
}
