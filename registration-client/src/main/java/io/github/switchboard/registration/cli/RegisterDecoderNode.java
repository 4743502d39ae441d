package io.github.switchboard.registration.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.PoolJson;
import io.github.switchboard.registration.ChannelFailure;
import io.github.switchboard.registration.DeregistrationResult;
import io.github.switchboard.registration.InvalidNodeException;
import io.github.switchboard.registration.RegistrationClient;
import io.github.switchboard.registration.RegistrationClients;
import io.github.switchboard.registration.RegistrationException;
import io.github.switchboard.registration.RegistrationRefusedException;
import io.github.switchboard.registration.RegistrationResult;
import io.github.switchboard.registration.internal.Failures;
import io.github.switchboard.registration.internal.Redaction;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/**
 * The {@code register-decoder-node} command-line tool ({@code java -jar register-decoder-node.jar}): checks
 * a decoder node's health, then registers it through the coordinator's API, else Redis, else the pool file.
 * Run it with {@code --help} for the flags. Exit codes: {@value #OK} registered or deregistered,
 * {@value #INVALID} the node is invalid or unhealthy or the coordinator refused it, {@value #USAGE} the command line is wrong,
 * {@value #ALL_FAILED} every channel failed.
 */
public final class RegisterDecoderNode {

  /** Exit code: the node was registered (or deregistered). */
  public static final int OK = 0;

  /**
   * Exit code: the node is invalid, its health check failed, or the coordinator answered and refused it
   * ({@code 400}, {@code 401}, {@code 403}; nothing is then written to Redis or the pool file).
   */
  public static final int INVALID = 1;

  /** Exit code: the command line is wrong. */
  public static final int USAGE = 2;

  /** Exit code: every channel failed. */
  public static final int ALL_FAILED = 3;

  /** The pool file used when neither {@code --pool-file} nor {@code POOL_CONFIG_PATH} is given. */
  public static final String DEFAULT_POOL_FILE = "config/decoder_pool.json";

  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final int MAX_NODE_ID = 128;
  private static final int MIN_SECRET = 4;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private RegisterDecoderNode() {}

