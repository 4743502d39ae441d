package io.github.switchboard.spring;

import io.github.switchboard.cache.TranslationCaches;
import io.github.switchboard.core.RedisOptions;

import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.FallbackMode;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.util.ClassUtils;

/**
 * The {@code switchboard.*} properties. A value that breaks a rule stops the application at start with a
 * message naming the property and the rule.
 */
@ConfigurationProperties("switchboard")
public class SwitchboardProperties {

  /** The default of {@code switchboard.rate-limit.limits}. */
  public static final List<String> DEFAULT_LIMITS = List.of("60/1m", "1000/1h");

  private final Redis redis = new Redis();
  private final RateLimit rateLimit = new RateLimit();
  private final Pool pool = new Pool();
  private final Cache cache = new Cache();

  /**
   * Returns the Redis settings.
   *
   * @return {@code switchboard.redis.*}
   */
  public Redis getRedis() {
    return redis;
  }

  /**
   * Returns the rate limiter settings.
   *
   * @return {@code switchboard.rate-limit.*}
   */
  public RateLimit getRateLimit() {
    return rateLimit;
  }

  /**
   * Returns the decoder pool settings.
   *
   * @return {@code switchboard.pool.*}
   */
  public Pool getPool() {
    return pool;
  }

  /**
   * Returns the translation cache settings.
   *
   * @return {@code switchboard.cache.*}
   */
  public Cache getCache() {
    return cache;
  }

  /** {@code switchboard.redis.*}: which Redis the limiter and the pool use. */
  public static class Redis {
    /**
     * Whether to use Redis at all. False: the embedded defaults (an in-memory limiter, a file pool), even
     * when spring.data.redis.* is set.
     */
    private boolean enabled = true;

    /**
     * The Redis to use (redis://, rediss://, redis-sentinel:// or redis-cluster://). Unset: Spring's
     * spring.data.redis.* settings when any is set, else no Redis.
     */
    private @Nullable String url;

    /**
     * The bound on one Redis command; a hung Redis makes a decision fall back after about twice this.
     * Spring's spring.data.redis.timeout (60 s by default) is not used: it would hold requests that long.
     */
    private Duration commandTimeout = Duration.ofMillis(250);

    /** The bound on one connection attempt. */
    private Duration connectTimeout = Duration.ofSeconds(2);

    /** A PEM file of the certificate (or CA) that TLS connections trust; unset: the JVM's trust store. */
    private @Nullable Path trustedCertificate;

    /**
     * The most blocking connections that synchronous decisions open beside the shared connection, on a
     * standalone Redis; 0: every call takes the shared connection (see RedisOptions.syncConnections).
     */
    private int syncConnections = RedisOptions.DEFAULT_SYNC_CONNECTIONS;

    /**
     * Returns whether Redis is used.
     *
     * @return true unless turned off
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether Redis is used.
     *
     * @param enabled false for the embedded defaults
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns the Redis URL.
     *
     * @return the URL, or null to use Spring's settings
     */
    public @Nullable String getUrl() {
      return url;
    }

    /**
     * Sets the Redis URL.
     *
     * @param url the URL, or null or blank to use Spring's settings
     */
    public void setUrl(@Nullable String url) {
      this.url = url == null || url.isBlank() ? null : url.strip();
    }

    /**
     * Returns the command timeout.
     *
     * @return the bound on one command
     */
    public Duration getCommandTimeout() {
      return commandTimeout;
    }

    /**
     * Sets the command timeout.
     *
     * @param commandTimeout a positive duration
     * @throws IllegalArgumentException if not positive
     */
    public void setCommandTimeout(Duration commandTimeout) {
      this.commandTimeout = positive(commandTimeout, "switchboard.redis.command-timeout");
    }

    /**
     * Returns the connect timeout.
     *
     * @return the bound on one connection attempt
     */
    public Duration getConnectTimeout() {
      return connectTimeout;
    }

    /**
     * Sets the connect timeout.
     *
     * @param connectTimeout a positive duration
     * @throws IllegalArgumentException if not positive
     */
    public void setConnectTimeout(Duration connectTimeout) {
      this.connectTimeout = positive(connectTimeout, "switchboard.redis.connect-timeout");
    }

    /**
     * Returns the trusted certificate file.
     *
     * @return the PEM file, or null for the JVM's trust store
     */
    public @Nullable Path getTrustedCertificate() {
      return trustedCertificate;
    }

    /**
     * Sets the trusted certificate file.
     *
     * @param trustedCertificate a PEM file, or null
     */
    public void setTrustedCertificate(@Nullable Path trustedCertificate) {
      this.trustedCertificate = trustedCertificate;
    }

