package io.github.switchboard.examples.coordinator;

import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.HealthCheckConfig;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The settings of a {@link Coordinator}. Immutable; build one with {@link #builder(String)} or read one
 * from environment variables with {@link #fromEnvironment(Map)}. {@link #toString()} never shows the API
 * token.
 *
 * @param host the address to listen on ({@code 0.0.0.0}: every interface)
 * @param port the port to listen on; 0 picks a free one
 * @param redis where Redis is, or null for a file pool and an in-memory limiter
 * @param poolName the name of the decoder pool
 * @param poolFile the pool file: the store without Redis, the fallback and mirror with it
 * @param apiToken the Bearer token that authorizes writes to the pool
 * @param apiTokenGenerated whether the token was generated at start (and so must be shown to the operator)
 * @param perMinute how many routing requests one API key may make per minute
 * @param perHour how many routing requests one API key may make per hour
 * @param apiKeyDigests the lower-case SHA-256 hex digests of the accepted {@code X-API-Key} values, or
 *     null to accept any non-empty key
 * @param healthChecks the pool's health checks of its nodes
 * @param maxBodyBytes the largest request body accepted (but on {@code POST /api/v1/decode}, whose limit
 *     is {@link DecodeConfig#maxBytes()}); a larger one gets {@code 413}
 * @param threads how many worker threads serve HTTP requests
 * @param idleTimeout how long a connection may send nothing (while idle, or in the middle of a request)
 *     before it is closed; a body that stops arriving is answered {@code 408}
 * @param expectedInstances how many coordinators share the limits: while Redis is down, each limits
 *     locally to its share ({@code limit / expectedInstances}, at least 1)
 * @param maxApiKeys without {@code apiKeyDigests}, the most distinct API keys held at once; past it a new
 *     key takes the place of an idle one or of one of the address holding the most, or gets {@code 429}
 *     (see {@link FleetConfig#apiKeyIdle()})
 * @param decode the settings of {@code POST /api/v1/decode} and its cache
 * @param eventStreams the most {@code GET /api/v1/events} streams open at once; one more gets {@code 503}
 * @param fleet the node networks and the key budget's idle time ({@link FleetConfig})
 * @param http the bounds on client connections: header timeout, body rate, connections ({@link HttpLimits})
 */
public record CoordinatorConfig(
    String host,
    int port,
    @Nullable RedisTarget redis,
    String poolName,
    Path poolFile,
    String apiToken,
    boolean apiTokenGenerated,
    long perMinute,
    long perHour,
    @Nullable Set<String> apiKeyDigests,
    HealthCheckConfig healthChecks,
    int maxBodyBytes,
    int threads,
    Duration idleTimeout,
    int expectedInstances,
    long maxApiKeys,
    DecodeConfig decode,
    int eventStreams,
    FleetConfig fleet,
    HttpLimits http) {

  /** The variable naming the address to listen on (default {@value #DEFAULT_HOST}). */
  public static final String ENV_HOST = "HOST";
  /** The variable naming the port (default {@value #DEFAULT_PORT}). */
  public static final String ENV_PORT = "PORT";
  /** The variable holding the Redis URL (absent: a file pool and an in-memory limiter). */
  public static final String ENV_REDIS_URL = "REDIS_URL";
  /** The variable naming the pool (default {@value #DEFAULT_POOL_NAME}). */
  public static final String ENV_POOL_NAME = "POOL_NAME";
  /** The variable naming the pool file (default {@value #DEFAULT_POOL_FILE}). */
  public static final String ENV_POOL_CONFIG_PATH = "POOL_CONFIG_PATH";
  /** The variable holding the Bearer token for writes (absent: one is generated). */
  public static final String ENV_COORDINATOR_API_TOKEN = "COORDINATOR_API_TOKEN";
  /** The variable holding the per-minute limit of each API key (default {@value #DEFAULT_PER_MINUTE}). */
  public static final String ENV_RATE_LIMIT_PER_MINUTE = "RATE_LIMIT_PER_MINUTE";
  /** The variable holding the per-hour limit of each API key (default {@value #DEFAULT_PER_HOUR}). */
  public static final String ENV_RATE_LIMIT_PER_HOUR = "RATE_LIMIT_PER_HOUR";
  /** The variable naming the file of accepted API key digests (absent: any non-empty key). */
  public static final String ENV_API_KEYS_FILE = "API_KEYS_FILE";
  /** The variable holding the number of HTTP worker threads (default {@value #DEFAULT_THREADS}). */
  public static final String ENV_HTTP_THREADS = "HTTP_THREADS";
  /** The variable holding the idle timeout in seconds (default {@value #DEFAULT_IDLE_TIMEOUT_SECONDS}). */
  public static final String ENV_HTTP_IDLE_TIMEOUT_SECONDS = "HTTP_IDLE_TIMEOUT_SECONDS";
  /** The variable holding how many coordinators share the limits (default 1). */
  public static final String ENV_EXPECTED_INSTANCES = "EXPECTED_INSTANCES";
  /** The variable holding the most distinct API keys per hour without a keys file (default {@value #DEFAULT_MAX_API_KEYS}). */
  public static final String ENV_MAX_API_KEYS = "MAX_API_KEYS";
  /** The variable holding the most event streams open at once (default {@value #DEFAULT_EVENT_STREAMS}). */
  public static final String ENV_EVENT_STREAMS = "EVENT_STREAMS";

  /** The default address: every interface. */
  public static final String DEFAULT_HOST = "0.0.0.0";
  /** The default port. */
  public static final int DEFAULT_PORT = 8002;
  /** The default pool name, the one the registration client uses by default. */
  public static final String DEFAULT_POOL_NAME = "default";
  /** The default pool file, relative to the working directory. */
  public static final String DEFAULT_POOL_FILE = "config/decoder_pool.json";
  /** The default per-minute limit of an API key. */
  public static final long DEFAULT_PER_MINUTE = 60;
  /** The default per-hour limit of an API key. */
  public static final long DEFAULT_PER_HOUR = 1000;
  /** The default largest request body, 64 KiB. */
  public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
  /** The default number of HTTP worker threads. */
  public static final int DEFAULT_THREADS = 8;
  /** The default idle timeout, in seconds. */
  public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 30;
  /** The default bound on distinct API keys per hour without {@code API_KEYS_FILE}. */
  public static final long DEFAULT_MAX_API_KEYS = 100_000;
  /** The default bound on {@code GET /api/v1/events} streams open at once. */
  public static final int DEFAULT_EVENT_STREAMS = 100;
  /** The most event streams that may be allowed at once. */
  public static final int MAX_EVENT_STREAMS = 10_000;
  /** The most HTTP worker threads. */
  public static final int MAX_THREADS = 1000;
  /** The fewest characters an API token may have. */
  public static final int MIN_TOKEN_LENGTH = 16;

  private static final int MAX_TOKEN_LENGTH = 1024;
  private static final Pattern DIGEST = Pattern.compile("[0-9a-fA-F]{64}");

  /**
   * Checks the settings.
   *
   * @throws IllegalArgumentException if a setting is out of its range; the message names it
   */
  public CoordinatorConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(poolName, "poolName");
    Objects.requireNonNull(poolFile, "poolFile");
    Objects.requireNonNull(apiToken, "apiToken");
    Objects.requireNonNull(healthChecks, "healthChecks");
    if (host.isBlank()) {
      throw new IllegalArgumentException("host must not be blank");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be from 0 to 65535, was " + port);
    }
    String tokenProblem = tokenProblem(apiToken);
    if (tokenProblem != null) {
      throw new IllegalArgumentException("apiToken " + tokenProblem);
    }
    if (perMinute < 1 || perMinute > RateLimitPolicy.MAX_COUNT) {
      throw new IllegalArgumentException(
          "perMinute must be from 1 to " + RateLimitPolicy.MAX_COUNT + ", was " + perMinute);
    }
    if (perHour < 1 || perHour > RateLimitPolicy.MAX_COUNT) {
      throw new IllegalArgumentException(
          "perHour must be from 1 to " + RateLimitPolicy.MAX_COUNT + ", was " + perHour);
    }
    if (apiKeyDigests != null) {
      Set<String> digests = new LinkedHashSet<>();
      for (String d : apiKeyDigests) {
        if (d == null || !DIGEST.matcher(d).matches()) {
          throw new IllegalArgumentException(
              "apiKeyDigests must hold SHA-256 hex digests (64 hex digits)");
        }
        digests.add(d.toLowerCase(Locale.ROOT));
      }
      if (digests.isEmpty()) {
        throw new IllegalArgumentException("apiKeyDigests must not be empty (null accepts any key)");
      }
      apiKeyDigests = Set.copyOf(digests);
    }
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes must be positive, was " + maxBodyBytes);
    }
    if (threads < 1 || threads > MAX_THREADS) {
      throw new IllegalArgumentException("threads must be from 1 to " + MAX_THREADS + ", was " + threads);
    }
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    if (idleTimeout.toMillis() < 100 || idleTimeout.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("idleTimeout must be from 100 ms to 1 h, was " + idleTimeout);
    }
    if (expectedInstances < 1 || expectedInstances > 10_000) {
      throw new IllegalArgumentException("expectedInstances must be from 1 to 10000, was " + expectedInstances);
    }
    if (maxApiKeys < 1) {
      throw new IllegalArgumentException("maxApiKeys must be positive, was " + maxApiKeys);
    }
    Objects.requireNonNull(decode, "decode");
    Objects.requireNonNull(fleet, "fleet");
    Objects.requireNonNull(http, "http");
    if (eventStreams < 1 || eventStreams > MAX_EVENT_STREAMS) {
      throw new IllegalArgumentException(
          "eventStreams must be from 1 to " + MAX_EVENT_STREAMS + ", was " + eventStreams);
    }
  }

  /**
   * Starts settings with the defaults (port {@value #DEFAULT_PORT}, no Redis, pool file {@value
   * #DEFAULT_POOL_FILE}, {@value #DEFAULT_PER_MINUTE} a minute and {@value #DEFAULT_PER_HOUR} an hour per
   * key, any key accepted, health checks on).
   *
   * @param apiToken the Bearer token for writes: at least {@value #MIN_TOKEN_LENGTH} visible ASCII
   *     characters (checked by {@link Builder#build()})
   * @return a builder
   */
  public static Builder builder(String apiToken) {
    return new Builder(Objects.requireNonNull(apiToken, "apiToken"));
  }

  /**
   * Returns a new random API token: 32 bytes from a {@link SecureRandom}, Base64url-encoded (43
   * characters).
   *
   * @return the token
   */
  public static String generateToken() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * Reads the settings from environment variables. Absent and empty variables take their defaults; an
   * absent {@code COORDINATOR_API_TOKEN} is replaced by a {@link #generateToken() generated} one (and
   * {@link #apiTokenGenerated()} is true). {@code API_KEYS_FILE}, if set, is read now.
   *
   * @param env the variables, usually {@link System#getenv()}
   * @return the settings
   * @throws ConfigException if a variable's value cannot be used; the message names the variable
   */
  public static CoordinatorConfig fromEnvironment(Map<String, String> env) {
    Objects.requireNonNull(env, "env");
    Builder b = new Builder("");
    String host = value(env, ENV_HOST);
    if (host != null) {
      if (host.chars().anyMatch(c -> c <= ' ' || c == '/' || c >= 0x7f)) {
        throw new ConfigException(ENV_HOST, ENV_HOST + " must be a host name or an IP address, was '"
            + host + "'");
      }
      b.host(host);
    }
    String port = value(env, ENV_PORT);
    if (port != null) {
      b.port((int) number(ENV_PORT, port, 0, 65535));
    }
    String redis = value(env, ENV_REDIS_URL);
    if (redis != null) {
      try {
        b.redis(RedisTarget.parse(redis));
      } catch (IllegalArgumentException e) {
        // RedisTarget's message quotes the URL with its password replaced by ***
        throw new ConfigException(ENV_REDIS_URL, ENV_REDIS_URL + ": " + e.getMessage(), e);
      }
    }
    String poolName = value(env, ENV_POOL_NAME);
    if (poolName != null) {
      if (!poolName.matches("[A-Za-z0-9._:-]{1,64}")) {
        throw new ConfigException(ENV_POOL_NAME, ENV_POOL_NAME
            + " must be 1 to 64 letters, digits, '.', '_', ':' or '-', was '" + poolName + "'");
      }
      b.poolName(poolName);
    }
    String poolFile = value(env, ENV_POOL_CONFIG_PATH);
    if (poolFile != null) {
      b.poolFile(path(ENV_POOL_CONFIG_PATH, poolFile));
    }
    String token = value(env, ENV_COORDINATOR_API_TOKEN);
    if (token != null) {
      String problem = tokenProblem(token);
      if (problem != null) {
        // never quote the token itself
        throw new ConfigException(ENV_COORDINATOR_API_TOKEN, ENV_COORDINATOR_API_TOKEN + " " + problem
            + "; generate one with: openssl rand -hex 32");
      }
      b.apiToken = token;
    } else {
      b.apiToken = generateToken();
      b.apiTokenGenerated = true;
    }
    String perMinute = value(env, ENV_RATE_LIMIT_PER_MINUTE);
    if (perMinute != null) {
      b.perMinute(number(ENV_RATE_LIMIT_PER_MINUTE, perMinute, 1, RateLimitPolicy.MAX_COUNT));
    }
    String perHour = value(env, ENV_RATE_LIMIT_PER_HOUR);
    if (perHour != null) {
      b.perHour(number(ENV_RATE_LIMIT_PER_HOUR, perHour, 1, RateLimitPolicy.MAX_COUNT));
    }
    String keysFile = value(env, ENV_API_KEYS_FILE);
    if (keysFile != null) {
      b.apiKeyDigests(readDigests(path(ENV_API_KEYS_FILE, keysFile)));
    }
    String threads = value(env, ENV_HTTP_THREADS);
    if (threads != null) {
      b.threads((int) number(ENV_HTTP_THREADS, threads, 1, MAX_THREADS));
    }
    String idle = value(env, ENV_HTTP_IDLE_TIMEOUT_SECONDS);
    if (idle != null) {
      b.idleTimeout(Duration.ofSeconds(number(ENV_HTTP_IDLE_TIMEOUT_SECONDS, idle, 1, 3600)));
    }
    String instances = value(env, ENV_EXPECTED_INSTANCES);
    if (instances != null) {
      b.expectedInstances((int) number(ENV_EXPECTED_INSTANCES, instances, 1, 10_000));
    }
    String maxKeys = value(env, ENV_MAX_API_KEYS);
    if (maxKeys != null) {
      b.maxApiKeys(number(ENV_MAX_API_KEYS, maxKeys, 1, 100_000_000));
    }
    String streams = value(env, ENV_EVENT_STREAMS);
    if (streams != null) {
      b.eventStreams((int) number(ENV_EVENT_STREAMS, streams, 1, MAX_EVENT_STREAMS));
    }
    b.decode(DecodeConfig.fromEnvironment(env));
    b.fleet(FleetConfig.fromEnvironment(env));
    b.http(HttpLimits.fromEnvironment(env));
    return b.build();
  }

  /**
   * Reads a file of accepted API key digests: one SHA-256 hex digest per line; blank lines and lines
   * starting with {@code #} are skipped.
   *
   * @param file the file
   * @return the digests, lower case
   * @throws ConfigException (naming {@code API_KEYS_FILE}) if the file cannot be read, a line is not a
   *     digest (the line is never quoted: it could be a key) or there is no digest
   */
  public static Set<String> readDigests(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(ENV_API_KEYS_FILE, ENV_API_KEYS_FILE + ": cannot read " + file + ": " + e,
          e);
    }
    Set<String> digests = new LinkedHashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (!DIGEST.matcher(line).matches()) {
        throw new ConfigException(ENV_API_KEYS_FILE, ENV_API_KEYS_FILE + ": " + file + " line " + (i + 1)
            + " is not a SHA-256 hex digest (64 hex digits); store digests, never keys, e.g. the output of:"
            + " printf %s \"$KEY\" | sha256sum");
      }
      digests.add(line.toLowerCase(Locale.ROOT));
    }
    if (digests.isEmpty()) {
      throw new ConfigException(ENV_API_KEYS_FILE, ENV_API_KEYS_FILE + ": " + file
          + " holds no digest; leave " + ENV_API_KEYS_FILE + " unset to accept any key");
    }
    return digests;
  }

  /** The rate-limit policy of routing requests: both limits per API key, as a sliding-window log. */
  RateLimitPolicy policy() {
    return RateLimitPolicy.builder()
        .algorithm(io.github.switchboard.ratelimit.Algorithm.SLIDING_WINDOW_LOG)
        .limit(perMinute, Duration.ofMinutes(1))
        .limit(perHour, Duration.ofHours(1))
        .build();
  }

  /** Returns the settings without the token (shown as {@code ***}) and with only the count of digests. */
  @Override
  public String toString() {
    return "CoordinatorConfig[host=" + host + ", port=" + port + ", redis="
        + (redis == null ? "none" : redis.redactedUrl()) + ", poolName=" + poolName + ", poolFile="
        + poolFile + ", apiToken=***" + (apiTokenGenerated ? " (generated)" : "") + ", perMinute="
        + perMinute + ", perHour=" + perHour + ", apiKeys="
        + (apiKeyDigests == null ? "any" : apiKeyDigests.size() + " digests") + ", healthChecks="
        + healthChecks + ", maxBodyBytes=" + maxBodyBytes + ", threads=" + threads + ", idleTimeout="
        + idleTimeout + ", expectedInstances=" + expectedInstances + ", maxApiKeys=" + maxApiKeys
        + ", decode=" + decode + ", eventStreams=" + eventStreams + ", fleet=" + fleet + ", http=" + http + "]";
  }

  private static @Nullable String tokenProblem(String token) {
    if (token.length() < MIN_TOKEN_LENGTH || token.length() > MAX_TOKEN_LENGTH) {
      return "must be " + MIN_TOKEN_LENGTH + " to " + MAX_TOKEN_LENGTH + " characters long, was "
          + token.length();
    }
    if (token.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
      return "must be visible ASCII characters only (no spaces)";
    }
    return null;
  }

  /** The variable's value, or null when it is absent or empty. */
  static @Nullable String value(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isEmpty() ? null : v;
  }

  /** The variable's value as a whole number from min to max, or a ConfigException naming it. */
  static long number(String name, String text, long min, long max) {
    long n;
    try {
      n = Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      throw new ConfigException(name, name + " must be a whole number from " + min + " to " + max
          + ", was '" + text + "'", e);
    }
    if (n < min || n > max) {
      throw new ConfigException(name, name + " must be a whole number from " + min + " to " + max
          + ", was " + n);
    }
    return n;
  }

  private static Path path(String name, String text) {
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      throw new ConfigException(name, name + " is not a valid path: " + e.getMessage(), e);
    }
  }

  /** Builds a {@link CoordinatorConfig}; {@link #build()} checks the settings. */
  public static final class Builder {
    private String host = DEFAULT_HOST;
    private int port = DEFAULT_PORT;
    private @Nullable RedisTarget redis;
    private String poolName = DEFAULT_POOL_NAME;
    private Path poolFile = Path.of(DEFAULT_POOL_FILE);
    private String apiToken;
    private boolean apiTokenGenerated;
    private long perMinute = DEFAULT_PER_MINUTE;
    private long perHour = DEFAULT_PER_HOUR;
    private @Nullable Set<String> apiKeyDigests;
    private HealthCheckConfig healthChecks = HealthCheckConfig.defaults();
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private int threads = DEFAULT_THREADS;
    private Duration idleTimeout = Duration.ofSeconds(DEFAULT_IDLE_TIMEOUT_SECONDS);
    private int expectedInstances = 1;
    private long maxApiKeys = DEFAULT_MAX_API_KEYS;
    private DecodeConfig decode = DecodeConfig.defaults();
    private int eventStreams = DEFAULT_EVENT_STREAMS;
    private FleetConfig fleet = FleetConfig.defaults();
    private HttpLimits http = HttpLimits.defaults();

    private Builder(String apiToken) {
      this.apiToken = apiToken;
    }

    /**
     * Sets the address to listen on (default {@value CoordinatorConfig#DEFAULT_HOST}).
     *
     * @param value a host name or IP address
     * @return this builder
     */
    public Builder host(String value) {
      this.host = Objects.requireNonNull(value, "host");
      return this;
    }

    /**
     * Sets the port (default {@value CoordinatorConfig#DEFAULT_PORT}); 0 picks a free one.
     *
     * @param value 0 to 65535
     * @return this builder
     */
    public Builder port(int value) {
      this.port = value;
      return this;
    }

    /**
     * Uses Redis for the pool and the limiter (default: none, a file pool and an in-memory limiter).
     *
     * @param target where Redis is, or null for none
     * @return this builder
     */
    public Builder redis(@Nullable RedisTarget target) {
      this.redis = target;
      return this;
    }

    /**
     * Sets the pool's name (default {@value CoordinatorConfig#DEFAULT_POOL_NAME}).
     *
     * @param value the name, as {@link DecoderPools#builder(String)} takes it
     * @return this builder
     */
    public Builder poolName(String value) {
      this.poolName = Objects.requireNonNull(value, "poolName");
      return this;
    }

    /**
     * Sets the pool file (default {@value CoordinatorConfig#DEFAULT_POOL_FILE}); its directory is created
     * at start and the file on the first change.
     *
     * @param value the file
     * @return this builder
     */
    public Builder poolFile(Path value) {
      this.poolFile = Objects.requireNonNull(value, "poolFile");
      return this;
    }

    /**
     * Sets how many routing requests one API key may make per minute (default {@value
     * CoordinatorConfig#DEFAULT_PER_MINUTE}).
     *
     * @param value at least 1
     * @return this builder
     */
    public Builder perMinute(long value) {
      this.perMinute = value;
      return this;
    }

    /**
     * Sets how many routing requests one API key may make per hour (default {@value
     * CoordinatorConfig#DEFAULT_PER_HOUR}).
     *
     * @param value at least 1
     * @return this builder
     */
    public Builder perHour(long value) {
      this.perHour = value;
      return this;
    }

    /**
     * Accepts only the API keys whose SHA-256 hex digests are given (default: any non-empty key).
     *
     * @param digests the digests, or null to accept any key
     * @return this builder
     */
    public Builder apiKeyDigests(@Nullable Set<String> digests) {
      this.apiKeyDigests = digests;
      return this;
    }

    /**
     * Sets the pool's health checks (default {@link HealthCheckConfig#defaults()}).
     *
     * @param value the configuration, {@link HealthCheckConfig#DISABLED} to turn them off
     * @return this builder
     */
    public Builder healthChecks(HealthCheckConfig value) {
      this.healthChecks = Objects.requireNonNull(value, "healthChecks");
      return this;
    }

    /**
     * Sets the largest request body accepted (default {@value CoordinatorConfig#DEFAULT_MAX_BODY_BYTES}
     * bytes).
     *
     * @param value at least 1
     * @return this builder
     */
    public Builder maxBodyBytes(int value) {
      this.maxBodyBytes = value;
      return this;
    }

    /**
     * Sets how many worker threads serve HTTP requests (default {@value CoordinatorConfig#DEFAULT_THREADS});
     * reading requests takes none.
     *
     * @param value from 1 to {@value CoordinatorConfig#MAX_THREADS}
     * @return this builder
     */
    public Builder threads(int value) {
      this.threads = value;
      return this;
    }

    /**
     * Sets how long a connection may send nothing before it is closed (default {@value
     * CoordinatorConfig#DEFAULT_IDLE_TIMEOUT_SECONDS} s); a request body that stops arriving for this long
     * is answered {@code 408}.
     *
     * @param value from 100 ms to 1 h
     * @return this builder
     */
    public Builder idleTimeout(Duration value) {
      this.idleTimeout = Objects.requireNonNull(value, "idleTimeout");
      return this;
    }

    /**
     * Sets how many coordinators share the limits (default 1): while Redis is down each one limits
     * locally to {@code limit / expectedInstances} (at least 1), so that together they stay near the
     * limit.
     *
     * @param value from 1 to 10000
     * @return this builder
     */
    public Builder expectedInstances(int value) {
      this.expectedInstances = value;
      return this;
    }

    /**
     * Without {@link #apiKeyDigests(Set)}, sets the most distinct API keys admitted per hour (default
     * {@value CoordinatorConfig#DEFAULT_MAX_API_KEYS}); this bounds the limiter's keys in memory and in
     * Redis. A new key past it gets {@code 429} until older keys age out.
     *
     * @param value at least 1
     * @return this builder
     */
    public Builder maxApiKeys(long value) {
      this.maxApiKeys = value;
      return this;
    }

    /**
     * Sets the settings of {@code POST /api/v1/decode} and its cache (default {@link
     * DecodeConfig#defaults()}).
     *
     * @param value the settings
     * @return this builder
     */
    public Builder decode(DecodeConfig value) {
      this.decode = Objects.requireNonNull(value, "decode");
      return this;
    }

    /**
     * Sets the most {@code GET /api/v1/events} streams open at once (default {@value
     * CoordinatorConfig#DEFAULT_EVENT_STREAMS}); one more gets {@code 503}.
     *
     * @param value from 1 to {@value CoordinatorConfig#MAX_EVENT_STREAMS}
     * @return this builder
     */
    public Builder eventStreams(int value) {
      this.eventStreams = value;
      return this;
    }

    /**
     * Sets the node networks and the key budget's idle time (default {@link FleetConfig#defaults()}).
     *
     * @param value the settings
     * @return this builder
     */
    public Builder fleet(FleetConfig value) {
      this.fleet = Objects.requireNonNull(value, "fleet");
      return this;
    }

    /**
     * Sets the bounds on client connections (default {@link HttpLimits#defaults()}).
     *
     * @param value the bounds
     * @return this builder
     */
    public Builder http(HttpLimits value) {
      this.http = Objects.requireNonNull(value, "http");
      return this;
    }

    /**
     * Checks the settings and builds them.
     *
     * @return the settings
     * @throws IllegalArgumentException if a setting is out of its range
     */
    public CoordinatorConfig build() {
      return new CoordinatorConfig(host, port, redis, poolName, poolFile, apiToken, apiTokenGenerated,
          perMinute, perHour, apiKeyDigests, healthChecks, maxBodyBytes, threads, idleTimeout,
          expectedInstances, maxApiKeys, decode, eventStreams, fleet, http);
    }
  }
}
