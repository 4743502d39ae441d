package io.github.switchboard.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The first {@code ```java} block of the starter's README and of this module's README equals, line for line
 * (indentation aside), the region of {@code StarterReadmeExample} or {@code SampleApplication} that compiles
 * here (as {@code examples}' ReadmeExampleTest does for the other modules).
 */
class StarterReadmeTest {
  static final Path MODULE = Path.of("").toAbsolutePath();
  static final Path SOURCES = MODULE.resolve("src/main/java/io/github/switchboard/examples");

  @Test
  void theStarterReadmeExampleCompilesHere() throws IOException {
    assertThat(firstJavaBlock(MODULE.resolveSibling("spring-boot-starter/README.md")))
        .isEqualTo(region(SOURCES.resolve("readme/StarterReadmeExample.java"),
            "// README:begin spring-boot-starter/README.md"));
  }

  static List<String> firstJavaBlock(Path readme) throws IOException {
    List<String> out = new ArrayList<>();
    boolean in = false;
    for (String line : Files.readAllLines(readme)) {
      if (!in && line.strip().equals("```java")) {
        in = true;
      } else if (in && line.strip().equals("```")) {
        return normalize(out);
      } else if (in) {
        out.add(line);
      }
    }
    throw new AssertionError(readme + " has no ```java block");
  }

  static List<String> region(Path source, String begin) throws IOException {
    List<String> lines = Files.readAllLines(source);
    int from = -1;
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i).strip();
      if (l.equals(begin)) {
        from = i + 1;
      } else if (from >= 0 && l.equals("// README:end")) {
        return normalize(lines.subList(from, i));
      }
    }
    throw new AssertionError(source + " has no region " + begin);
  }

  /** Drops the common indentation. */
  static List<String> normalize(List<String> lines) {
    int indent = lines.stream().filter(l -> !l.isBlank())
        .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    return lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList();
  }
}
