package io.github.switchboard.examples.coordinator;

import io.github.switchboard.cache.TranslationCache;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.HealthCheckConfig;
import io.github.switchboard.pool.NodeNetworks;
import io.github.switchboard.pool.PoolFormatException;
import io.github.switchboard.ratelimit.LimitPlans;
import io.github.switchboard.ratelimit.LimitPlansBuilder;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running example coordinator: the coordinator HTTP API over a {@link DecoderPool}, a per-API-key
 * {@link RateLimiter} and a {@link io.github.switchboard.cache.TranslationCache} of decode results, served
 * by Jetty (see {@link HttpServerFactory}). Start one with {@link
 * #start(CoordinatorConfig)} and stop it with {@link #close()}.
 *
 * <pre>{@code
 * CoordinatorConfig config = CoordinatorConfig.builder(token).port(0).poolFile(file).build();
 * try (Coordinator coordinator = Coordinator.start(config)) {
 *   URI base = coordinator.uri();   // http://0.0.0.0:<free port>
 * }
 * }</pre>
 */
public final class Coordinator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);

  /** The prefix of the rate limiter's Redis keys; the rest of a key is the SHA-256 of the API key. */
  public static final String RATE_LIMIT_KEY_PREFIX = "switchboard:rl:route:";

  /** The name of the coordinator's {@link LimitPlans}: coordinators on one Redis share the plans of this name. */
  public static final String PLANS_NAME = "route";

  private static final long DRAIN_MILLIS = 2000;

  private final CoordinatorConfig config;
  private final DecoderPool pool;
  private final RateLimiter limiter;
  private final LimitPlans plans;
  private final Server server;
  private final ApiHandler handler;
  private final DecodeHandler decode;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Coordinator(CoordinatorConfig config, DecoderPool pool, RateLimiter limiter, LimitPlans plans,
      Server server, ApiHandler handler, DecodeHandler decode) {
    this.plans = plans;
    this.config = config;
    this.pool = pool;
    this.limiter = limiter;
    this.server = server;
    this.handler = handler;
    this.decode = decode;
  }

  /**
   * Opens the pool, the limiter and the decode cache (on the same Redis, or in this process without one)
   * and starts serving. The pool file's directory is created if needed;
   * a missing pool file is an empty pool, written on the first change.
   *
   * @param config the settings
   * @return the running coordinator
   * @throws ConfigException if the pool file cannot be used ({@code POOL_CONFIG_PATH}), the address
   *     cannot be resolved ({@code HOST}) or the port is taken ({@code PORT})
   * @throws java.io.UncheckedIOException if the server cannot start for another reason
   */
  public static Coordinator start(CoordinatorConfig config) {
    Objects.requireNonNull(config, "config");
    Path poolFile = config.poolFile().toAbsolutePath();
    try {
      Path dir = poolFile.getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(CoordinatorConfig.ENV_POOL_CONFIG_PATH, CoordinatorConfig.ENV_POOL_CONFIG_PATH
          + ": cannot create the directory of " + poolFile + ": " + e, e);
    }
    InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
    if (address.isUnresolved()) {
      throw new ConfigException(CoordinatorConfig.ENV_HOST, CoordinatorConfig.ENV_HOST
          + " cannot be resolved: '" + config.host() + "'");
    }

    RateLimitPolicy policy = config.policy();
    RedisTarget redis = config.redis();
    RateLimiters.Builder lb = RateLimiters.builder(policy).keyPrefix(RATE_LIMIT_KEY_PREFIX)
        .expectedInstances(config.expectedInstances())
        // the keys the in-memory limiter (or the LOCAL fallback) keeps: what the key budget admits
        .maximumKeys(Math.max(config.maxApiKeys(),
            config.apiKeyDigests() == null ? 0 : config.apiKeyDigests().size()));
    DecoderPools.Builder pb = DecoderPools.builder(config.poolName())
        .file(poolFile)
        .healthChecks(withNetworks(config.healthChecks(), config.fleet().nodeNetworks()));
    if (redis != null) {
      lb.redis(redis);
      pb.redis(redis);
    }
    MetricsEndpoint metrics = new MetricsEndpoint();
    // limits as data: plans and assignments shared through the same Redis, which the limiter follows
    LimitPlansBuilder plansBuilder = LimitPlans.builder(PLANS_NAME);
    if (redis != null) {
      plansBuilder.redis(redis);
    }
    LimitPlans plans = plansBuilder.build();
    RateLimiter limiter;
    try {
      limiter = metrics.monitor(lb.name(MetricsEndpoint.LIMITER_NAME).plans(plans)
          .circuitBreakerRegistry(metrics.breakers()).build());
    } catch (RuntimeException e) {
      plans.close();
      throw e;
    }
    DecoderPool pool;
    try {
      pool = metrics.monitor(pb.circuitBreakerRegistry(metrics.breakers()).build(), config.poolName());
    } catch (PoolFormatException e) {
      limiter.close();
      plans.close();
      throw new ConfigException(CoordinatorConfig.ENV_POOL_CONFIG_PATH, CoordinatorConfig.ENV_POOL_CONFIG_PATH
          + ": " + poolFile + " cannot be read: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      limiter.close();
      plans.close();
      throw e;
    }

    // one set of client checks and one limit per key for the route and the decode
    Admission admission = new Admission(limiter, plans, config);
    DecodeHandler decode;
    try {
      decode = DecodeHandler.create(pool, admission, config, metrics.breakers());
      TranslationCache decodeCache = decode.cache();
      if (decodeCache != null) {
        metrics.monitor(decodeCache);
      }
    } catch (RuntimeException e) {
      pool.close();
      limiter.close();
      plans.close();
      throw e;
    }
    ApiHandler handler = new ApiHandler(pool, limiter, config, metrics, admission, decode, plans);
    Server server = HttpServerFactory.create(config, handler);
    // the operator's view (GET /api/v1/events, GET /console/) in front of the API; it stops with the server
    server.setHandler(new OperatorRoutes(new EventStreams(pool, plans, metrics::decisions, config.eventStreams()),
        new ConsoleHandler(), server.getHandler()));
    try {
      server.start();
    } catch (Exception e) {
      stopQuietly(server);
      decode.close();
      pool.close();
      limiter.close();
      plans.close();
      if (bindFailure(e)) {
        throw new ConfigException(CoordinatorConfig.ENV_PORT, CoordinatorConfig.ENV_PORT + " " + config.port()
            + ": cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
      }
      throw new java.io.UncheckedIOException(
          "cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(),
          e instanceof IOException io ? io : new IOException(e));
    }
    Coordinator c = new Coordinator(config, pool, limiter, plans, server, handler, decode);
    LOG.info("coordinator started on port {}: pool '{}' on {}, file {}, {} routes per minute and {} per"
            + " hour per API key, {}, health checks {}, node networks {}, {} HTTP workers, idle timeout {} s,"
            + " decode {}",
        c.port(), config.poolName(), redis == null ? "no Redis" : redis.redactedUrl(), poolFile,
        config.perMinute(), config.perHour(),
        config.apiKeyDigests() == null ? "any API key" : config.apiKeyDigests().size() + " API keys",
        config.healthChecks().enabled() ? "on" : "off", config.fleet().nodeNetworks(), config.threads(),
        config.idleTimeout().toSeconds(), config.decode());
    return c;
  }

  /**
   * Returns the port the coordinator listens on (the chosen one when the configured port was 0).
   *
   * @return the port
   */
  public int port() {
    return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
  }

  /**
   * Returns the base URI, from the configured host and the actual port, for example {@code
   * http://127.0.0.1:8002}.
   *
   * @return the URI
   */
  public URI uri() {
    String host = config.host();
    return URI.create("http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port());
  }

  /**
   * Returns the settings the coordinator runs with.
   *
   * @return the settings
   */
  public CoordinatorConfig config() {
    return config;
  }

  /**
   * Returns the decoder pool the coordinator serves (for embedding: it stays owned by the coordinator).
   *
   * @return the pool
   */
  public DecoderPool pool() {
    return pool;
  }

  /** Returns how many requests are being served now (a decode until its answer is written). */
  int inFlight() {
    return handler.inFlight();
  }

  /**
   * Stops serving: new requests get 503, requests in progress (decodes waiting for a node included) get up
   * to 2 s to finish, then the server, the decode cache and client, the pool, the limiter and the plans are
   * closed.
   * Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    handler.stopAccepting();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS);
    // the requests in progress run on the server's workers; stopping it now would cut their connections
    while (handler.inFlight() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    stopQuietly(server);
    try {
      decode.close();
    } finally {
      try {
        pool.close();
      } finally {
        try {
          limiter.close();
        } finally {
          plans.close();
        }
      }
    }
    LOG.info("coordinator stopped");
  }

  /** The health checks, told to contact no node outside NODE_NETWORKS. */
  static HealthCheckConfig withNetworks(HealthCheckConfig checks, NodeNetworks networks) {
    if (!checks.enabled() || networks.isAny()) {
      return checks;
    }
    return HealthCheckConfig.builder().interval(checks.interval()).timeout(checks.timeout()).fall(checks.fall())
        .rise(checks.rise()).networks(networks).build();
  }

  private static boolean bindFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return true;
      }
    }
    return false;
  }

  private static void stopQuietly(Server server) {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("the HTTP server did not stop cleanly: {}", e.toString());
    }
  }
}
