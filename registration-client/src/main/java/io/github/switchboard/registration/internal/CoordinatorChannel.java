package io.github.switchboard.registration.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.PoolJson;
import io.github.switchboard.registration.Channel;
import io.github.switchboard.registration.InvalidNodeException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/*
 * The coordinator's HTTP API (see API.md, "The coordinator HTTP API"):
 *   POST   /api/v1/decoders                    201 created, 200 updated, 400 invalid, 401 token
 *   DELETE /api/v1/decoders/{id}               204, 404
 *   PUT    /api/v1/decoders/{id}/heartbeat     204, 404 (register again)
 * A status change (a keep-alive's drain) is a POST of the node with that status: the API has no status
 * route, and a registration that names a status other than active sets it.
 * with "Authorization: Bearer <token>". Errors are RFC 9457 problem+json; their "detail" goes into the
 * failure message. A registration answered 400 (or 413, 422) is an invalid node; 401 and 403 (and 400 on
 * another route) are refusals; both end the chain. Every other status is a failure: the next channel is
 * tried. Redirects are not followed, so the token is only ever sent to the configured host.
 * Every message is scrubbed of the token, in case a server echoes it.
 * A reply is read up to MAX_REPLY_BYTES and a JSON one (an error's problem+json) parsed with limits
 * (depth, string, number and name lengths, as the pool's own reads); a reply past the size or unreadable
 * JSON is a failure (the next channel is tried), never a refusal: it is not the coordinator speaking.
 * The body of a success is not parsed (the client needs only the status).
 */
