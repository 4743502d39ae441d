package io.github.switchboard.examples.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.pool.HealthCheckConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unauthenticated clients cannot flood the log: requests the server refuses before the API sees them
 * (malformed, over a bound) are counted, and one summary line is logged at most once a minute (and when
 * the coordinator stops). The log is captured with the coordinator's own logback.xml in force.
 */
class CoordinatorLogFloodTest {
  static final String TOKEN = CoordinatorHttpTest.TOKEN;
  static final long MAX_LOG_BYTES = 10 * 1024;

  @TempDir Path dir;
  Coordinator coordinator;
  LogCapture log;

  @BeforeEach
  void setUp() {
    coordinator = Coordinator.start(CoordinatorConfig.builder(TOKEN)
        .host("127.0.0.1")
        .port(0)
        .poolFile(dir.resolve("decoder_pool.json"))
        .healthChecks(HealthCheckConfig.DISABLED)
        .build());
    log = new LogCapture();
  }

  @AfterEach
  void tearDown() {
    coordinator.close();
    log.close();
  }

  /** Sends the request on a new connection and returns the status line of the answer ("" if none). */
  String refused(String request) throws Exception {
    try (RawHttp c = new RawHttp(coordinator.port())) {
      String answer = c.send(request).untilClosed();
      int end = answer.indexOf("\r\n");
      return end < 0 ? answer : answer.substring(0, end);
    }
  }

  @Test
  void aThousandDuplicateHostHeadersAddLessThan10KbOfLogAndOneSummary() throws Exception {
    for (int i = 0; i < 1000; i++) {
      assertThat(refused("GET /health HTTP/1.1\r\nHost: a" + i + ".example\r\nHost: " + "b".repeat(4000) + "\r\n\r\n"))
          .startsWith("HTTP/1.1 400");
    }
    assertThat(log.bytes()).as("log during the flood: %s", log.lines()).isLessThan(MAX_LOG_BYTES);
    coordinator.close(); // the summary of what is counted is logged when the server stops
    List<String> summaries = log.lines().stream().filter(l -> l.contains("HTTP clients refused")).toList();
    assertThat(summaries).hasSize(1);
    assertThat(summaries.get(0)).contains("1000 requests answered with an error before the API saw them {400=1000}")
        .contains("Duplicate Host Header").doesNotContain("bbbb");
    assertThat(log.bytes()).as("the whole log: %s", log.lines()).isLessThan(MAX_LOG_BYTES);
  }

  @Test
  void everyKindOfHostileRequestIsCountedNotLogged() throws Exception {
    List<String> hostile = List.of(
        "GET /health HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
        "CONNECT /health HTTP/1.1\r\nHost: x\r\n\r\n",
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: [::1\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: x:99999999\r\n\r\n",
        "GARBAGE\r\n\r\n",
        "GET /health HTTP/9.9\r\nHost: x\r\n\r\n",
        "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n",
        "POST /api/v1/decoders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "POST /api/v1/decoders HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "POST /api/v1/decoders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
            + "\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "POST /api/v1/decoders HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n",
        "POST /api/v1/decoders HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n");
    Map<String, Integer> statuses = new TreeMap<>();
    for (int round = 0; round < 50; round++) {
      for (String request : hostile) {
        statuses.merge(refused(request), 1, Integer::sum);
      }
    }
    assertThat(statuses.keySet()).allMatch(s -> s.matches("HTTP/1\\.1 (4\\d\\d|501|505) .*"), "refused: " + statuses);
    assertThat(log.bytes()).as("log: %s", log.lines()).isLessThan(MAX_LOG_BYTES);
    coordinator.close();
    assertThat(log.lines().stream().filter(l -> l.contains("HTTP clients refused")).count()).isEqualTo(1);
    assertThat(log.bytes()).as("log: %s", log.lines()).isLessThan(MAX_LOG_BYTES);
  }

  @Test
  void theSummaryCountsEachKindAndNothingIsLoggedWithoutRefusals() {
    HttpLimits limits = HttpLimits.defaults();
    Refusals refusals = new Refusals(limits);
    assertThat(refusals.flush()).isNull();
    refusals.malformed(400, "Duplicate Host Header");
    refusals.malformed(400, "Bad\nRequest\u0000 " + "x".repeat(500));
    refusals.malformed(431, null);
    refusals.overAddress("192.0.2.7");
    refusals.overAddress("192.0.2.8");
    refusals.headerTimeout();
    refusals.slowBody();
    String line = refusals.flush();
    assertThat(line).contains("3 requests answered with an error before the API saw them {400=2, 431=1}")
        .contains("(last: Bad?Request? xxx").doesNotContain("x".repeat(100))
        .contains("2 connections closed over HTTP_MAX_CONNECTIONS_PER_ADDRESS=256 (last from 192.0.2.8)")
        .contains("1 connections closed with a request's headers incomplete after 10000 ms")
        .contains("1 request bodies answered 408");
    assertThat(log.lines()).filteredOn(l -> l.contains("HTTP clients refused")).hasSize(1);
    assertThat(refusals.flush()).as("counted afresh").isNull();
  }

}
