package io.github.switchboard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's Java example is the code of {@link ReadmeExample}, which compiles in this module. */
class ReadmeExampleTest {

  private static List<String> normalized(List<String> lines) {
    return lines.stream().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.toList());
  }

  @Test
  void readmeJavaExampleIsTheCompiledExample() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    List<String> readme = Files.readAllLines(root.resolve("README.md"));
    int start = readme.indexOf("```java");
    assertThat(start).as("README.md has a ```java block").isGreaterThanOrEqualTo(0);
    int end = readme.subList(start + 1, readme.size()).indexOf("```") + start + 1;
    List<String> snippet = normalized(readme.subList(start + 1, end));

    List<String> source =
        Files.readAllLines(
            Path.of("src/main/java/io/github/switchboard/examples/ReadmeExample.java"));
    int from = -1;
    int to = -1;
    for (int i = 0; i < source.size(); i++) {
      if (source.get(i).contains("// README:begin")) {
        from = i + 1;
      } else if (source.get(i).contains("// README:end")) {
        to = i;
      }
    }
    assertThat(from).isPositive();
    assertThat(to).isGreaterThan(from);
    assertThat(snippet).isEqualTo(normalized(source.subList(from, to)));
  }
}
