package io.github.switchboard.examples.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small client of the coordinator HTTP API for the tests. */
final class Api {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final URI base;
  private final String token;

  Api(URI base, String token) {
    this.base = base;
    this.token = token;
  }

  static String nodeJson(String id, String endpoint, String languages, String extra) {
    return "{\"node_id\": \"" + id + "\", \"endpoint\": \"" + endpoint + "\", \"languages\": ["
        + languages + "]" + (extra.isEmpty() ? "" : ", " + extra) + "}";
  }

  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10));
  }

  HttpResponse<String> send(HttpRequest.Builder b) {
    try {
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpResponse<String> register(String body) {
    return send(request("/api/v1/decoders")
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  HttpResponse<String> heartbeat(String id, String body) {
    return send(request("/api/v1/decoders/" + id + "/heartbeat")
        .header("Authorization", "Bearer " + token)
        .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  HttpResponse<String> delete(String id) {
    return send(request("/api/v1/decoders/" + id).header("Authorization", "Bearer " + token).DELETE());
  }

  /** {@code PUT /api/v1/decoders/{id}/status} with the token. */
  HttpResponse<String> setStatus(String id, String body) {
    return send(request("/api/v1/decoders/" + id + "/status").header("Authorization", "Bearer " + token)
        .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  /** {@code PUT /api/v1/plans/{name}} with the token. */
  HttpResponse<String> putPlan(String name, String body) {
    return send(request("/api/v1/plans/" + name).header("Authorization", "Bearer " + token)
        .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  /** {@code PUT /api/v1/keys/{api_key}/plan} with the token. */
  HttpResponse<String> assignPlan(String apiKey, String body) {
    return send(request("/api/v1/keys/" + apiKey + "/plan").header("Authorization", "Bearer " + token)
        .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  /** {@code DELETE} of a path with the token. */
  HttpResponse<String> deleteWithToken(String path) {
    return send(request(path).header("Authorization", "Bearer " + token).DELETE());
  }

  HttpResponse<String> get(String path) {
    return send(request(path).GET());
  }

  HttpResponse<String> route(String apiKey, String source, String target, String region) {
    HttpRequest.Builder b = client(request("/api/v1/route").POST(HttpRequest.BodyPublishers.noBody()),
        apiKey, source, target);
    if (region != null) {
      b.header("X-Region", region);
    }
    return send(b);
  }

  /** Sets the client headers that are not null. */
  private static HttpRequest.Builder client(HttpRequest.Builder b, String apiKey, String source, String target) {
    if (apiKey != null) {
      b.header("X-API-Key", apiKey);
    }
    if (source != null) {
      b.header("X-Source-Language", source);
    }
    if (target != null) {
      b.header("X-Target-Language", target);
    }
    return b;
  }

  /**
   * A decode: {@code POST /api/v1/decode} with the key, the languages (each left out when null) and
   * further headers as name, value, name, value.
   */
  HttpRequest.Builder decodeRequest(String apiKey, String source, String target, byte[] body,
      String... headers) {
    HttpRequest.Builder b = client(request("/api/v1/decode").POST(HttpRequest.BodyPublishers.ofByteArray(body)),
        apiKey, source, target);
    if (headers.length > 0) {
      b.headers(headers);
    }
    return b;
  }

  HttpResponse<String> decode(String apiKey, String source, String target, String body, String... headers) {
    return send(decodeRequest(apiKey, source, target, body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        headers));
  }

  HttpResponse<byte[]> decodeBytes(String apiKey, String source, String target, byte[] body,
      String... headers) {
    try {
      return HTTP.send(decodeRequest(apiKey, source, target, body, headers).build(),
          HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static JsonNode json(HttpResponse<String> r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + r.body(), e);
    }
  }
}
