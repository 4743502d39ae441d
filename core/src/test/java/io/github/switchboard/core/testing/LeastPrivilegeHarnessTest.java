package io.github.switchboard.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.internal.EvictionGuard;
import io.github.switchboard.core.internal.RedisConnection;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The least-privilege server: its user reaches only switchboard:* and the granted commands. */
class LeastPrivilegeHarnessTest {

  @Test
  void theUserIsConfinedToItsKeysAndCommandsWhileTheHarnessKeepsItsChores() throws Exception {
    try (RedisServer s = RedisHarness.leastPrivilege()) {
      assertThat(s.target().username()).contains(LeastPrivilege.USER);
      try (StatefulRedisConnection<String, String> c = s.connect()) {
        c.sync().set("switchboard:rl:{a}:fw", "1");
        assertThatThrownBy(() -> c.sync().set("other:key", "1"))
            .isInstanceOf(RedisCommandExecutionException.class).hasMessageContaining("NOPERM");
        assertThatThrownBy(() -> c.sync().flushall())
            .isInstanceOf(RedisCommandExecutionException.class).hasMessageContaining("NOPERM");
        assertThatThrownBy(() -> c.sync().keys("*"))
            .isInstanceOf(RedisCommandExecutionException.class).hasMessageContaining("NOPERM");
      }
      // the eviction guard may read the policy as this user
      try (RedisConnection rc = RedisConnection.open(s.target(), RedisOptions.defaults(), "lp")) {
        assertThat(rc.evictionCheck().toCompletableFuture().get(5, TimeUnit.SECONDS))
            .isEqualTo(EvictionGuard.Finding.SAFE);
      }
      // the harness logs in as its own user: FLUSHALL, ACL LOG and redis-cli still work
      assertThat(s.cli("GET", "switchboard:rl:{a}:fw")).isEqualTo("1");
      s.flushAll();
      assertThat(s.cli("DBSIZE")).isEqualTo("0");
      assertThat((List<?>) s.call("ACL", "LOG")).hasSize(3); // the three refusals above
    }
  }
}
