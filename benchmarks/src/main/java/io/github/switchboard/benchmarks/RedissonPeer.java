package io.github.switchboard.benchmarks;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.redisson.Redisson;
import org.redisson.api.RFuture;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/*
 * Redisson's RRateLimiter with its default client configuration (its own connection pool and Netty
 * threads), RateType.OVERALL. Each key's rate is set (trySetRate) before measuring, and the RRateLimiter
 * objects are built once per key.
 */
/** Redisson's {@code RRateLimiter}, sync and async. */
final class RedissonPeer implements Limiter {
  private final RedissonClient redisson;
  private final RRateLimiter[] limiters;

  RedissonPeer(String[] keys, RedisFixture redis) {
    this(keys, connect(redis));
  }

  /** The same limiters on a Cluster, through Redisson's Cluster client (default settings). */
  RedissonPeer(String[] keys, ClusterFixture cluster) {
    this(keys, connect(cluster));
  }

  private RedissonPeer(String[] keys, RedissonClient client) {
    redisson = client;
    limiters = new RRateLimiter[keys.length];
    List<RFuture<Boolean>> pending = new ArrayList<>(keys.length);
    for (int i = 0; i < keys.length; i++) {
      limiters[i] = redisson.getRateLimiter("redisson:" + keys[i]);
      pending.add(
          limiters[i].trySetRateAsync(
              RateType.OVERALL, BenchmarkPolicy.REDIS_RATE_PER_SECOND, BenchmarkPolicy.PERIOD));
    }
    for (RFuture<Boolean> f : pending) {
      f.toCompletableFuture().join();
    }
  }

  /**
   * A Redisson client with its default configuration (its own pool and Netty threads) on the trial's
   * server; also the Redisson peers of {@link CacheBenchmark}.
   *
   * @param redis the server
   * @return the client, to be shut down by the caller
   */
  static RedissonClient connect(RedisFixture redis) {
    // Redisson reads user and password from the address; the database is set on its own.
    URI url = URI.create(redis.url());
    String address =
        url.getScheme()
            + "://"
            + (url.getRawUserInfo() != null ? url.getRawUserInfo() + "@" : "")
            + url.getHost()
            + ":"
            + url.getPort();
    Config config = new Config();
    config.useSingleServer().setAddress(address).setDatabase(redis.uri().getDatabase());
    return Redisson.create(config);
  }

  /**
   * A Redisson client with its default Cluster configuration on the benchmark's Cluster.
   *
   * @param cluster the Cluster
   * @return the client, to be shut down by the caller
   */
  static RedissonClient connect(ClusterFixture cluster) {
    Config config = new Config();
    var servers = config.useClusterServers();
    for (var uri : cluster.masters()) {
      servers.addNodeAddress("redis://" + uri.getHost() + ":" + uri.getPort());
    }
    return Redisson.create(config);
  }

  @Override
  public boolean tryAcquire(int key) {
    return limiters[key].tryAcquire();
  }

  @Override
  public CompletionStage<?> tryAcquireAsync(int key) {
    return limiters[key].tryAcquireAsync();
  }

  @Override
  public void close() {
    redisson.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS);
  }
}