    /**
     * Returns the bound on the blocking connections of synchronous calls.
     *
     * @return 0 to {@value RedisOptions#MAX_SYNC_CONNECTIONS}
     */
    public int getSyncConnections() {
      return syncConnections;
    }

    /**
     * Sets the bound on the blocking connections of synchronous calls.
     *
     * @param syncConnections 0 to {@value RedisOptions#MAX_SYNC_CONNECTIONS}
     * @throws IllegalArgumentException if out of range
     */
    public void setSyncConnections(int syncConnections) {
      if (syncConnections < 0 || syncConnections > RedisOptions.MAX_SYNC_CONNECTIONS) {
        throw new IllegalArgumentException(
            "switchboard.redis.sync-connections must be between 0 and "
                + RedisOptions.MAX_SYNC_CONNECTIONS
                + ", was "
                + syncConnections);
      }
      this.syncConnections = syncConnections;
    }
  }

  /** {@code switchboard.rate-limit.*}: the {@code RateLimiter} bean and the HTTP filter. */
  public static class RateLimit {
    /** The algorithm. */
    private Algorithm algorithm = Algorithm.SLIDING_WINDOW_LOG;

    /**
     * The limits, each COUNT/DURATION with Spring's duration syntax (60/1m, 1000/1h, 10/PT1S); all are
     * checked atomically.
     */
    private List<String> limits = new ArrayList<>(DEFAULT_LIMITS);

    /** What answers while Redis is unavailable: LOCAL, ALLOW or DENY. */
    private FallbackMode fallback = FallbackMode.LOCAL;

    /** The prefix of every Redis key of the limiter (no braces). */
    private String keyPrefix = RateLimiters.DEFAULT_KEY_PREFIX;

    /** How many instances share the limits: the LOCAL fallback of each enforces 1/n of each count. */
    private int expectedInstances = 1;

    /**
     * The limiter's name: in logs, the name tag of its meters and its circuit breaker's name
     * (switchboard-NAME).
     */
    private String name = RateLimiters.DEFAULT_NAME;

    @NestedConfigurationProperty
    private final RateLimitHttpProperties http = new RateLimitHttpProperties();

    /**
     * Named plans put into the limiter's LimitPlans at start (switchboard.rate-limit.plans.NAME.limits,
     * .algorithm, .shadow); keys are put on them with the LimitPlans bean.
     */
    private Map<String, RateLimitPlanProperties> plans = new LinkedHashMap<>();

    /**
     * Returns the plans by name.
     *
     * @return {@code switchboard.rate-limit.plans.*}
     */
    public Map<String, RateLimitPlanProperties> getPlans() {
      return plans;
    }

    /**
     * Sets the plans by name.
     *
     * @param plans the plans
     */
    public void setPlans(Map<String, RateLimitPlanProperties> plans) {
      this.plans = new LinkedHashMap<>(Objects.requireNonNull(plans, "switchboard.rate-limit.plans"));
    }

    /**
     * Returns the algorithm.
     *
     * @return the algorithm
     */
    public Algorithm getAlgorithm() {
      return algorithm;
    }

    /**
     * Sets the algorithm.
     *
     * @param algorithm the algorithm
     */
    public void setAlgorithm(Algorithm algorithm) {
      this.algorithm = Objects.requireNonNull(algorithm, "switchboard.rate-limit.algorithm");
    }

    /**
     * Returns the limits as written.
     *
     * @return the limits, {@code COUNT/DURATION} each
     */
    public List<String> getLimits() {
      return limits;
    }

    /**
     * Sets the limits.
     *
     * @param limits one or more {@code COUNT/DURATION}
     * @throws IllegalArgumentException if the list is empty or an entry is not {@code COUNT/DURATION} with
     *     a count of at least 1 and a positive duration
     */
    public void setLimits(List<String> limits) {
      Objects.requireNonNull(limits, "switchboard.rate-limit.limits");
      if (limits.isEmpty()) {
        throw new IllegalArgumentException("switchboard.rate-limit.limits must name at least one limit");
      }
      for (int i = 0; i < limits.size(); i++) {
        parseLimit(limits.get(i), i);
      }
      this.limits = new ArrayList<>(limits);
    }

    /**
     * Returns the fallback.
     *
     * @return the fallback mode
     */
    public FallbackMode getFallback() {
      return fallback;
    }

    /**
     * Sets the fallback.
     *
     * @param fallback LOCAL, ALLOW or DENY
     */
    public void setFallback(FallbackMode fallback) {
      this.fallback = Objects.requireNonNull(fallback, "switchboard.rate-limit.fallback");
    }

