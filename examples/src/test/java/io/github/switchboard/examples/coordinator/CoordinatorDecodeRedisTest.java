package io.github.switchboard.examples.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.HealthCheckConfig;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /api/v1/decode} on coordinators sharing one real Redis: identical concurrent decodes reach the
 * node once across both, the input never appears in a key name, and decodes are answered while Redis is
 * gone.
 */
class CoordinatorDecodeRedisTest {
  static final String TOKEN = CoordinatorHttpTest.TOKEN;

  @TempDir Path dir;
  final List<AutoCloseable> closing = new ArrayList<>();
  Coordinator first;
  Coordinator second;
  Api a;
  Api b;

  Coordinator start(RedisServer redis, String name) {
    Coordinator c = Coordinator.start(CoordinatorConfig.builder(TOKEN).host("127.0.0.1").port(0)
        .poolFile(dir.resolve(name + "/decoder_pool.json")).redis(redis.target())
        .perMinute(1000).perHour(10_000).healthChecks(HealthCheckConfig.DISABLED).build());
    closing.add(c);
    return c;
  }

  /** Two coordinators on the shared Redis (flushed), and a node registered through the first. */
  DecoderStub twoCoordinatorsAndANode() {
    RedisServer redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    first = start(redis, "a");
    second = start(redis, "b");
    a = new Api(first.uri(), TOKEN);
    b = new Api(second.uri(), TOKEN);
    return node(a, b);
  }

  DecoderStub node(Api via, Api other) {
    DecoderStub stub = new DecoderStub();
    closing.add(0, stub);
    assertThat(via.register(Api.nodeJson("decoder-1", stub.endpoint(), "\"en\", \"es\"", "")).statusCode())
        .isEqualTo(201);
    await().atMost(Duration.ofSeconds(10)).until(() -> other.get("/api/v1/decoders/decoder-1").statusCode() == 200);
    return stub;
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  @Test
  void twentyIdenticalConcurrentDecodesOnTwoCoordinatorsReachTheNodeOnce() {
    DecoderStub node = twoCoordinatorsAndANode().hold();

    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Api via = i % 2 == 0 ? a : b;
      calls.add(Api.HTTP.sendAsync(via.decodeRequest("client-" + i, "en", "es",
          "the same input".getBytes(StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    // all twenty are inside the coordinators, waiting, while the node holds the one request it got
    await().atMost(Duration.ofSeconds(20))
        .until(() -> first.inFlight() + second.inFlight() == 20 && node.requests() == 1);
    assertThat(first.inFlight()).isEqualTo(10);
    node.release();

    List<HttpResponse<String>> answers = calls.stream().map(CompletableFuture::join).toList();
    assertThat(answers).allSatisfy(r -> {
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("decoded(en->es): the same input");
      assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
    });
    assertThat(answers.stream().map(r -> r.headers().firstValue("X-Cache").orElse("none"))
        .collect(Collectors.groupingBy(s -> s, Collectors.counting())))
        .containsOnlyKeys("MISS", "HIT").containsEntry("MISS", 1L).containsEntry("HIT", 19L);
    assertThat(node.requests()).isEqualTo(1);

    // later, on either coordinator: from the cache
    for (Api via : List.of(a, b)) {
      HttpResponse<String> later = via.decode("client-later", "en", "es", "the same input");
      assertThat(later.headers().firstValue("X-Cache")).hasValue("HIT");
    }
    assertThat(node.requests()).isEqualTo(1);
  }

  @Test
  void theInputNeverAppearsInARedisKeyName() {
    twoCoordinatorsAndANode();
    String input = "zebra-quartz-input-7f3a91";
    String domainInput = "walrus-input-0c55e2";
    assertThat(a.decode("client-1", "en", "es", input).statusCode()).isEqualTo(200);
    assertThat(b.decode("client-2", "en", "es", input).headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(b.decode("client-2", "es", "en", domainInput, "X-Domain", "medical").statusCode()).isEqualTo(200);

    List<String> keys = scanAll(RedisHarness.sharedStandalone());
    assertThat(keys).as("the cache's entries are in Redis")
        .anyMatch(k -> k.startsWith("switchboard:cache:" + DecodeHandler.CACHE_NAME + ":"));
    for (String in : List.of(input, domainInput)) {
      byte[] bytes = in.getBytes(StandardCharsets.UTF_8);
      List<String> forms = List.of(in, HexFormat.of().formatHex(bytes),
          Base64.getEncoder().withoutPadding().encodeToString(bytes),
          Base64.getUrlEncoder().withoutPadding().encodeToString(bytes), in.substring(0, 12));
      assertThat(keys).allSatisfy(k -> assertThat(k).doesNotContainIgnoringCase(forms.get(0))
          .doesNotContainIgnoringCase(forms.get(1)).doesNotContain(forms.get(2)).doesNotContain(forms.get(3))
          .doesNotContain(forms.get(4)));
    }
  }

  @SuppressWarnings("unchecked")
  static List<String> scanAll(RedisServer redis) {
    List<String> keys = new ArrayList<>();
    String cursor = "0";
    do {
      List<Object> reply = (List<Object>) redis.call("SCAN", cursor, "COUNT", "1000");
      cursor = String.valueOf(reply.get(0));
      ((List<Object>) reply.get(1)).forEach(k -> keys.add(String.valueOf(k)));
    } while (!cursor.equals("0"));
    return keys;
  }

  @Test
  void decodesAreAnsweredWhileRedisIsGone() {
    RedisServer redis = RedisHarness.standalone();
    closing.add(redis);
    Coordinator coordinator = start(redis, "a");
    Api api = new Api(coordinator.uri(), TOKEN);
    DecoderStub node = new DecoderStub();
    closing.add(0, node);
    assertThat(api.register(Api.nodeJson("decoder-1", node.endpoint(), "\"en\", \"es\"", "")).statusCode())
        .isEqualTo(201);
    assertThat(api.decode("client-1", "en", "es", "before").headers().firstValue("X-Cache")).hasValue("MISS");

    redis.kill();
    HttpResponse<String> during = api.decode("client-1", "en", "es", "during");
    assertThat(during.statusCode()).as(during.body()).isEqualTo(200);
    assertThat(during.body()).isEqualTo("decoded(en->es): during");
    HttpResponse<String> before = api.decode("client-1", "en", "es", "before");
    assertThat(before.statusCode()).as(before.body()).isEqualTo(200);
    assertThat(before.body()).isEqualTo("decoded(en->es): before");
    await().atMost(Duration.ofSeconds(20))
        .until(() -> Api.json(api.get("/health")).path("redis").asText().equals("DOWN"));
    HttpResponse<String> again = api.decode("client-1", "en", "es", "during");
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.headers().firstValue("X-Cache")).hasValue("HIT");
  }
}
