package io.github.switchboard.cache;

/**
 * Thrown by {@link TranslationCache#getOrLoad} when the loader failed with a checked exception (its
 * cause), or when a loader answered null. A loader's unchecked exception is rethrown as it is.
 */
public final class TranslationLoadException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed
   * @param cause the loader's failure, or null
   */
  public TranslationLoadException(String message, @org.jspecify.annotations.Nullable Throwable cause) {
    super(message, cause);
  }
}
