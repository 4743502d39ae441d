package io.github.switchboard.benchmarks;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/*
 * Bucket4j's Lettuce proxy manager (compare-and-swap based: GET, compute locally, SET with a Lua CAS,
 * retried on conflict), on one connection of its own shared by every thread, as its documentation
 * shows. Proxies are built once per key before measuring (generous to Bucket4j: an application often
 * builds one per request), and the expiration strategy keeps every key's TTL bounded, as Switchboard does.
 */
/** Bucket4j's {@code LettuceBasedProxyManager}, sync ({@code BucketProxy}) and async ({@code AsyncBucketProxy}). */
final class Bucket4jRedis implements Limiter {
  private final AbstractRedisClient client;
  private final StatefulConnection<String, byte[]> connection;
  private final BucketProxy[] buckets;
  private final AsyncBucketProxy[] asyncBuckets;

  Bucket4jRedis(String[] keys, RedisFixture redis) {
    this(keys, RedisClient.create(redis.uri()), null);
  }

  /** The same proxy manager on a Cluster connection (Bucket4j's Lettuce Cluster support). */
  Bucket4jRedis(String[] keys, ClusterFixture cluster) {
    this(keys, null, RedisClusterClient.create(cluster.masters()));
  }

  private Bucket4jRedis(String[] keys, @Nullable RedisClient single, @Nullable RedisClusterClient cluster) {
    var codec = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
    Bucket4jLettuce.LettuceBasedProxyManagerBuilder<String> builder;
    if (cluster != null) {
      StatefulRedisClusterConnection<String, byte[]> c = cluster.connect(codec);
      client = cluster;
      connection = c;
      builder = Bucket4jLettuce.casBasedBuilder(c);
    } else {
      StatefulRedisConnection<String, byte[]> c = Objects.requireNonNull(single).connect(codec);
      client = single;
      connection = c;
      builder = Bucket4jLettuce.casBasedBuilder(c);
    }
    ProxyManager<String> proxies =
        builder
            .expirationAfterWrite(
                ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
            .build();
    BucketConfiguration config =
        BucketConfiguration.builder()
            .addLimit(
                limit ->
                    limit
                        .capacity(BenchmarkPolicy.REDIS_RATE_PER_SECOND)
                        .refillGreedy(BenchmarkPolicy.REDIS_RATE_PER_SECOND, BenchmarkPolicy.PERIOD))
            .build();
    CompletableFuture<BucketConfiguration> configFuture = CompletableFuture.completedFuture(config);
    buckets = new BucketProxy[keys.length];
    asyncBuckets = new AsyncBucketProxy[keys.length];
    for (int i = 0; i < keys.length; i++) {
      String redisKey = "bucket4j:" + keys[i];
      buckets[i] = proxies.builder().build(redisKey, () -> config);
      asyncBuckets[i] = proxies.asAsync().builder().build(redisKey, () -> configFuture);
    }
  }

  @Override
  public boolean tryAcquire(int key) {
    return buckets[key].tryConsume(1);
  }

  @Override
  public CompletionStage<?> tryAcquireAsync(int key) {
    return asyncBuckets[key].tryConsume(1);
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