    /**
     * Returns the key prefix.
     *
     * @return the prefix
     */
    public String getKeyPrefix() {
      return keyPrefix;
    }

    /**
     * Sets the key prefix.
     *
     * @param keyPrefix a non-empty prefix without braces
     * @throws IllegalArgumentException if empty or holding a brace
     */
    public void setKeyPrefix(String keyPrefix) {
      try {
        builder().keyPrefix(keyPrefix);
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException("switchboard.rate-limit.key-prefix: " + e.getMessage(), e);
      }
      this.keyPrefix = keyPrefix;
    }

    /**
     * Returns how many instances share the limits.
     *
     * @return at least 1
     */
    public int getExpectedInstances() {
      return expectedInstances;
    }

    /**
     * Sets how many instances share the limits.
     *
     * @param expectedInstances at least 1
     * @throws IllegalArgumentException if below 1
     */
    public void setExpectedInstances(int expectedInstances) {
      if (expectedInstances < 1) {
        throw new IllegalArgumentException(
            "switchboard.rate-limit.expected-instances must be at least 1, was " + expectedInstances);
      }
      this.expectedInstances = expectedInstances;
    }

    /**
     * Returns the limiter's name.
     *
     * @return the name
     */
    public String getName() {
      return name;
    }

    /**
     * Sets the limiter's name.
     *
     * @param name 1 to 100 ASCII letters, digits, '-', '_', '.' or ':'
     * @throws IllegalArgumentException if it breaks that rule
     */
    public void setName(String name) {
      try {
        builder().name(name);
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException("switchboard.rate-limit.name: " + e.getMessage(), e);
      }
      this.name = name;
    }

    /**
     * Returns the HTTP filter settings.
     *
     * @return {@code switchboard.rate-limit.http.*}
     */
    public RateLimitHttpProperties getHttp() {
      return http;
    }

    /**
     * Builds the policy of these settings.
     *
     * @return the policy
     * @throws IllegalArgumentException if the limits break a rule of {@link RateLimitPolicy} (the message
     *     names the property)
     */
    public RateLimitPolicy toPolicy() {
      RateLimitPolicy.Builder b = RateLimitPolicy.builder().algorithm(algorithm);
      try {
        for (int i = 0; i < limits.size(); i++) {
          RateLimitPolicy.Limit l = parseLimit(limits.get(i), i);
          b.limit(l.count(), l.window());
        }
        return b.build();
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("switchboard.rate-limit.limits: " + e.getMessage(), e);
      }
    }

    static RateLimitPolicy.Limit parseLimit(@Nullable String text, int index) {
      return parseLimit("switchboard.rate-limit.limits[" + index + "]", text);
    }

    /** A throwaway builder whose setters check a value by the limiter's own rule. */
    private static RateLimiters.Builder builder() {
      return RateLimiters.builder(RateLimitPolicy.builder().limit(1, Duration.ofSeconds(1)).build());
    }

