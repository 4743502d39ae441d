package io.github.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.core.RedisTarget.HostAndPort;
import io.github.switchboard.core.RedisTarget.Kind;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class RedisTargetTest {

  private static final String SECRET = "s3cr3tPw";

  private static RedisCredentials credentials(RedisURI uri) {
    return uri.getCredentialsProvider().resolveCredentials().block();
  }

  private static String password(RedisURI uri) {
    RedisCredentials c = credentials(uri);
    return c.hasPassword() ? new String(c.getPassword()) : null;
  }

  @Nested
  class Standalone {
    @Test
    void hostOnlyTakesTheDefaults() {
      RedisTarget t = RedisTarget.parse("redis://localhost");
      assertThat(t.kind()).isEqualTo(Kind.STANDALONE);
      assertThat(t.tls()).isFalse();
      assertThat(t.hosts()).containsExactly(new HostAndPort("localhost", 6379));
      assertThat(t.username()).isEmpty();
      assertThat(t.hasPassword()).isFalse();
      assertThat(t.database()).isZero();
      assertThat(t.masterName()).isEmpty();
      assertThat(t.redactedUrl()).isEqualTo("redis://localhost:6379");
    }

    @Test
    void portAndDatabase() {
      RedisTarget t = RedisTarget.parse("redis://10.0.0.5:6380/7");
      assertThat(t.hosts()).containsExactly(new HostAndPort("10.0.0.5", 6380));
      assertThat(t.database()).isEqualTo(7);
      assertThat(t.redactedUrl()).isEqualTo("redis://10.0.0.5:6380/7");
    }

    @Test
    void trailingSlashMeansDatabaseZero() {
      RedisTarget t = RedisTarget.parse("redis://h:1/");
      assertThat(t.database()).isZero();
    }

    @Test
    void redissIsTls() {
      RedisTarget t = RedisTarget.parse("rediss://cache.example.com:6390");
      assertThat(t.kind()).isEqualTo(Kind.STANDALONE);
      assertThat(t.tls()).isTrue();
      assertThat(t.redactedUrl()).isEqualTo("rediss://cache.example.com:6390");
      RedisURI uri = t.toRedisUris().get(0);
      assertThat(uri.isSsl()).isTrue();
      assertThat(uri.getHost()).isEqualTo("cache.example.com");
      assertThat(uri.getPort()).isEqualTo(6390);
    }

    @Test
    void userAndPassword() {
      RedisTarget t = RedisTarget.parse("redis://app:" + SECRET + "@h:6379/2");
      assertThat(t.username()).contains("app");
      assertThat(t.hasPassword()).isTrue();
      assertThat(t.database()).isEqualTo(2);
      assertThat(t.redactedUrl()).isEqualTo("redis://app:***@h:6379/2");
      assertThat(t.toString()).isEqualTo("RedisTarget[redis://app:***@h:6379/2]").doesNotContain(SECRET);
      RedisURI uri = t.toRedisUris().get(0);
      assertThat(credentials(uri).getUsername()).isEqualTo("app");
      assertThat(password(uri)).isEqualTo(SECRET);
      assertThat(uri.getDatabase()).isEqualTo(2);
      assertThat(uri.isSsl()).isFalse();
    }

    @Test
    void userInfoWithoutColonIsAPassword() {
      RedisTarget t = RedisTarget.parse("redis://" + SECRET + "@h");
      assertThat(t.username()).isEmpty();
      assertThat(t.hasPassword()).isTrue();
      assertThat(t.redactedUrl()).isEqualTo("redis://***@h:6379");
      RedisURI uri = t.toRedisUris().get(0);
      assertThat(credentials(uri).hasUsername()).isFalse();
      assertThat(password(uri)).isEqualTo(SECRET);
    }

    @Test
    void emptyUserWithPasswordIsAPasswordOnly() {
      RedisTarget t = RedisTarget.parse("redis://:" + SECRET + "@h:1");
      assertThat(t.username()).isEmpty();
      assertThat(t.hasPassword()).isTrue();
      assertThat(t.toString()).doesNotContain(SECRET);
      assertThat(password(t.toRedisUris().get(0))).isEqualTo(SECRET);
    }

    @Test
    void percentEncodedUserAndPasswordAreDecoded() {
      String pw = "p@ss:w/rd#1 %+é";
      String url =
          "redis://"
              + URLEncoder.encode("us er", StandardCharsets.UTF_8).replace("+", "%20")
              + ":"
              + URLEncoder.encode(pw, StandardCharsets.UTF_8).replace("+", "%20")
              + "@h:6379";
      RedisTarget t = RedisTarget.parse(url);
      assertThat(t.username()).contains("us er");
      RedisURI uri = t.toRedisUris().get(0);
      assertThat(password(uri)).isEqualTo(pw);
      assertThat(t.toString()).doesNotContain("p@ss").doesNotContain("p%40ss");
    }

    @Test
    void aPlusInThePasswordStaysAPlus() {
      RedisTarget t = RedisTarget.parse("redis://u:a+b@h");
      assertThat(password(t.toRedisUris().get(0))).isEqualTo("a+b");
    }

    @Test
    void anUnencodedAtInThePasswordIsKept() {
      // the last '@' ends the user info
      RedisTarget t = RedisTarget.parse("redis://u:p@ss@h:1");
      assertThat(t.hosts()).containsExactly(new HostAndPort("h", 1));
      assertThat(password(t.toRedisUris().get(0))).isEqualTo("p@ss");
      assertThat(t.toString()).doesNotContain("p@ss");
    }

    @Test
    void ipv6InBrackets() {
      RedisTarget t = RedisTarget.parse("redis://[::1]:6380/1");
      assertThat(t.hosts()).containsExactly(new HostAndPort("::1", 6380));
      assertThat(t.redactedUrl()).isEqualTo("redis://[::1]:6380/1");
      assertThat(t.toRedisUris().get(0).getHost()).isEqualTo("::1");
      RedisTarget noPort = RedisTarget.parse("redis://[fe80::1%25eth0]");
      assertThat(noPort.hosts().get(0).port()).isEqualTo(6379);
    }

    @Test
    void schemeIsCaseInsensitiveAndSpacesAroundAreIgnored() {
      RedisTarget t = RedisTarget.parse("  REDIS://h:1  ");
      assertThat(t).isEqualTo(RedisTarget.parse("redis://h:1"));
      assertThat(RedisTarget.parse("Rediss://h").tls()).isTrue();
    }

    @Test
    void standaloneFactory() {
      RedisTarget t = RedisTarget.standalone("127.0.0.1", 7000);
      assertThat(t).isEqualTo(RedisTarget.parse("redis://127.0.0.1:7000"));
      assertThatThrownBy(() -> RedisTarget.standalone(" ", 1)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> RedisTarget.standalone("h", 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("between 1 and 65535");
    }
  }

  @Nested
  class Sentinel {
    @Test
    void severalSentinelsAndAMaster() {
      RedisTarget t =
          RedisTarget.parse("redis-sentinel://" + SECRET + "@s1:26380,s2,[::1]:26381/3#mymaster");
      assertThat(t.kind()).isEqualTo(Kind.SENTINEL);
      assertThat(t.hosts())
          .containsExactly(
              new HostAndPort("s1", 26380), new HostAndPort("s2", 26379), new HostAndPort("::1", 26381));
      assertThat(t.masterName()).contains("mymaster");
      assertThat(t.database()).isEqualTo(3);
      assertThat(t.redactedUrl())
          .isEqualTo("redis-sentinel://***@s1:26380,s2:26379,[::1]:26381/3#mymaster");
      List<RedisURI> uris = t.toRedisUris();
      assertThat(uris).hasSize(1);
      RedisURI uri = uris.get(0);
      assertThat(uri.getSentinelMasterId()).isEqualTo("mymaster");
      assertThat(uri.getSentinels())
          .extracting(RedisURI::getHost, RedisURI::getPort)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("s1", 26380),
              org.assertj.core.groups.Tuple.tuple("s2", 26379),
              org.assertj.core.groups.Tuple.tuple("::1", 26381));
      assertThat(uri.getDatabase()).isEqualTo(3);
      assertThat(password(uri)).isEqualTo(SECRET);
    }

    @Test
    void oneSentinelWithoutPassword() {
      RedisTarget t = RedisTarget.parse("redis-sentinel://127.0.0.1:26379#m");
      assertThat(t.hosts()).hasSize(1);
      assertThat(t.hasPassword()).isFalse();
      assertThat(t.redactedUrl()).isEqualTo("redis-sentinel://127.0.0.1:26379#m");
    }
  }

  @Nested
  class Cluster {
    @Test
    void seedNodes() {
      RedisTarget t = RedisTarget.parse("redis-cluster://" + SECRET + "@n1:7000,n2:7001,n3");
      assertThat(t.kind()).isEqualTo(Kind.CLUSTER);
      assertThat(t.hosts())
          .containsExactly(
              new HostAndPort("n1", 7000), new HostAndPort("n2", 7001), new HostAndPort("n3", 6379));
      assertThat(t.database()).isZero();
      assertThat(t.masterName()).isEmpty();
      assertThat(t.redactedUrl()).isEqualTo("redis-cluster://***@n1:7000,n2:7001,n3:6379");
      List<RedisURI> uris = t.toRedisUris();
      assertThat(uris).extracting(RedisURI::getHost).containsExactly("n1", "n2", "n3");
      assertThat(uris).extracting(RedisURI::getPort).containsExactly(7000, 7001, 6379);
      assertThat(uris).allSatisfy(u -> assertThat(password(u)).isEqualTo(SECRET));
    }

    @Test
    void clusterWithSlashZeroIsFine() {
      assertThat(RedisTarget.parse("redis-cluster://n1:1/").database()).isZero();
    }
  }

  @Test
  void toRedisUrisReturnsNewObjectsEachTime() {
    RedisTarget t = RedisTarget.parse("redis://h:1");
    List<RedisURI> a = t.toRedisUris();
    a.get(0).setPort(2);
    a.add(RedisURI.create("redis://x"));
    assertThat(t.toRedisUris()).hasSize(1);
    assertThat(t.toRedisUris().get(0).getPort()).isEqualTo(1);
  }

  @Test
  void equalityIncludesThePassword() {
    RedisTarget a = RedisTarget.parse("redis://u:one@h:1");
    assertThat(a).isEqualTo(RedisTarget.parse("redis://u:one@h:1"));
    assertThat(a).hasSameHashCodeAs(RedisTarget.parse("redis://u:one@h:1"));
    assertThat(a).isNotEqualTo(RedisTarget.parse("redis://u:two@h:1"));
    assertThat(a).isNotEqualTo(RedisTarget.parse("rediss://u:one@h:1"));
    assertThat(a).isNotEqualTo(RedisTarget.parse("redis://u:one@h:1/1"));
  }

  @Test
  void hostAndPortToString() {
    assertThat(new HostAndPort("h", 1)).hasToString("h:1");
    assertThat(new HostAndPort("::1", 1)).hasToString("[::1]:1");
  }

  // ------------------------------------------------------------------ malformed

  static Stream<Arguments> malformed() {
    String pw = SECRET;
    return Stream.of(
        Arguments.of("localhost:6379", "expected scheme://"),
        Arguments.of("u:" + pw + "@localhost:6379", "expected scheme://"),
        Arguments.of("redis//u:" + pw + "@h", "expected scheme://"),
        Arguments.of("http://u:" + pw + "@h", "unsupported scheme 'http'"),
        Arguments.of("redis-sentinel://u:" + pw + "@h:1#m", "a user name is only supported"),
        Arguments.of("redis-cluster://u:" + pw + "@h:1", "a user name is only supported"),
        Arguments.of("redis://u:@h", "the password after '@' must not be empty"),
        Arguments.of("redis://@h", "the password after '@' must not be empty"),
        Arguments.of("redis://u:" + pw + "@h#m", "'#masterName' is only allowed with redis-sentinel://"),
        Arguments.of("redis-cluster://" + pw + "@h#m", "'#masterName' is only allowed"),
        Arguments.of("redis-sentinel://" + pw + "@h:1", "needs the master name"),
        Arguments.of("redis-sentinel://" + pw + "@h:1#", "the master name after '#' must not be empty"),
        Arguments.of("redis-sentinel://h:1# ", "the master name after '#' must not be empty"),
        Arguments.of("redis://u:" + pw + "@h?timeout=1", "query parameters are not supported"),
        Arguments.of("redis-cluster://" + pw + "@h:1/2", "a Cluster has only database 0"),
        Arguments.of("redis://u:" + pw + "@h/x", "database must be a whole number, was 'x'"),
        Arguments.of("redis://h/-1", "database must not be negative"),
        Arguments.of("redis://", "a host is required"),
        Arguments.of("redis://u:" + pw + "@", "a host is required"),
        Arguments.of("redis://u:" + pw + "@/1", "a host is required"),
        Arguments.of("redis://u:" + pw + "@a:1,b:2", "redis:// takes one host"),
        Arguments.of("redis-cluster://" + pw + "@a:1,,b:2", "empty host in the host list"),
        Arguments.of("redis-cluster://a:1,", "empty host in the host list"),
        Arguments.of("redis://u:" + pw + "@[::1", "unclosed '['"),
        Arguments.of("redis://[::1]6379", "expected ':port' after ']'"),
        Arguments.of("redis://u:" + pw + "@::1", "IPv6 hosts must be written in brackets"),
        Arguments.of("redis://u:" + pw + "@:6379", "empty host"),
        Arguments.of("redis://[]:6379", "empty host"),
        Arguments.of("redis://u:" + pw + "@h o:1", "contains the character ' '"),
        Arguments.of("redis://h/st:1", "database must be a whole number"),
        Arguments.of("redis://u:" + pw + "@h:abc", "port must be a number between 1 and 65535, was 'abc'"),
        Arguments.of("redis://u:" + pw + "@h:", "port must be a number"),
        Arguments.of("redis://u:" + pw + "@h:0", "port must be between 1 and 65535, was 0"),
        Arguments.of("redis://u:" + pw + "@h:65536", "port must be between 1 and 65535, was 65536"),
        Arguments.of("redis://u:" + pw + "@h:99999999999", "port must be a number"),
        Arguments.of("redis://u:" + pw + "%zz@h", "the password has a malformed percent-escape"),
        Arguments.of("redis://u%g:" + pw + "@h", "the user has a malformed percent-escape"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedUrlsNameTheRuleAndQuoteTheUrlWithoutThePassword(String url, String rule) {
    assertThatThrownBy(() -> RedisTarget.parse(url))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(rule)
        .hasMessageStartingWith("Invalid Redis URL '" + RedisTarget.redact(url.strip()) + "': ")
        .hasMessageNotContaining(SECRET)
        .hasMessageNotContaining("%zz");
  }

  @Test
  void theQuotedUrlShowsStarsWhereThePasswordWas() {
    assertThatThrownBy(() -> RedisTarget.parse("redis://app:" + SECRET + "@h:abc"))
        .hasMessage(
            "Invalid Redis URL 'redis://app:***@h:abc': port must be a number between 1 and 65535,"
                + " was 'abc'");
    assertThatThrownBy(() -> RedisTarget.parse("redis-sentinel://" + SECRET + "@h:1"))
        .hasMessageStartingWith("Invalid Redis URL 'redis-sentinel://***@h:1': ");
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"   ", "\t\n"})
  void nullAndBlankAreRejected(String url) {
    assertThatThrownBy(() -> RedisTarget.parse(url))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageMatching("Redis URL must not be (null|blank)");
  }

  // ------------------------------------------------------------------ redact

  @Test
  void redactHidesThePasswordOfAnyUrl() {
    assertThat(RedisTarget.redact(null)).isEqualTo("null");
    assertThat(RedisTarget.redact("redis://h:1")).isEqualTo("redis://h:1");
    assertThat(RedisTarget.redact("redis://u:" + SECRET + "@h:1")).isEqualTo("redis://u:***@h:1");
    assertThat(RedisTarget.redact("redis://" + SECRET + "@h:1")).isEqualTo("redis://***@h:1");
    assertThat(RedisTarget.redact("redis://u:p@ss@h")).isEqualTo("redis://u:***@h");
    // malformed ones too
    assertThat(RedisTarget.redact("u:" + SECRET + "@h")).isEqualTo("u:***@h");
    assertThat(RedisTarget.redact("redis//u:" + SECRET + "@h")).isEqualTo("redis//u:***@h");
    assertThat(RedisTarget.redact("gopher://:" + SECRET + "@[::1")).isEqualTo("gopher://:***@[::1");
    assertThat(RedisTarget.redact("redis-cluster://" + SECRET + "@a,,b")).isEqualTo("redis-cluster://***@a,,b");
    assertThat(RedisTarget.redact("no url at all")).isEqualTo("no url at all");
    assertThat(RedisTarget.redact("")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "redis://u:" + SECRET + "@h:1/2",
        "rediss://" + SECRET + "@h",
        "redis-sentinel://" + SECRET + "@a:1,b:2#m",
        "redis-cluster://" + SECRET + "@a:1,b:2"
      })
  void toStringAndRedactedUrlNeverShowThePassword(String url) {
    RedisTarget t = RedisTarget.parse(url);
    assertThat(t.toString()).doesNotContain(SECRET).contains("***");
    assertThat(t.redactedUrl()).doesNotContain(SECRET).contains("***");
    // the redacted URL is itself a valid URL of the same place
    RedisTarget again = RedisTarget.parse(t.redactedUrl());
    assertThat(again.hosts()).isEqualTo(t.hosts());
    assertThat(again.kind()).isEqualTo(t.kind());
    assertThat(again.redactedUrl()).isEqualTo(t.redactedUrl());
  }
}
