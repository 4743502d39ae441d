package io.github.switchboard.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.core.RedisTarget;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Checks the harness itself: every topology starts and answers, faults work, nothing is left over. */
class HarnessSelfTest {

  @Test
  void standaloneAnswersAndKillRestartPauseResumeWork() {
    long pid;
    try (RedisServer s = RedisHarness.standalone()) {
      assertThat(s.target().kind()).isEqualTo(RedisTarget.Kind.STANDALONE);
      assertThat(s.port()).isBetween(Ports.LOW, Ports.HIGH - 1);
      assertThat(Processes.commandLine(s.pid())).contains(RedisHarness.PROCESS_TAG);
      try (StatefulRedisConnection<String, String> c = s.connect()) {
        c.sync().set("k", "v");
        assertThat(c.sync().get("k")).isEqualTo("v");
      }
      assertThat(s.cli("GET", "k")).isEqualTo("v");
      assertThat(s.info("server")).containsEntry("tcp_port", Integer.toString(s.port()));
      pid = s.pid();
      s.kill();
      assertThat(s.isRunning()).isFalse();
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      s.restart();
      assertThat(s.cli("GET", "k")).isEmpty();
      s.pause();
      assertThat(Resp.ping(resp(s), Duration.ofMillis(300))).isFalse();
      s.resume();
      assertThat(Resp.ping(resp(s), Duration.ofMillis(2000))).isTrue();
      pid = s.pid();
    }
    assertAllGone(List.of(pid));
  }

  @Test
  void aSharedDeploymentIgnoresCloseAndIsReused() {
    RedisServer shared = RedisHarness.sharedStandalone();
    assertThat(RedisHarness.shared(Topology.STANDALONE)).isSameAs(shared);
    shared.close();
    assertThat(shared.isRunning()).isTrue();
    assertThat(shared.cli("PING")).isEqualTo("PONG");
  }

