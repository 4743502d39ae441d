package io.github.switchboard.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The ACL line of docs/redis-integration.md is exactly the rules the least-privilege suites run as. */
class LeastPrivilegeDocTest {
  @Test
  void theGuideGrantsWhatTheSuitesRunWith() throws IOException {
    String guide = Files.readString(Path.of("..", "docs", "redis-integration.md"));
    String line = "ACL SETUSER " + LeastPrivilege.USER + " on >CHANGE-ME " + String.join(" ", LeastPrivilege.rules());
    assertThat(guide.lines()).contains(line);
  }
}
