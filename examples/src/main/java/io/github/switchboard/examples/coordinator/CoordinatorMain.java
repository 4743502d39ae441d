package io.github.switchboard.examples.coordinator;

import java.io.PrintStream;
import java.util.Map;

/**
 * Runs the example coordinator, configured by environment variables (see {@link CoordinatorConfig}):
 * {@code java -jar examples/target/example-coordinator.jar}.
 *
 * <p>It prints {@code listening on http://HOST:PORT} on standard output when ready and, if {@code
 * COORDINATOR_API_TOKEN} is not set, the generated token once before that. Logs go to standard error. It
 * stops cleanly on SIGTERM or Ctrl-C. Exit codes: {@code 2} a variable has a bad value (the message names
 * it), {@code 1} any other failure to start.
 */
public final class CoordinatorMain {
  private CoordinatorMain() {}

  private static final String USAGE = String.join(System.lineSeparator(),
      "usage: java -jar example-coordinator.jar",
      "",
      "The example Switchboard coordinator. Configured by environment variables:",
      "  HOST                    address to listen on (default 0.0.0.0)",
      "  PORT                    port (default 8002; 0 picks a free one)",
      "  REDIS_URL               redis://, rediss://, redis-sentinel:// or redis-cluster:// URL",
      "                          (unset: a file pool and an in-memory rate limiter)",
      "  POOL_NAME               decoder pool name (default 'default')",
      "  POOL_CONFIG_PATH        pool file (default config/decoder_pool.json)",
      "  COORDINATOR_API_TOKEN   Bearer token for writes, 16+ characters (unset: one is generated and",
      "                          printed once)",
      "  RATE_LIMIT_PER_MINUTE   routing requests per minute per API key (default 60)",
      "  RATE_LIMIT_PER_HOUR     routing requests per hour per API key (default 1000)",
      "  API_KEYS_FILE           file of SHA-256 hex digests of accepted X-API-Key values, one per line",
      "                          (unset: any non-empty key is accepted and limited on its own)",
      "  MAX_API_KEYS            without API_KEYS_FILE, the most distinct API keys per hour (default 100000)",
      "  EXPECTED_INSTANCES      coordinators sharing the limits: while Redis is down each grants",
      "                          limit / EXPECTED_INSTANCES (default 1)",
      "  HTTP_THREADS            HTTP worker threads (default 8)",
      "  HTTP_IDLE_TIMEOUT_SECONDS  seconds a connection may send nothing before it is closed (default 30)",
      "  HTTP_HEADER_TIMEOUT_SECONDS  seconds a request's line and headers may take (default 10)",
      "  HTTP_MIN_BODY_BYTES_PER_SECOND  slowest average body rate; slower is 408 (default 1024)",
      "  HTTP_MAX_CONNECTIONS    open connections at most (default 10000)",
      "  HTTP_MAX_CONNECTIONS_PER_ADDRESS  open connections from one client address (default 256)",
      "  DECODE_MAX_BYTES        largest POST /api/v1/decode body (default 1048576, at most 16777216)",
      "  DECODE_TIMEOUT_MS       how long a decode may wait for the nodes (default 30000)",
      "  CACHE_ENABLED           cache decode results: true (default) or false",
      "  CACHE_TTL_SECONDS       how long a result stays cached (default 604800, 7 days)",
      "  CACHE_NEAR_SIZE         results kept in memory per coordinator; without Redis the whole cache",
      "                          (default 10000)");

  /**
   * Starts the coordinator from the environment; exits with 2 on a bad variable, 1 on another failure.
   *
   * @param args {@code --help} prints the variables; nothing else is accepted
   */
  public static void main(String[] args) {
    if (args.length > 0) {
      boolean help = args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"));
      (help ? System.out : System.err).println(USAGE);
      if (!help) {
        System.exit(2);
      }
      return;
    }
    int code = run(System.getenv(), System.out, System.err);
    if (code != 0) {
      System.exit(code);
    }
  }

  /**
   * Starts a coordinator from variables and registers a shutdown hook that closes it.
   *
   * @return 0 when started, else the exit code
   */
  static int run(Map<String, String> env, PrintStream out, PrintStream err) {
    Coordinator coordinator;
    try {
      CoordinatorConfig config = CoordinatorConfig.fromEnvironment(env);
      coordinator = Coordinator.start(config);
    } catch (ConfigException e) {
      err.println("example-coordinator: " + e.getMessage());
      return 2;
    } catch (RuntimeException e) {
      err.println("example-coordinator: cannot start: " + e);
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(coordinator::close, "coordinator-shutdown"));
    CoordinatorConfig config = coordinator.config();
    if (config.apiTokenGenerated()) {
      // printed once, on standard output, never logged
      out.println("COORDINATOR_API_TOKEN is not set; the token of this run is: " + config.apiToken());
    }
    out.println("listening on " + coordinator.uri());
    out.flush();
    return 0;
  }
}
