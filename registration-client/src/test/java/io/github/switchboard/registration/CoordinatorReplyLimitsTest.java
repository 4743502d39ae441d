package io.github.switchboard.registration;

import static io.github.switchboard.registration.TestSupport.node;
import static io.github.switchboard.registration.TestSupport.redisNodeIds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A coordinator reply that is too large or not readable JSON is a failure of the coordinator channel (the
 * next channel is tried), never a refusal or an invalid node, even on a status that would otherwise be one.
 */
class CoordinatorReplyLimitsTest extends ChannelTestBase {
  private static final String TOKEN = "tok-8c41d0e5b7";
  /** The client's limit on a reply, in bytes (CoordinatorChannel.MAX_REPLY_BYTES). */
  private static final int LIMIT = 1024 * 1024;

  CoordinatorReplyLimitsTest() {
    super(TOKEN);
  }

  private RegistrationClient client() {
    return RegistrationClients.builder()
        .coordinator(coordinator.uri(), TOKEN)
        .redis(redis.target(), "default")
        .requestTimeout(Duration.ofSeconds(5))
        .build();
  }

  private void registersThroughRedisAfter(String nodeId, String... failureParts) {
    try (RegistrationClient client = client()) {
      RegistrationResult r = client.register(node(nodeId));
      assertThat(r.channel()).isEqualTo(Channel.REDIS);
      assertThat(r.failures()).singleElement().satisfies(f -> {
        assertThat(f.channel()).isEqualTo(Channel.COORDINATOR);
        assertThat(f.message()).contains(failureParts).hasSizeLessThan(1000);
      });
    }
    assertThat(redisNodeIds(redis.target(), "default")).containsExactly(nodeId);
  }

  @Test
  void aDeeplyNestedProblemOnA400IsAFailureNotAnInvalidNode() {
    coordinator.answerAll = 400;
    coordinator.answerBody = "[".repeat(5_000) + "]".repeat(5_000);
    registersThroughRedisAfter("decoder-deep", "answered 400", "not readable JSON", "nesting depth");
  }

  @Test
  void aMalformedProblemOnA401IsAFailureNotARefusal() {
    coordinator.answerAll = 401;
    coordinator.answerBody = "{\"detail\": \"the Bearer token is not valid\", ";
    registersThroughRedisAfter("decoder-broken", "answered 401", "not readable JSON");
  }

  @Test
  void aHugeProblemStringIsAFailure() {
    coordinator.answerAll = 400;
    coordinator.answerBody = "{\"detail\": \"" + "x".repeat(100_000) + "\"}";
    registersThroughRedisAfter("decoder-long", "answered 400", "not readable JSON", "String value length");
  }

  @Test
  void aReplyOverTheLimitWithItsLengthIsNotRead() {
    coordinator.answerAll = 403;
    coordinator.answerBody = "{\"detail\": \"" + "x".repeat(2 * LIMIT) + "\"}";
    registersThroughRedisAfter("decoder-huge", "answered 403", "over " + LIMIT + " bytes");
  }

  @Test
  void aChunkedReplyOverTheLimitIsCutOff() {
    coordinator.answerAll = 503;
    coordinator.answerChunked = true;
    coordinator.answerBody = " ".repeat(LIMIT) + "{}";
    registersThroughRedisAfter("decoder-chunked", "answered 503", "over " + LIMIT + " bytes");
  }

  @Test
  void aProblemWithinTheLimitsIsStillQuoted() {
    coordinator.answerAll = 401;
    coordinator.answerBody = "{\"detail\": \"the Bearer token is not valid\"}";
    try (RegistrationClient client = client()) {
      assertThatThrownBy(() -> client.register(node("decoder-ok")))
          .isInstanceOfSatisfying(RegistrationRefusedException.class,
              e -> assertThat(e.getMessage()).contains("the Bearer token is not valid"));
    }
    assertThat(redisNodeIds(redis.target(), "default")).isEmpty();
  }
}
