package io.github.switchboard.pool.internal;

import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.PoolFormatException;
import io.github.switchboard.pool.internal.file.FilePoolStore;
import io.github.switchboard.pool.internal.guard.Fallback;
import io.github.switchboard.pool.internal.guard.GuardedPoolStore;
import io.github.switchboard.pool.internal.store.InMemoryPoolStore;
import io.github.switchboard.pool.internal.store.PoolStore;
import io.github.switchboard.pool.internal.store.PoolStoreSettings;
import java.nio.file.Path;

/** Opens the store a configuration asks for and starts a pool over it. */
public final class PoolFactory {
  private PoolFactory() {}

  /**
   * Opens the store and starts the pool: Redis (guarded, with the file or memory as fallback), else the
   * file, else memory.
   *
   * @param storeConfig the store's configuration
   * @param settings the pool's settings
   * @return the pool
   * @throws PoolFormatException if there is no Redis and the pool file exists but cannot be read
   */
  public static DecoderPool create(PoolStoreSettings storeConfig, PoolSettings settings) {
    PoolStore store = openStore(storeConfig);
    store.staleAfter(settings.staleAfter());
    return new DefaultDecoderPool(store, settings);
  }

  /**
   * Opens the store a configuration asks for.
   *
   * @param storeConfig the configuration
   * @return the store; the caller owns it
   */
  static PoolStore openStore(PoolStoreSettings storeConfig) {
    Path file = storeConfig.file();
    if (storeConfig.hasRedis()) {
      Fallback fallback = file != null
          ? Fallback.file(FilePoolStore.open(file, storeConfig.filePollInterval()))
          : Fallback.memory(new InMemoryPoolStore());
      return redisStore(storeConfig, fallback);
    }
    if (file != null) {
      FilePoolStore store = FilePoolStore.open(file, storeConfig.filePollInterval());
      if (!store.hasGoodCopy()) {
        PoolFormatException err = store.lastError().orElse(null);
        store.close();
        throw new PoolFormatException(
            "cannot start pool '" + storeConfig.poolName() + "': "
                + (err == null ? "the pool file " + file + " cannot be read" : err.getMessage()),
            err);
      }
      return store;
    }
    return new InMemoryPoolStore();
  }

  private static PoolStore redisStore(PoolStoreSettings storeConfig, Fallback fallback) {
    try {
      return GuardedPoolStore.open(storeConfig, fallback);
    } catch (RuntimeException e) {
      fallback.store().close();
      throw e;
    }
  }
}
