package io.github.switchboard.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.switchboard.cache.TranslationKey;
import io.github.switchboard.core.BackendState;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A cache of this process only: up to {@code nearCacheSize} results on Caffeine for {@code timeToLive};
 * concurrent callers of one key share one load. Its hits count as hits (there is no near tier before it).
 */
public final class LocalTranslationCache extends AbstractTranslationCache {
  private final Cache<String, String> entries;

  /**
   * Creates the cache.
   *
   * @param settings the builder's settings
   */
  public LocalTranslationCache(CacheSettings settings) {
    super(settings);
    this.entries =
        Caffeine.newBuilder()
            .maximumSize(settings.nearCacheSize())
            .expireAfterWrite(settings.timeToLive())
            .executor(Runnable::run)
            .build();
  }

  @Override
  @Nullable String nearGet(String digest) {
    return null;
  }

  @Override
  CompletionStage<Optional<String>> lookup(TranslationKey key) {
    return CompletableFuture.completedFuture(counted(Optional.ofNullable(entries.getIfPresent(key.digest()))));
  }

  @Override
  CompletionStage<Step> acquire(TranslationKey key) {
    String v = entries.getIfPresent(key.digest());
    return CompletableFuture.completedFuture(v != null ? Step.hit(v) : Step.load(null));
  }

  @Override
  void stored(TranslationKey key, @Nullable String lease, String value, int utf8Length, boolean cacheable) {
    if (cacheable) {
      entries.put(key.digest(), value);
    }
  }

  @Override
  void failed(TranslationKey key, @Nullable String lease) {}

  @Override
  CompletionStage<Void> store(TranslationKey key, String value, int utf8Length) {
    entries.put(key.digest(), value);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  CompletionStage<Void> remove(TranslationKey key) {
    entries.invalidate(key.digest());
    return CompletableFuture.completedFuture(null);
  }

  @Override
  CompletionStage<Void> removeAll() {
    entries.invalidateAll();
    return CompletableFuture.completedFuture(null);
  }

  @Override
  long maxWaitNanos() {
    return settings.loadTimeout().toNanos() * 2 + TimeUnit.SECONDS.toNanos(5);
  }

  @Override
  public BackendState backendState() {
    return BackendState.PRIMARY;
  }

  @Override
  public long nearCacheEntries() {
    return entries.estimatedSize();
  }

  @Override
  public void close() {
    entries.invalidateAll();
  }

  @Override
  public String toString() {
    return "LocalTranslationCache[" + settings.name() + "]";
  }
}
