package io.github.switchboard.core.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The databases of REDIS_URL servers this JVM may empty. The harness never sends FLUSHALL to a server it
 * did not start: it claims the one database REDIS_URL names, and only if that database is empty when the
 * tests first reach it (or was claimed earlier by this JVM); then it empties that database alone (FLUSHDB)
 * before each test and once more when the JVM exits, so the next run finds it empty again. A database
 * holding keys the tests did not write is refused with an error saying what to do: the user's data is
 * never touched, and the tests never write into it either.
 */
final class ExternalClaims {
  private static final Logger LOG = LoggerFactory.getLogger(ExternalClaims.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  /** Claimed databases, by "host:port/db", with how to reach them. */
  private static final Map<String, Resp.Endpoint> CLAIMED = new LinkedHashMap<>();
  private static boolean hookInstalled;

  private ExternalClaims() {}

  private static String key(Resp.Endpoint e) {
    return e.host() + ":" + e.port() + "/" + e.database();
  }

  /**
   * Claims the endpoint's database for this JVM, or refuses.
   *
   * @param e the endpoint, with the database to claim
   * @param redacted the URL for messages, without its password
   * @throws IllegalStateException if the database holds keys and this JVM has not claimed it
   */
  static synchronized void claim(Resp.Endpoint e, String redacted) {
    String k = key(e);
    if (CLAIMED.containsKey(k)) {
      return;
    }
    Object size = call(e, "DBSIZE");
    long keys = size instanceof Long l ? l : -1;
    if (keys != 0) {
      Object sample = call(e, "RANDOMKEY");
      throw new IllegalStateException(
          "REDIS_URL names " + redacted + ", whose database " + e.database() + " holds " + keys
              + " key(s) these tests did not write (for example '" + sample + "'). The harness"
              + " empties only a database that was empty when it first reached it, so it will not"
              + " touch this one. Point REDIS_URL at an empty database of its own (for example "
              + redacted.replaceFirst("(/\\d+)?$", "/15") + ") or, if these keys are leftovers of an"
              + " interrupted test run, empty it yourself: redis-cli -n " + e.database() + " FLUSHDB");
    }
    CLAIMED.put(k, e);
    if (!hookInstalled) {
      hookInstalled = true;
      Runtime.getRuntime()
          .addShutdownHook(new Thread(ExternalClaims::releaseAll, "switchboard-harness-release"));
    }
    LOG.info("claimed database {} of {} for the tests (it was empty)", e.database(), redacted);
  }

  /**
   * Empties a claimed database (FLUSHDB, never FLUSHALL).
   *
   * @throws IllegalStateException if the database was not claimed by this JVM
   */
  static synchronized void flush(Resp.Endpoint e) {
    if (!CLAIMED.containsKey(key(e))) {
      throw new IllegalStateException(
          "database " + e.database() + " of " + e + " was not claimed by the harness; not flushing it");
    }
    call(e, "FLUSHDB");
  }

  /** Whether this JVM has claimed the endpoint's database. */
  static synchronized boolean isClaimed(Resp.Endpoint e) {
    return CLAIMED.containsKey(key(e));
  }

  /** Empties every claimed database and forgets the claims (at JVM exit, and for tests). */
  static synchronized void releaseAll() {
    for (Resp.Endpoint e : List.copyOf(CLAIMED.values())) {
      try {
        Resp.call(e, TIMEOUT, "FLUSHDB");
      } catch (IOException | RuntimeException ex) {
        LOG.warn("could not empty database {} of {} at exit: {}", e.database(), e, ex.toString());
      }
    }
    CLAIMED.clear();
  }

  private static @Nullable Object call(Resp.Endpoint e, String... args) {
    try {
      return Resp.call(e, TIMEOUT, args);
    } catch (IOException ex) {
      throw new IllegalStateException(
          "REDIS_URL server " + e + ": " + args[0] + " failed: " + ex.getMessage(), ex);
    }
  }
}