/** The coordinator's HTTP API as a registration channel. */
final class CoordinatorChannel implements RegistrationChannel {
  /** The largest reply read, in bytes: the coordinator echoes a node, which the pool reads up to 1 MiB. */
  static final int MAX_REPLY_BYTES = 1024 * 1024;
  private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(32)
          .maxNumberLength(64)
          .maxNameLength(256)
          .maxStringLength(64 * 1024)
          .maxDocumentLength(MAX_REPLY_BYTES)
          .build())
      .build()).build();
  private static final int MAX_DETAIL = 300;

  private final URI base;
  private final String shown;
  private final String token;
  private final Duration timeout;
  private final HttpClient http;

  CoordinatorChannel(URI baseUrl, String token, Duration timeout) {
    String s = baseUrl.toString();
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    this.base = URI.create(s);
    this.shown = Redaction.urls(s);
    this.token = token;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  @Override
  public Channel channel() {
    return Channel.COORDINATOR;
  }

  @Override
  public String describe() {
    return shown;
  }

  @Override
  public boolean register(DecoderNode node) throws ChannelException {
    Reply r = send(request("/api/v1/decoders")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(PoolJson.writeNode(node), StandardCharsets.UTF_8)));
    switch (r.statusCode()) {
      case 201 -> {
        return true;
      }
      case 200 -> {
        return false;
      }
      case 400, 413, 422 -> throw new InvalidNodeException("coordinator " + shown + " refused the node as invalid (" + r.statusCode()
            + ")" + detail(r).map(d -> ": " + d).orElse(""));
      default -> throw unexpected(r);
    }
  }

  /** No status route in the API: the node is registered again with the status, which the pool keeps. */
  @Override
  public boolean setStatus(DecoderNode node, NodeStatus status) throws ChannelException {
    return !register(node.withStatus(status));
  }

  @Override
  public boolean deregister(String nodeId) throws ChannelException {
    Reply r = send(request("/api/v1/decoders/" + nodeId).DELETE());
    return knownNode(r);
  }

  @Override
  public boolean heartbeat(String nodeId, NodeLoad load) throws ChannelException {
    Reply r = send(request("/api/v1/decoders/" + nodeId + "/heartbeat")
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(PoolJson.writeLoad(load), StandardCharsets.UTF_8)));
    return knownNode(r);
  }

  /** 200 or 204: the coordinator knows the node; 404: it does not; anything else: see unexpected(). */
  private boolean knownNode(Reply r) throws ChannelException {
    return switch (r.statusCode()) {
      case 200, 204 -> true;
      case 404 -> false;
      default -> throw unexpected(r);
    };
  }

  private HttpRequest.Builder request(String path) {
    // node ids are [A-Za-z0-9._-] (DecoderNode's rule), safe in a path as they are
    return HttpRequest.newBuilder(URI.create(base + path))
        .timeout(timeout)
        .header("Accept", "application/json, application/problem+json")
        .header("Authorization", "Bearer " + token);
  }

  /** A status, its Content-Type (lower case, "" if none) and its body, read up to MAX_REPLY_BYTES. */
  private record Reply(int statusCode, String contentType, String body) {}

  private Reply send(HttpRequest.Builder request) throws ChannelException {
    HttpRequest req = request.build();
    try {
      HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      byte[] bytes;
      // closing the stream before its end drops the rest (and the connection): a huge reply is never read
      try (InputStream in = r.body()) {
        long declared = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        bytes = declared > MAX_REPLY_BYTES ? null : in.readNBytes(MAX_REPLY_BYTES + 1);
      }
      if (bytes == null || bytes.length > MAX_REPLY_BYTES) {
        throw new ChannelException("coordinator " + shown + " answered " + r.statusCode()
            + " with a reply over " + MAX_REPLY_BYTES + " bytes, the limit: not read");
      }
      String type = r.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
      return new Reply(r.statusCode(), type, new String(bytes, StandardCharsets.UTF_8));
    } catch (HttpConnectTimeoutException e) {
      throw new ChannelException("coordinator " + shown + " did not accept a connection within " + millis());
    } catch (HttpTimeoutException e) {
      throw new ChannelException("coordinator " + shown + " did not answer within " + millis());
    } catch (IOException e) {
      throw new ChannelException("coordinator " + shown + " is unreachable (" + scrub(Failures.describe(e)) + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelException("coordinator " + shown + ": interrupted");
    }
  }

  /**
   * A status no route expects: {@code 400}, {@code 401} and {@code 403} are refusals (the coordinator
   * answered and said no: the chain ends); anything else ({@code 5xx}, a {@code 404} of a wrong base URL, a
   * {@code 429}) is a failure, and the next channel is tried.
   */
  private ChannelException unexpected(Reply r) throws ChannelException {
    int status = r.statusCode();
    String what = switch (status) {
      case 400 -> "refused the request (400)";
      case 401 -> "rejected the API token (401)";
      case 403 -> "refused the API token (403)";
      default -> "answered " + status;
    };
    String message = "coordinator " + shown + " " + what + detail(r).map(d -> ": " + d).orElse("");
    return status == 400 || status == 401 || status == 403
        ? ChannelException.refused(message, status)
        : new ChannelException(message);
  }

  /**
   * The problem's detail (or title), or the start of a non-JSON body.
   *
   * @throws ChannelException if the reply says it is JSON and cannot be read as JSON within the limits
   */
  private Optional<String> detail(Reply r) throws ChannelException {
    String body = r.body();
    if (body.isBlank()) {
      return Optional.empty();
    }
    String text = null;
    if (r.contentType().contains("json")) {
      JsonNode n;
      try {
        n = MAPPER.readTree(body);
      } catch (JsonProcessingException | RuntimeException e) {
        // a limit (StreamConstraintsException) or a syntax error: not a reply of the coordinator's API
        String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        throw new ChannelException("coordinator " + shown + " answered " + r.statusCode()
            + " with a reply that is not readable JSON (" + shorten(String.valueOf(why)) + ")");
      }
      if (n != null && n.isObject()) {
        if (n.path("detail").isTextual()) {
          text = n.get("detail").asText();
        } else if (n.path("title").isTextual()) {
          text = n.get("title").asText();
        }
      }
    }
    if (text == null) {
      text = body.strip();
    }
    return Optional.of(shorten(text));
  }

  /** On one line, at most MAX_DETAIL characters, scrubbed. */
  private String shorten(String text) {
    String line = text.replaceAll("\\s+", " ");
    if (line.length() > MAX_DETAIL) {
      line = line.substring(0, MAX_DETAIL) + "...";
    }
    return scrub(line);
  }

  private String scrub(String text) {
    return Redaction.urls(token.isEmpty() ? text : text.replace(token, "***"));
  }

  private String millis() {
    return timeout.toMillis() + " ms";
  }

  @Override
  public void close() {
    // HttpClient has no close() before Java 21; its threads are daemons and end with it
  }
}
