package io.github.switchboard.pool.internal;

import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.PoolFormatException;
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
      PoolStore fallback = file != null
          ? FilePoolStore.open(file, storeConfig.filePollInterval())
          : new InMemoryPoolStore();
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

  private static PoolStore redisStore(PoolStoreSettings storeConfig, PoolStore fallback) {
    try {
      return new GuardedPoolStore(storeConfig, fallback);
    } catch (RuntimeException e) {
      fallback.close();
      throw e;
    }
  }
}
