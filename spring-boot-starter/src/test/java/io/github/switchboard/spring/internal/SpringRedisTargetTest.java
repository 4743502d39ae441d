package io.github.switchboard.spring.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.core.RedisTarget.HostAndPort;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

/** Spring's spring.data.redis.* settings mapped onto a RedisTarget, with Spring Boot's precedence. */
class SpringRedisTargetTest {

  static Optional<RedisTarget> map(String... pairs) {
    MockEnvironment env = new MockEnvironment();
    for (int i = 0; i < pairs.length; i += 2) {
      env.setProperty(pairs[i], pairs[i + 1]);
    }
    return SpringRedisTarget.from(env);
  }

  static RedisTarget target(String... pairs) {
    return map(pairs).orElseThrow();
  }

  @Test
  void noSpringDataRedisPropertyMeansNoRedis() {
    assertThat(map()).isEmpty();
    assertThat(map("spring.data.redis.url", " ")).isEmpty();
  }

  @Test
  void urlIsParsedAsIs() {
    RedisTarget t = target("spring.data.redis.url", "rediss://app:s3cret@redis.example:6380/2");
    assertThat(t.kind()).isEqualTo(RedisTarget.Kind.STANDALONE);
    assertThat(t.tls()).isTrue();
    assertThat(t.hosts()).containsExactly(new HostAndPort("redis.example", 6380));
    assertThat(t.username()).contains("app");
    assertThat(t.hasPassword()).isTrue();
    assertThat(t.database()).isEqualTo(2);
  }

  @Test
  void databaseAppliesToAUrlWithoutOne() {
    assertThat(target("spring.data.redis.url", "redis://h:1", "spring.data.redis.database", "3").database())
        .isEqualTo(3);
    assertThat(target("spring.data.redis.url", "redis://h:1/1", "spring.data.redis.database", "3").database())
        .isEqualTo(1);
  }

  @Test
  void urlWinsOverHostAndPort() {
    assertThat(target("spring.data.redis.url", "redis://a:1", "spring.data.redis.host", "b").hosts())
        .containsExactly(new HostAndPort("a", 1));
  }

  @Test
  void hostPortUserPasswordDatabaseAndSsl() {
    RedisTarget t = target("spring.data.redis.host", "10.0.0.5", "spring.data.redis.port", "6390",
        "spring.data.redis.username", "svc", "spring.data.redis.password", "p@ss:w/rd %+",
        "spring.data.redis.database", "4", "spring.data.redis.ssl.enabled", "true");
    assertThat(t.redactedUrl()).isEqualTo("rediss://svc:***@10.0.0.5:6390/4");
    // the password survives the URL form byte for byte
    assertThat(t).isEqualTo(RedisTarget.parse("rediss://svc:p%40ss%3Aw%2Frd%20%25%2B@10.0.0.5:6390/4"));
  }

  @Test
  void springsDefaultsApplyWhenOnlySomeAreSet() {
    assertThat(target("spring.data.redis.password", "x").redactedUrl()).isEqualTo("redis://***@localhost:6379");
    assertThat(target("spring.data.redis.host", "::1").hosts()).containsExactly(new HostAndPort("::1", 6379));
  }

  @Test
  void anSslBundleTurnsTlsOnUnlessSslIsDisabled() {
    assertThat(target("spring.data.redis.host", "h", "spring.data.redis.ssl.bundle", "b").tls()).isTrue();
    assertThat(target("spring.data.redis.host", "h", "spring.data.redis.ssl.bundle", "b",
        "spring.data.redis.ssl.enabled", "false").tls()).isFalse();
  }

  @Test
  void sentinelWinsOverUrlAndCarriesMasterPasswordAndDatabase() {
    RedisTarget t = target("spring.data.redis.url", "redis://ignored:1",
        "spring.data.redis.sentinel.master", "mymaster",
        "spring.data.redis.sentinel.nodes", "s1:26379, s2:26380",
        "spring.data.redis.password", "pw", "spring.data.redis.database", "1");
    assertThat(t.kind()).isEqualTo(RedisTarget.Kind.SENTINEL);
    assertThat(t.masterName()).contains("mymaster");
    assertThat(t.hosts()).containsExactly(new HostAndPort("s1", 26379), new HostAndPort("s2", 26380));
    assertThat(t.hasPassword()).isTrue();
    assertThat(t.database()).isEqualTo(1);
  }

  @Test
  void clusterNodesMakeAClusterTarget() {
    RedisTarget t = target("spring.data.redis.cluster.nodes", "c1:7000,c2:7001,c3:7002",
        "spring.data.redis.password", "pw");
    assertThat(t.kind()).isEqualTo(RedisTarget.Kind.CLUSTER);
    assertThat(t.hosts()).hasSize(3);
    assertThat(t.redactedUrl()).isEqualTo("redis-cluster://***@c1:7000,c2:7001,c3:7002");
  }

  @Test
  void whatARedisTargetCannotExpressFailsNamingThePropertyWithoutThePassword() {
    assertThatThrownBy(() -> map("spring.data.redis.cluster.nodes", "c1:7000",
        "spring.data.redis.username", "u", "spring.data.redis.password", "topsecret"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("spring.data.redis.username: ")
        .hasMessageContaining("Cluster")
        .hasMessageNotContaining("topsecret");
    assertThatThrownBy(() -> map("spring.data.redis.sentinel.master", "m",
        "spring.data.redis.sentinel.nodes", "s:1", "spring.data.redis.ssl.enabled", "true"))
        .hasMessageStartingWith("spring.data.redis.ssl: ");
    assertThatThrownBy(() -> map("spring.data.redis.sentinel.master", "m",
        "spring.data.redis.sentinel.nodes", "s:1", "spring.data.redis.sentinel.password", "x"))
        .hasMessageStartingWith("spring.data.redis.sentinel.password: ");
    assertThatThrownBy(() -> map("spring.data.redis.sentinel.master", "m"))
        .hasMessageStartingWith("spring.data.redis.sentinel.nodes must name");
    assertThatThrownBy(() -> map("spring.data.redis.masterreplica.nodes", "a:1,b:2"))
        .hasMessageStartingWith("spring.data.redis.masterreplica.nodes: ");
  }

  @Test
  void anInvalidValueNamesThePropertyAndHidesThePassword() {
    assertThatThrownBy(() -> map("spring.data.redis.url", "http://u:topsecret@h"))
        .hasMessageStartingWith("spring.data.redis.url: ")
        .hasMessageNotContaining("topsecret");
    assertThatThrownBy(() -> map("spring.data.redis.url", "redis-cluster://h:1"))
        .hasMessageStartingWith("spring.data.redis.url must be redis:// or rediss://");
    assertThatThrownBy(() -> map("spring.data.redis.host", "h", "spring.data.redis.port", "0",
        "spring.data.redis.password", "topsecret"))
        .hasMessageStartingWith("spring.data.redis.host: ")
        .hasMessageContaining("port")
        .hasMessageNotContaining("topsecret");
  }
}
