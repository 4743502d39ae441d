package io.github.switchboard.registration.cli;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The command line of {@code register-decoder-node}, filled by picocli. */
@Command(
    name = "register-decoder-node",
    sortOptions = false,
    usageHelpAutoWidth = true,
    headerHeading = "",
    synopsisHeading = "Usage: ",
    descriptionHeading = "%n",
    description = {
        "Registers a decoder node in a Switchboard pool: through the coordinator's HTTP API if"
            + " --coordinator-url is given, else directly in Redis if --redis-url is given, else in the pool"
            + " file; each channel is tried only if the one before cannot be reached or fails (a coordinator that"
            + " refuses the node or the API key ends the run). Never prompts.",
        "A re-run with the same endpoint updates the node (its id is derived from the endpoint)."},
    optionListHeading = "%nOptions:%n",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:registered (or deregistered)",
        "1:the node is invalid, its health check failed, or the coordinator refused it (400, 401, 403:"
            + " then no other channel is tried)",
        "2:the command line is wrong",
        "3:every channel failed (each failure is printed)"},
    footerHeading = "%nExamples:%n",
    footer = {
        "  export COORDINATOR_API_KEY=...",
        "  register-decoder-node --endpoint http://decoder-1:8001 --region us-east-1 \\",
        "      --coordinator-url http://coordinator:8002 --redis-url redis://redis:6379",
        "  register-decoder-node --endpoint http://decoder-1:8001 --deregister --json"})
final class CliOptions {

  @Option(names = "--endpoint", required = true, paramLabel = "URL",
      description = "The node's base URL, http or https.")
  @Nullable String endpoint;

  @Option(names = "--node-id", paramLabel = "ID",
      description = "The node's id (default: derived from the endpoint, decoder-HOST-PORT).")
  @Nullable String nodeId;

  @Option(names = "--region", paramLabel = "REGION", description = "The node's region, e.g. us-east-1.")
  @Nullable String region;

  @Option(names = {"--gpu-type", "--gpu_type"}, paramLabel = "TYPE", description = "The GPU type, e.g. T4.")
  @Nullable String gpuType;

  @Option(names = "--capacity", paramLabel = "N", description = "The capacity, > 0 (default: 100).")
  @Nullable Integer capacity;

  @Option(names = "--tags", split = ",", paramLabel = "TAG", description = "Tags, comma-separated: a,b.")
  List<String> tags = new ArrayList<>();

  @Option(names = "--languages", split = ",", paramLabel = "LANG",
      description = "Languages served, comma-separated: en,es (default: every language).")
  List<String> languages = new ArrayList<>();

  @Option(names = "--coordinator-url", paramLabel = "URL",
      description = "The coordinator's base URL (tried first).")
  @Nullable String coordinatorUrl;

  @Option(names = "--api-key", paramLabel = "TOKEN",
      description = "The coordinator's Bearer token (env COORDINATOR_API_KEY); never printed.")
  @Nullable String apiKey;

  @Option(names = "--redis-url", paramLabel = "URL",
      description = "The Redis URL (env REDIS_URL; tried second); its password is never printed.")
  @Nullable String redisUrl;

  @Option(names = "--pool", paramLabel = "NAME", description = "The pool's name in Redis (default: default).")
  @Nullable String pool;

  @Option(names = "--pool-file", paramLabel = "PATH",
      description = "The pool file (env POOL_CONFIG_PATH, default: config/decoder_pool.json; tried last)."
          + " Created if missing.")
  @Nullable String poolFile;

  @Option(names = "--skip-health-check", description = "Do not GET the node's /health first.")
  boolean skipHealthCheck;

  @Option(names = "--require-https",
      description = "Refuse plain-HTTP endpoints and coordinator URLs (default: accepted).")
  boolean requireHttps;

  @Option(names = "--deregister", description = "Remove the node instead (no health check).")
  boolean deregister;

  @Option(names = "--json", description = "Print one JSON object on standard output.")
  boolean json;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;
}
