package io.github.switchboard.registration;

import static io.github.switchboard.registration.TestSupport.fileNodes;
import static io.github.switchboard.registration.TestSupport.node;
import static io.github.switchboard.registration.TestSupport.redisDown;
import static io.github.switchboard.registration.TestSupport.redisNodeIds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeView;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RegistrationClientTest extends ChannelTestBase {
  private static final String TOKEN = "tok-3f9a1c77e2";

  private Path file;

  RegistrationClientTest() {
    super(TOKEN);
  }

  @BeforeEach
  void setUp() {
    file = dir.resolve("config/decoder_pool.json");
  }

  private RegistrationClients.Builder all(URI coordinatorUrl, String token, RedisTarget redisTarget) {
    return RegistrationClients.builder()
        .coordinator(coordinatorUrl, token)
        .redis(redisTarget, "default")
        .file(file)
        .requestTimeout(Duration.ofSeconds(3));
  }

  @Test
  void coordinatorCreatesThenUpdatesWithTheBearerToken() {
    try (RegistrationClient client = all(coordinator.uri(), TOKEN, redis.target()).build()) {
      RegistrationResult first = client.register(node("decoder-1"));
      assertThat(first.channel()).isEqualTo(Channel.COORDINATOR);
      assertThat(first.created()).isTrue();
      assertThat(first.failures()).isEmpty();

      DecoderNode changed = node("decoder-1").toBuilder().capacity(80).build();
      RegistrationResult second = client.register(changed);
      assertThat(second.channel()).isEqualTo(Channel.COORDINATOR);
      assertThat(second.created()).isFalse();
    }
    assertThat(coordinator.nodes).containsKey("decoder-1");
    assertThat(coordinator.nodes.get("decoder-1").capacity()).isEqualTo(80);
    assertThat(coordinator.authorizations).isNotEmpty().allMatch(("Bearer " + TOKEN)::equals);
    // the other channels were not touched
    assertThat(redisNodeIds(redis.target(), "default")).isEmpty();
    assertThat(file).doesNotExist();
  }

  @Test
  void aRefusedTokenEndsTheChainWithAClearMessage() {
    try (RegistrationClient client = all(coordinator.uri(), "wrong-token-5521", redis.target()).build()) {
      assertThatThrownBy(() -> client.register(node("decoder-2")))
          .isInstanceOfSatisfying(RegistrationRefusedException.class, e -> {
            assertThat(e.channel()).isEqualTo(Channel.COORDINATOR);
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.failures()).isEmpty();
            assertThat(e.getMessage()).contains("401").contains("API token").contains("the Bearer token is not valid")
                .doesNotContain("wrong-token-5521");
          });
      // a removal is refused the same way: the node is not removed from Redis behind the coordinator's back
      assertThatThrownBy(() -> client.deregister("decoder-2")).isInstanceOf(RegistrationRefusedException.class);
    }
    assertThat(coordinator.nodes).isEmpty();
    assertThat(redisNodeIds(redis.target(), "default")).isEmpty();
    assertThat(file).doesNotExist();
  }

  @Test
  void aForbiddenAnswerEndsTheChainButAServerErrorFallsThrough() {
    try (RegistrationClient client = all(coordinator.uri(), TOKEN, redis.target()).build()) {
      coordinator.answerAll = 403;
      assertThatThrownBy(() -> client.register(node("decoder-15")))
          .isInstanceOfSatisfying(RegistrationRefusedException.class, e -> assertThat(e.status()).isEqualTo(403));
      assertThat(redisNodeIds(redis.target(), "default")).isEmpty();

      coordinator.answerAll = 503;
      RegistrationResult r = client.register(node("decoder-15"));
      assertThat(r.channel()).isEqualTo(Channel.REDIS);
      assertThat(r.failures()).singleElement().satisfies(f -> assertThat(f.message()).contains("answered 503"));
    }
    assertThat(redisNodeIds(redis.target(), "default")).containsExactly("decoder-15");
    assertThat(file).doesNotExist();
  }

  @Test
  void aCoordinatorThatIsDownFallsToRedis() {
    try (RegistrationClient client = all(TestSupport.nothingListening(), TOKEN, redis.target()).build()) {
      RegistrationResult r = client.register(node("decoder-3"));
      assertThat(r.channel()).isEqualTo(Channel.REDIS);
      assertThat(r.failures()).singleElement().satisfies(f -> {
        assertThat(f.channel()).isEqualTo(Channel.COORDINATOR);
        assertThat(f.message()).contains("unreachable");
      });
      // a second registration is an update
      assertThat(client.register(node("decoder-3")).created()).isFalse();
    }
    assertThat(redisNodeIds(redis.target(), "default")).containsExactly("decoder-3");
    assertThat(file).doesNotExist();
  }

  @Test
  void redisDownFallsToTheFileWhichIsCreated() {
    RedisTarget down = redisDown();
    try (RegistrationClient client = all(TestSupport.nothingListening(), TOKEN, down).build()) {
      RegistrationResult r = client.register(node("decoder-4"));
      assertThat(r.channel()).isEqualTo(Channel.FILE);
      assertThat(r.failures()).extracting(ChannelFailure::channel).containsExactly(Channel.COORDINATOR, Channel.REDIS);
      assertThat(r.failures().get(1).message()).contains(down.redactedUrl()).contains("unreachable");
    }
    assertThat(file).exists();
    assertThat(fileNodes(file)).extracting(NodeView::nodeId).containsExactly("decoder-4");
  }

  @Test
  void everyChannelDownThrowsWithEachFailure() throws Exception {
    Path notADirectory = dir.resolve("plain-file");
    Files.writeString(notADirectory, "x");
    try (RegistrationClient client = RegistrationClients.builder()
        .coordinator(TestSupport.nothingListening(), TOKEN)
        .redis(redisDown(), "default")
        .file(notADirectory.resolve("decoder_pool.json"))
        .build()) {
      assertThatThrownBy(() -> client.register(node("decoder-5")))
          .isInstanceOf(RegistrationException.class)
          .hasMessageStartingWith("every channel failed")
          .satisfies(e -> assertThat(((RegistrationException) e).failures())
              .extracting(ChannelFailure::channel)
              .containsExactly(Channel.COORDINATOR, Channel.REDIS, Channel.FILE));
    }
  }

  @Test
  void anInvalidNodeIsNotWrittenThroughAnotherChannel() {
    coordinator.rejects = n -> n.endpoint().getHost().startsWith("forbidden");
    DecoderNode bad = DecoderNode.builder("decoder-6", URI.create("http://forbidden.example:8001")).build();
    try (RegistrationClient client = all(coordinator.uri(), TOKEN, redis.target()).build()) {
      assertThatThrownBy(() -> client.register(bad))
          .isInstanceOf(InvalidNodeException.class)
          .hasMessageContaining("400")
          .hasMessageContaining("endpoint host is not allowed");
    }
    assertThat(redisNodeIds(redis.target(), "default")).isEmpty();
    assertThat(file).doesNotExist();
  }

  @Test
  void requireHttpsRefusesPlainEndpointsAndCoordinators() {
    assertThatThrownBy(() -> RegistrationClients.builder().coordinator(coordinator.uri(), TOKEN).requireHttps(true).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("https");
    try (RegistrationClient client = RegistrationClients.builder().file(file).requireHttps(true).build()) {
      assertThatThrownBy(() -> client.register(node("decoder-7"))).isInstanceOf(InvalidNodeException.class)
          .hasMessageContaining("HTTPS is required");
      DecoderNode secure = DecoderNode.builder("decoder-7", URI.create("https://decoder-7:8443")).build();
      assertThat(client.register(secure).channel()).isEqualTo(Channel.FILE);
    }
  }

  @Test
  void plainHttpIsAcceptedByDefault() {
    try (RegistrationClient client = RegistrationClients.builder().file(file).build()) {
      assertThat(client.register(node("decoder-8")).channel()).isEqualTo(Channel.FILE);
    }
  }

  @Test
  void deregisterFindsTheNodeOnTheChannelThatHasIt() {
    try (RegistrationClient client = all(coordinator.uri(), TOKEN, redis.target()).build()) {
      client.register(node("decoder-9"));
      DeregistrationResult r = client.deregister("decoder-9");
      assertThat(r.channel()).isEqualTo(Channel.COORDINATOR);
      assertThat(r.removed()).isTrue();
      assertThat(coordinator.nodes).doesNotContainKey("decoder-9");
    }
    // a node left in Redis by an earlier fallback: the coordinator does not know it, Redis removes it
    try (RegistrationClient viaRedis = RegistrationClients.builder().redis(redis.target(), "default").build()) {
      viaRedis.register(node("decoder-10"));
    }
    try (RegistrationClient client = all(coordinator.uri(), TOKEN, redis.target()).build()) {
      DeregistrationResult r = client.deregister("decoder-10");
      assertThat(r.channel()).isEqualTo(Channel.REDIS);
      assertThat(r.removed()).isTrue();
      DeregistrationResult again = client.deregister("decoder-10");
      assertThat(again.removed()).isFalse();
      assertThat(again.channel()).isEqualTo(Channel.COORDINATOR);
    }
    assertThat(redisNodeIds(redis.target(), "default")).isEmpty();
  }

  @Test
  void asyncVariantsComplete() throws Exception {
    try (RegistrationClient client = all(coordinator.uri(), TOKEN, redis.target()).build()) {
      RegistrationResult r = client.registerAsync(node("decoder-11")).toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(r.channel()).isEqualTo(Channel.COORDINATOR);
      DeregistrationResult d = client.deregisterAsync("decoder-11").toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(d.removed()).isTrue();
    }
  }

  @Test
  void theBuilderValidates() {
    assertThatThrownBy(() -> RegistrationClients.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("at least one channel");
    assertThatThrownBy(() -> RegistrationClients.builder().coordinator(coordinator.uri(), "  "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("apiToken");
    assertThatThrownBy(() -> RegistrationClients.builder().coordinator(coordinator.uri(), "abc\r\nX-Evil: 1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("apiToken")
        .hasMessageNotContaining("Evil");
    assertThatThrownBy(() -> RegistrationClients.builder().coordinator(URI.create("ftp://x"), TOKEN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http");
    assertThatThrownBy(() -> RegistrationClients.builder().coordinator(URI.create("http://u:pw-secret@c:1"), TOKEN)
        .requireHttps(true).build())
        .isInstanceOf(IllegalStateException.class).hasMessageNotContaining("pw-secret");
    assertThatThrownBy(() -> RegistrationClients.builder().redis(redis.target(), "bad name"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("poolName");
    assertThatThrownBy(() -> RegistrationClients.builder().requestTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestTimeout");
  }

  @Test
  void closingCompletesAsyncCallsThatAreStillWaiting() throws Exception {
    // a "coordinator" that accepts connections and never answers
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      AtomicInteger accepted = new AtomicInteger();
      Thread acceptor = new Thread(() -> {
        List<Socket> held = new ArrayList<>();
        try {
          while (true) {
            held.add(silent.accept());
            accepted.incrementAndGet();
          }
        } catch (IOException e) {
          // closed
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      RegistrationClient client = RegistrationClients.builder()
          .coordinator(URI.create("http://127.0.0.1:" + silent.getLocalPort()), TOKEN)
          .requestTimeout(Duration.ofSeconds(60))
          .build();
      CompletableFuture<RegistrationResult> running = client.registerAsync(node("decoder-13")).toCompletableFuture();
      CompletableFuture<RegistrationResult> queued = client.registerAsync(node("decoder-14")).toCompletableFuture();
      await().atMost(Duration.ofSeconds(10)).until(() -> accepted.get() >= 1); // the first call is in flight
      client.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> running.isDone() && queued.isDone());
      assertThat(running).isCompletedExceptionally();
      assertThat(queued).isCompletedExceptionally();
      assertThatThrownBy(queued::join).hasCauseInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void aClosedClientRefusesWork() {
    RegistrationClient client = RegistrationClients.builder().file(file).build();
    client.close();
    client.close();
    assertThatThrownBy(() -> client.register(node("decoder-12"))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> client.keepAlive(node("decoder-12"), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class);
  }
}