    static RateLimitPolicy.Limit parseLimit(String field, @Nullable String text) {
      if (text == null) {
        throw new IllegalArgumentException(field + " must not be empty");
      }
      String s = text.strip();
      int slash = s.indexOf('/');
      if (slash <= 0 || slash == s.length() - 1) {
        throw new IllegalArgumentException(
            field + " must be COUNT/DURATION, for example 60/1m or 1000/1h, was '" + text + "'");
      }
      long count;
      try {
        count = Long.parseLong(s.substring(0, slash).strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            field + ": the count before '/' must be a whole number, was '" + text + "'", e);
      }
      Duration window;
      try {
        window = DurationStyle.detectAndParse(s.substring(slash + 1).strip());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            field + ": the duration after '/' must be a Spring duration such as 1m, 1h, 500ms or PT1M, was '"
                + text + "'", e);
      }
      try {
        return new RateLimitPolicy.Limit(count, window);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
      }
    }
  }

  /** {@code switchboard.pool.*}: the {@code DecoderPool} bean. */
  public static class Pool {
    /** Whether to create the DecoderPool bean. */
    private boolean enabled = true;

    /** The pool's name: 1 to 64 letters, digits, '.', '_', ':' or '-'. */
    private String name = "default";

    /** The pool file (decoder_pool.json): the store without Redis, the fallback and mirror with it. */
    private Path file = Path.of("config/decoder_pool.json");

    /**
     * Returns whether the pool bean is created.
     *
     * @return true if created
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether the pool bean is created.
     *
     * @param enabled false for no pool
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns the pool's name.
     *
     * @return the name
     */
    public String getName() {
      return name;
    }

    /**
     * Sets the pool's name.
     *
     * @param name 1 to 64 letters, digits, '.', '_', ':' or '-'
     * @throws IllegalArgumentException if it breaks that rule
     */
    public void setName(String name) {
      if (name == null || !name.matches("[A-Za-z0-9._:-]{1,64}")) {
        throw new IllegalArgumentException(
            "switchboard.pool.name must be 1 to 64 letters, digits, '.', '_', ':' or '-', was '" + name + "'");
      }
      this.name = name;
    }

    /**
     * Returns the pool file.
     *
     * @return the file
     */
    public Path getFile() {
      return file;
    }

    /**
     * Sets the pool file.
     *
     * @param file the file; it need not exist
     */
    public void setFile(Path file) {
      this.file = Objects.requireNonNull(file, "switchboard.pool.file");
    }
  }

  /**
   * {@code switchboard.cache.*}: the {@code TranslationCache} bean. Each value is checked by the cache
   * builder's own rule when {@code switchboard-cache} is on the class path (without it no cache is built,
   * and {@code enabled=true} stops the application).
   */
  public static class Cache {
    /** The default of {@code switchboard.cache.name}: {@value}. */
    public static final String DEFAULT_NAME = "translations";

    private static final boolean CACHE_ON_CLASS_PATH =
        ClassUtils.isPresent("io.github.switchboard.cache.TranslationCaches", Cache.class.getClassLoader());

    /** Whether to create the TranslationCache bean (needs io.github.switchboard:switchboard-cache). */
    private boolean enabled = false;

    /**
     * The cache's name: 1 to 100 ASCII letters, digits, '-', '_', '.' or ':'. Instances of one name on one
     * Redis share their entries; also the name tag of its meters and its circuit breaker's name
     * (switchboard-NAME).
     */
    private String name = DEFAULT_NAME;

    /** How long an entry lives in Redis and in the near cache: 1s to 365d. */
    private Duration timeToLive = Duration.ofDays(7);

    /**
     * How many results the process keeps in its near cache (0: none); without Redis, the whole cache's
     * size. 0 to 100000000.
     */
    private int nearCacheSize = 10_000;

    /**
     * Returns whether the cache bean is created.
     *
     * @return true if created
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether the cache bean is created.
     *
     * @param enabled true for a cache
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns the cache's name.
     *
     * @return the name
     */
    public String getName() {
      return name;
    }

    /**
     * Sets the cache's name.
     *
     * @param name 1 to 100 ASCII letters, digits, '-', '_', '.' or ':'
     * @throws IllegalArgumentException if it breaks that rule
     */
    public void setName(String name) {
      check("switchboard.cache.name", () -> TranslationCaches.builder(name));
      this.name = name;
    }

    /**
     * Returns the time to live.
     *
     * @return how long an entry lives
     */
    public Duration getTimeToLive() {
      return timeToLive;
    }

    /**
     * Sets the time to live.
     *
     * @param timeToLive 1 s to 365 days
     * @throws IllegalArgumentException if out of range
     */
    public void setTimeToLive(Duration timeToLive) {
      check("switchboard.cache.time-to-live",
          () -> TranslationCaches.builder(DEFAULT_NAME).timeToLive(timeToLive));
      this.timeToLive = timeToLive;
    }

    /**
     * Returns the near cache's size.
     *
     * @return entries
     */
    public int getNearCacheSize() {
      return nearCacheSize;
    }

    /**
     * Sets the near cache's size.
     *
     * @param nearCacheSize 0 to 100,000,000 entries
     * @throws IllegalArgumentException if out of range
     */
    public void setNearCacheSize(int nearCacheSize) {
      check("switchboard.cache.near-cache-size",
          () -> TranslationCaches.builder(DEFAULT_NAME).nearCacheSize(nearCacheSize));
      this.nearCacheSize = nearCacheSize;
    }

    /**
     * Applies a rule of the cache's builder to a value, naming the property when it fails. The rule is a
     * lambda, so that this class links without switchboard-cache (the lambda's body is only run with it).
     */
    private static void check(String property, Runnable rule) {
      if (!CACHE_ON_CLASS_PATH) {
        return;
      }
      try {
        rule.run();
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException(property + ": " + e.getMessage(), e);
      }
    }
  }

  private static Duration positive(Duration d, String field) {
    Objects.requireNonNull(d, field);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(field + " must be positive, was " + d);
    }
    return d;
  }
}