  @Test
  void manualTimeSourceMovesOnlyWhenTold() {
    ManualTimeSource t = new ManualTimeSource(1_000);
    assertThat(t.currentTimeMicros()).isEqualTo(1_000);
    assertThat(t.advance(Duration.ofMillis(2))).isEqualTo(3_000);
    assertThat(t.advanceMicros(5)).isEqualTo(3_005);
    t.set(10);
    assertThat(t.currentTimeMicros()).isEqualTo(10);
    assertThatThrownBy(() -> t.advance(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> t.advanceMicros(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  private static Resp.Endpoint resp(RedisServer s) {
    return new Resp.Endpoint("127.0.0.1", s.port(), null, null, null);
  }

  @Test
  void aclServerRefusesTheDefaultUser() {
    try (RedisServer s = RedisHarness.acl("app", "s3cr3t pass")) {
      assertThat(s.target().username()).contains("app");
      assertThat(s.target().toString()).doesNotContain("s3cr3t");
      assertThat(s.cli("PING")).isEqualTo("PONG");
      try (StatefulRedisConnection<String, String> c = s.connect()) {
        assertThat(c.sync().ping()).isEqualTo("PONG");
      }
      assertThatThrownBy(() -> Resp.call(resp(s), Duration.ofSeconds(1), "PING"))
          .hasMessageContaining("NOAUTH");
    }
  }

  @Test
  void tlsServerSpeaksOnlyTls() {
    try (RedisServer s = RedisHarness.tls()) {
      assertThat(s.target().tls()).isTrue();
      assertThat(s.options().trustedCertificate()).contains(s.certificate());
      try (StatefulRedisConnection<String, String> c = s.connect()) {
        assertThat(c.sync().ping()).isEqualTo("PONG");
      }
      assertThat(s.cli("PING")).isEqualTo("PONG");
      assertThat(Resp.ping(resp(s), Duration.ofMillis(500))).isFalse();
    }
  }

  private static List<Long> pids(List<RedisServer> servers) {
    List<Long> pids = new java.util.ArrayList<>();
    for (RedisServer s : servers) {
      if (s.pid() > 0) {
        pids.add(s.pid());
      }
    }
    return pids;
  }

  private static void assertAllGone(List<Long> pids) {
    assertThat(pids).isNotEmpty();
    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
          .as("pid %d after close", pid)
          .isFalse();
    }
    assertThat(RedisHarness.harnessProcesses()).extracting(ProcessHandle::pid).doesNotContainAnyElementsOf(pids);
  }

  @Test
  void sentinelFailsOver() {
    List<Long> pids;
    try (RedisSentinel d = RedisHarness.sentinel()) {
      List<RedisServer> all = new java.util.ArrayList<>(d.sentinels());
      all.add(d.master());
      all.add(d.replica());
      pids = pids(all);
      assertThat(pids).hasSize(5);
      for (long pid : pids) {
        assertThat(Processes.commandLine(pid)).contains(RedisHarness.PROCESS_TAG);
      }
      assertThat(d.target().kind()).isEqualTo(RedisTarget.Kind.SENTINEL);
      assertThat(d.target().hosts()).hasSize(3);
      try (StatefulRedisConnection<String, String> c = d.connect()) {
        c.sync().set("k", "v");
      }
      RedisServer oldMaster = d.master();
      RedisServer promoted = d.failover();
      assertThat(promoted).isNotSameAs(oldMaster);
      assertThat(d.master()).isSameAs(promoted);
      assertThat(promoted.info("replication")).containsEntry("role", "master");
      assertThat(promoted.cli("GET", "k")).isEqualTo("v");
    }
    assertAllGone(pids);
  }

  @Test
  void clusterIsReady() {
    List<Long> pids;
    try (RedisCluster d = RedisHarness.cluster()) {
      assertThat(d.nodes()).hasSize(3);
      pids = pids(d.nodes());
      for (Map<String, String> info : d.clusterInfo().values()) {
        assertThat(info).containsEntry("cluster_state", "ok").containsEntry("cluster_slots_ok", "16384");
      }
      try (StatefulRedisClusterConnection<String, String> c = d.connect()) {
        for (int i = 0; i < 50; i++) {
          c.sync().set("k" + i, "v" + i);
        }
        assertThat(c.sync().get("k7")).isEqualTo("v7");
      }
      assertThat(d.nodeFor("k7").cli("GET", "k7")).isEqualTo("v7");
      d.flushAll();
      assertThat(d.nodeFor("k7").cli("GET", "k7")).isEmpty();
    }
    assertAllGone(pids);
  }

  @Test
  void sourceIsChosenInTheDocumentedOrder() {
    java.util.concurrent.atomic.AtomicInteger dockerAsked = new java.util.concurrent.atomic.AtomicInteger();
    java.util.function.BooleanSupplier docker = () -> dockerAsked.incrementAndGet() > 0;
    java.util.function.BooleanSupplier noDocker = () -> false;
    assertThat(RedisHarness.chooseSource("redis://h:1", true, true, docker))
        .isEqualTo(RedisHarness.Source.EXTERNAL);
    // REDIS_URL gives only a standalone server
    assertThat(RedisHarness.chooseSource("redis://h:1", false, true, docker))
        .isEqualTo(RedisHarness.Source.LOCAL);
    assertThat(RedisHarness.chooseSource(" ", true, true, docker)).isEqualTo(RedisHarness.Source.LOCAL);
    assertThat(RedisHarness.chooseSource(null, true, true, docker)).isEqualTo(RedisHarness.Source.LOCAL);
    assertThat(dockerAsked).hasValue(0);
    assertThat(RedisHarness.chooseSource(null, true, false, docker)).isEqualTo(RedisHarness.Source.DOCKER);
    assertThatThrownBy(() -> RedisHarness.chooseSource(null, true, false, noDocker))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("apt-get install redis-server");
  }

  @Test
  void faultsOnAnExternalServerAbortTheTest() {
    try (RedisServer owned = RedisHarness.standalone()) {
      RedisServer external = RedisServer.external(RedisTarget.standalone("127.0.0.1", owned.port()));
      assertThat(external.isExternal()).isTrue();
      external.call("SET", "k", "v");
      assertThat(external.cli("GET", "k")).isEqualTo("v");
      for (Runnable fault :
          List.<Runnable>of(external::kill, external::restart, external::pause, external::resume)) {
        assertThatThrownBy(fault::run)
            .isInstanceOf(org.opentest4j.TestAbortedException.class)
            .hasMessageContaining("REDIS_URL");
      }
      external.close();
      assertThat(owned.cli("GET", "k")).isEqualTo("v");
    }
  }

  @Test
  void theShutdownHookKillsWhatATestLeftRunning() throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), LeakyMain.class.getName())
            .redirectErrorStream(true)
            .start();
    String out;
    try (java.io.InputStream in = child.getInputStream()) {
      out = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    assertThat(child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("PID=(\\d+)").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    long pid = Long.parseLong(m.group(1));
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
        .as("redis-server pid %d left by a JVM that exited without closing it", pid)
        .isFalse();
  }

  /** Starts a server, never closes it and dies of an exception. */
  static final class LeakyMain {
    public static void main(String[] args) {
      RedisServer s = RedisHarness.standalone();
      System.out.println("PID=" + s.pid());
      System.out.flush();
      throw new IllegalStateException("a test that fails without closing its server");
    }
  }

  @AfterAll
  static void nothingLeftOver() {
    List<ProcessHandle> strays = RedisHarness.strayProcesses();
    assertThat(strays).isEmpty();
  }
}
