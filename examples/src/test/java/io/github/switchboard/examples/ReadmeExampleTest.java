package io.github.switchboard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every README's Java example is code that compiles in this module: the first {@code ```java} block of each
 * README equals, line for line (indentation aside), a region of {@link ReadmeExample} or
 * {@link ModuleReadmeExamples} marked {@code // README:begin <readme>} ... {@code // README:end}.
 */
class ReadmeExampleTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Path SOURCES = Path.of("src/main/java/io/github/switchboard/examples");

  private static List<String> normalized(List<String> lines) {
    return lines.stream().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.toList());
  }

  private static List<String> firstJavaBlock(Path readme) throws IOException {
    List<String> lines = Files.readAllLines(readme);
    int start = lines.indexOf("```java");
    assertThat(start).as("%s has a ```java block", readme).isGreaterThanOrEqualTo(0);
    int end = lines.subList(start + 1, lines.size()).indexOf("```") + start + 1;
    return normalized(lines.subList(start + 1, end));
  }

  private static List<String> region(Path source, String marker) throws IOException {
    List<String> lines = Files.readAllLines(source);
    int from = -1;
    int to = -1;
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i).strip();
      if (from < 0 && l.equals(marker)) {
        from = i + 1;
      } else if (from >= 0 && to < 0 && l.equals("// README:end")) {
        to = i;
      }
    }
    assertThat(from).as("%s has the marker '%s'", source, marker).isPositive();
    assertThat(to).as("%s closes the region '%s'", source, marker).isGreaterThan(from);
    return normalized(lines.subList(from, to));
  }

  @Test
  void theRootReadmeExampleIsTheCompiledExample() throws IOException {
    assertThat(firstJavaBlock(ROOT.resolve("README.md")))
        .isEqualTo(region(SOURCES.resolve("ReadmeExample.java"), "// README:begin"));
  }

  @Test
  void everyModuleReadmeExampleIsCompiledHere() throws IOException {
    List<String> checked = new ArrayList<>();
    for (String readme :
        List.of(
            "rate-limiter/README.md",
            "decoder-pool/README.md",
            "registration-client/README.md",
            "cache/README.md",
            "micrometer/README.md",
            "examples/README.md",
            "docs/core.md")) {
      assertThat(firstJavaBlock(ROOT.resolve(readme)))
          .as(readme)
          .isEqualTo(region(SOURCES.resolve("ModuleReadmeExamples.java"), "// README:begin " + readme));
      checked.add(readme);
    }
    assertThat(checked).hasSize(7);
  }
}