  /**
   * Runs the tool and exits the JVM with its exit code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    // the shaded jar carries slf4j-simple: quiet by default, on standard error
    setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "error");
    setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
    System.exit(run(args, System.out, System.err, System.getenv()));
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  /**
   * Runs the tool in this JVM.
   *
   * @param args the command line
   * @param out where results go (with {@code --json}: exactly one JSON object, unless the command line is
   *     wrong)
   * @param err where usage errors, warnings and failures go
   * @param env the environment ({@code COORDINATOR_API_KEY}, {@code REDIS_URL}, {@code POOL_CONFIG_PATH})
   * @return the exit code: {@value #OK}, {@value #INVALID}, {@value #USAGE} or {@value #ALL_FAILED}
   */
  public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    Objects.requireNonNull(args, "args");
    Secrets secrets = Secrets.find(args, env);
    Output o = new Output(out, err, secrets);
    CliOptions opts = new CliOptions();
    CommandLine cmd = new CommandLine(opts);
    try {
      cmd.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      o.err("error: " + e.getMessage());
      o.err(usage(cmd));
      return USAGE;
    }
    if (cmd.isUsageHelpRequested()) {
      o.out(usage(cmd));
      return OK;
    }
    return new Invocation(opts, env, o).run();
  }

  private static String usage(CommandLine cmd) {
    StringWriter w = new StringWriter();
    cmd.usage(new PrintWriter(w), CommandLine.Help.Ansi.OFF);
    return w.toString().stripTrailing();
  }

  /**
   * Returns the node id the tool uses when {@code --node-id} is not given: {@code decoder-HOST-PORT}, with
   * the endpoint's path appended when it has one, every character outside {@code [A-Za-z0-9._-]} replaced
   * by {@code -}, and the host in lower case; the port is the default of the scheme when the URL has none.
   * The same endpoint always gives the same id, so a re-run updates the node instead of adding another.
   *
   * @param endpoint the node's endpoint
   * @return an id valid for {@link DecoderNode} (at most 128 characters: a longer one is cut and ends with
   *     a hash of the whole)
   */
  public static String defaultNodeId(URI endpoint) {
    Objects.requireNonNull(endpoint, "endpoint");
    String host = endpoint.getHost();
    if (host == null) {
      host = endpoint.getAuthority() == null ? "unknown" : endpoint.getAuthority();
    }
    host = host.toLowerCase(Locale.ROOT);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = endpoint.getPort();
    if (port < 0) {
      port = "https".equalsIgnoreCase(endpoint.getScheme()) ? 443 : 80;
    }
    String path = endpoint.getPath() == null ? "" : endpoint.getPath();
    path = path.replaceAll("^/+|/+$", "");
    String raw = "decoder-" + host + "-" + port + (path.isEmpty() ? "" : "-" + path);
    String id = raw.replaceAll("[^A-Za-z0-9._-]", "-");
    if (id.length() > MAX_NODE_ID) {
      id = id.substring(0, MAX_NODE_ID - 9) + "-" + sha256Hex(raw).substring(0, 8);
    }
    return id;
  }

  private static String sha256Hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** One run, after the command line parsed. */
  private static final class Invocation {
    private final CliOptions opts;
    private final Map<String, String> env;
    private final Output o;

    Invocation(CliOptions opts, Map<String, String> env, Output o) {
      this.opts = opts;
      this.env = env;
      this.o = o;
    }

    int run() {
      // 1. the channels (a wrong value here is a wrong command line: exit 2)
      RegistrationClients.Builder builder = RegistrationClients.builder();
      String apiKey = value(opts.apiKey, "COORDINATOR_API_KEY");
      String coordinatorUrl = blankToNull(opts.coordinatorUrl);
      String redisUrl = value(opts.redisUrl, "REDIS_URL");
      String poolFile = value(opts.poolFile, "POOL_CONFIG_PATH");
      String pool = opts.pool == null ? RegistrationClients.DEFAULT_POOL : opts.pool;
      Path file;
      try {
        if (coordinatorUrl != null) {
          if (apiKey == null) {
            return usage("--coordinator-url needs --api-key or COORDINATOR_API_KEY");
          }
          builder.coordinator(parseUri(coordinatorUrl, "--coordinator-url"), apiKey);
        }
        if (redisUrl != null) {
          builder.redis(RedisTarget.parse(redisUrl), pool); // the pool file has no pool name: --pool is for Redis
        }
        file = Path.of(poolFile == null ? DEFAULT_POOL_FILE : poolFile);
        builder.file(file).requireHttps(opts.requireHttps).requestTimeout(TIMEOUT);
      } catch (IllegalArgumentException e) { // InvalidPathException is one too
        return usage(e.getMessage());
      }

      // 2. the node (invalid: exit 1)
      DecoderNode node;
      try {
        node = node();
      } catch (IllegalArgumentException e) {
        return invalid(null, "invalid node: " + e.getMessage());
      }
      if (opts.requireHttps && !"https".equalsIgnoreCase(node.endpoint().getScheme())) {
        return invalid(node, "invalid node: --require-https is set but the endpoint is "
            + Redaction.urls(node.endpoint().toString()));
      }

      // 3. the health check (not for a removal)
      if (!opts.deregister && !opts.skipHealthCheck) {
        String problem = healthProblem(node.effectiveHealthUrl());
        if (problem != null) {
          return result(node, "unhealthy", INVALID, "health check failed: " + problem
              + " (use --skip-health-check to register anyway)", List.of(), null);
        }
      }

      // 4. the channels, in order
      RegistrationClient client;
      try {
        client = builder.build();
      } catch (IllegalStateException | IllegalArgumentException e) {
        return usage(e.getMessage());
      }
      try (client) {
        return opts.deregister ? deregister(client, node) : register(client, node);
      }
    }

    private int register(RegistrationClient client, DecoderNode node) {
      RegistrationResult r;
      try {
        r = client.register(node);
      } catch (InvalidNodeException e) {
        return invalid(node, Objects.requireNonNullElse(e.getMessage(), "invalid node"));
      } catch (RegistrationRefusedException e) {
        return refused(node, "registered", e);
      } catch (RegistrationException e) {
        return failed(node, "decoder node '" + node.nodeId() + "' was not registered", e.failures());
      }
      warnings(r.failures());
      String verb = r.created() ? "registered" : "updated";
      if (opts.json) {
        ObjectNode j = base(node, verb);
        j.put("channel", r.channel().label());
        j.put("created", r.created());
        j.set("failures", failures(r.failures()));
        o.out(write(j));
      } else {
        o.out(verb + " decoder node '" + node.nodeId() + "' via " + r.channel().label());
        o.out(PoolJson.writeNode(node));
      }
      return OK;
    }

    private int deregister(RegistrationClient client, DecoderNode node) {
      DeregistrationResult r;
      try {
        r = client.deregister(node.nodeId());
      } catch (RegistrationRefusedException e) {
        return refused(node, "deregistered", e);
      } catch (RegistrationException e) {
        return failed(node, "decoder node '" + node.nodeId() + "' was not deregistered", e.failures());
      }
      warnings(r.failures());
      String verb = r.removed() ? "deregistered" : "not-registered";
      if (opts.json) {
        ObjectNode j = base(node, verb);
        j.put("channel", r.channel().label());
        j.put("removed", r.removed());
        j.set("failures", failures(r.failures()));
        o.out(write(j));
      } else if (r.removed()) {
        o.out("deregistered decoder node '" + node.nodeId() + "' via " + r.channel().label());
      } else {
        o.out("decoder node '" + node.nodeId() + "' was not registered (" + r.channel().label()
            + " does not know it); nothing to remove");
      }
      return OK;
    }

    private DecoderNode node() {
      String endpointText = Objects.requireNonNull(opts.endpoint, "endpoint").strip();
      URI endpoint = parseUri(endpointText, "endpoint");
      String id = blankToNull(opts.nodeId);
      DecoderNode.Builder b = DecoderNode.builder(id == null ? defaultNodeId(endpoint) : id.strip(), endpoint)
          .region(blankToNull(opts.region))
          .gpuType(blankToNull(opts.gpuType))
          .tags(clean(opts.tags))
          .languages(clean(opts.languages));
      if (opts.capacity != null) {
        b.capacity(opts.capacity);
      }
      return b.build();
    }

    private static List<String> clean(List<String> values) {
      List<String> out = new ArrayList<>();
      for (String v : values) {
        String s = v.strip();
        if (!s.isEmpty()) {
          out.add(s);
        }
      }
      return out;
    }

    private static URI parseUri(String text, String what) {
      try {
        return new URI(text);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(what + " is not a valid URL: '" + Redaction.urls(text) + "' ("
            + e.getReason() + ")");
      }
    }

    /** Returns null if the node answers 2xx, else why not. */
    private static @Nullable String healthProblem(URI url) {
      String shown = Redaction.urls(url.toString());
      HttpClient http = HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(TIMEOUT)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(url).timeout(TIMEOUT).GET().build(),
            HttpResponse.BodyHandlers.discarding());
        int s = r.statusCode();
        return s >= 200 && s < 300 ? null : "GET " + shown + " answered " + s;
      } catch (HttpTimeoutException e) {
        return "GET " + shown + " did not answer within " + TIMEOUT.toSeconds() + " s";
      } catch (IOException | IllegalArgumentException e) {
        return "GET " + shown + ": " + Failures.describe(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "GET " + shown + ": interrupted";
      }
    }

    private @Nullable String value(@Nullable String flag, String envName) {
      if (flag != null) {
        return blankToNull(flag);
      }
      return blankToNull(env.get(envName));
    }

    private int usage(@Nullable String message) {
      o.err("error: " + message);
      o.err("Try 'register-decoder-node --help' for the flags.");
      return USAGE;
    }

    private int invalid(@Nullable DecoderNode node, String message) {
      return result(node, "invalid", INVALID, message, List.of(), null);
    }

    /** A channel answered and refused (the coordinator's 401 or 403): exit 1, no lower channel was tried. */
    private int refused(DecoderNode node, String verb, RegistrationRefusedException e) {
      return result(node, "refused", INVALID, "decoder node '" + node.nodeId() + "' was not " + verb + ": "
          + e.getMessage() + " (no other channel was tried)", e.failures(), e.channel().label());
    }

    private int failed(DecoderNode node, String message, List<ChannelFailure> failures) {
      return result(node, "failed", ALL_FAILED, message + ": every channel failed", failures, null);
    }

    /** Prints an error (on stderr; with --json also as the one JSON object) and returns the code. */
    private int result(@Nullable DecoderNode node, String status, int code, String message,
        List<ChannelFailure> failures, @Nullable String channel) {
      StringBuilder sb = new StringBuilder("error: ").append(message);
      for (ChannelFailure f : failures) {
        sb.append(System.lineSeparator()).append("  ").append(f.channel().label()).append(": ").append(f.message());
      }
      o.err(sb.toString());
      if (opts.json) {
        ObjectNode j = base(node, status);
        if (channel != null) {
          j.put("channel", channel);
        }
        j.put("error", message);
        j.set("failures", failures(failures));
        o.out(write(j));
      }
      return code;
    }

    private void warnings(List<ChannelFailure> failures) {
      for (ChannelFailure f : failures) {
        o.err("warning: " + f.channel().label() + " failed: " + f.message());
      }
    }

    private ObjectNode base(@Nullable DecoderNode node, String status) {
      ObjectNode j = MAPPER.createObjectNode();
      j.put("result", status);
      if (node != null) {
        j.put("node_id", node.nodeId());
        try {
          j.set("node", MAPPER.readTree(PoolJson.writeNode(node)));
        } catch (JsonProcessingException e) {
          throw new IllegalStateException("PoolJson wrote invalid JSON", e);
        }
      }
      return j;
    }

    private static ArrayNode failures(List<ChannelFailure> failures) {
      ArrayNode a = MAPPER.createArrayNode();
      for (ChannelFailure f : failures) {
        a.addObject().put("channel", f.channel().label()).put("message", f.message());
      }
      return a;
    }

    private static String write(ObjectNode j) {
      try {
        return MAPPER.writeValueAsString(j);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot write JSON", e);
      }
    }
  }

  private static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  /** Secrets to keep out of every printed line: the API key and the Redis password. */
  private static final class Secrets {
    private final List<String> values;

    private Secrets(List<String> values) {
      this.values = values;
    }

    static Secrets find(String[] args, Map<String, String> env) {
      List<String> found = new ArrayList<>();
      add(found, env.get("COORDINATOR_API_KEY"));
      addRedisPassword(found, env.get("REDIS_URL"));
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a == null) {
          continue;
        }
        String next = i + 1 < args.length ? args[i + 1] : null;
        if (a.equals("--api-key")) {
          add(found, next);
        } else if (a.startsWith("--api-key=")) {
          add(found, a.substring("--api-key=".length()));
        } else if (a.equals("--redis-url")) {
          addRedisPassword(found, next);
        } else if (a.startsWith("--redis-url=")) {
          addRedisPassword(found, a.substring("--redis-url=".length()));
        }
      }
      // the longest first, so that a secret containing another is replaced whole
      found.sort((x, y) -> Integer.compare(y.length(), x.length()));
      return new Secrets(List.copyOf(found));
    }

    private static void add(List<String> found, @Nullable String secret) {
      if (secret != null) {
        String s = secret.strip();
        if (s.length() >= MIN_SECRET && !found.contains(s)) {
          found.add(s);
        }
      }
    }

    private static void addRedisPassword(List<String> found, @Nullable String url) {
      if (url == null) {
        return;
      }
      int start = url.indexOf("://");
      start = start < 0 ? 0 : start + 3;
      int at = url.lastIndexOf('@');
      if (at <= start) {
        return;
      }
      String info = url.substring(start, at);
      int colon = info.indexOf(':');
      String password = colon < 0 ? info : info.substring(colon + 1);
      add(found, password);
      try {
        add(found, URLDecoder.decode(password, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        // not percent-encoded
      }
    }

    String scrub(String text) {
      String t = Redaction.urls(text);
      for (String s : values) {
        t = t.replace(s, "***");
      }
      return t;
    }
  }

  /** Standard output and error, every line scrubbed of secrets. */
  private static final class Output {
    private final PrintStream out;
    private final PrintStream err;
    private final Secrets secrets;

    Output(PrintStream out, PrintStream err, Secrets secrets) {
      this.out = out;
      this.err = err;
      this.secrets = secrets;
    }

    void out(String text) {
      out.println(secrets.scrub(text));
      out.flush();
    }

    void err(String text) {
      err.println(secrets.scrub(text));
      err.flush();
    }
  }
}
