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

  HttpResponse<String> get(String path) {
    return send(request(path).GET());
  }

  HttpResponse<String> route(String apiKey, String source, String target, String region) {
    HttpRequest.Builder b = request("/api/v1/route").POST(HttpRequest.BodyPublishers.noBody());
    if (apiKey != null) {
      b.header("X-API-Key", apiKey);
    }
    if (source != null) {
      b.header("X-Source-Language", source);
    }
    if (target != null) {
      b.header("X-Target-Language", target);
    }
    if (region != null) {
      b.header("X-Region", region);
    }
    return send(b);
  }

  static JsonNode json(HttpResponse<String> r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + r.body(), e);
    }
  }
}
