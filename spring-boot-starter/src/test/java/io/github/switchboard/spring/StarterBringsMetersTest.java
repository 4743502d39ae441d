package io.github.switchboard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.ratelimit.RateLimiter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * An application with the starter and a MeterRegistry (the actuator's) gets the switchboard.* meters with
 * no other dependency: the starter's own auto-configurations, as its imports file lists them, register
 * them, and its POM brings switchboard-micrometer to every application (not optional, not test-scoped).
 */
class StarterBringsMetersTest {

  @TempDir Path dir;

  @Test
  void theStartersAutoConfigurationsAloneRegisterTheMetersOnTheRegistry() throws Exception {
    List<Class<?>> imports = new ArrayList<>();
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(
        "META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports")) {
      assertThat(in).as("the starter's imports file").isNotNull();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          imports.add(Class.forName(line.strip()));
        }
      }
    }
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(imports.toArray(Class<?>[]::new)))
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues("switchboard.pool.file=" + dir.resolve("decoder_pool.json"),
            "switchboard.rate-limit.limits=1/1m")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed();
          MeterRegistry registry = ctx.getBean(MeterRegistry.class);
          RateLimiter limiter = ctx.getBean(RateLimiter.class);
          limiter.tryAcquire("a");
          limiter.tryAcquire("a");
          String name = ctx.getBean(SwitchboardProperties.class).getRateLimit().getName();
          assertThat(registry.get("switchboard.ratelimit.decisions").tag("name", name)
              .tag("outcome", "allowed").tag("degraded", "false").counter().count()).isEqualTo(1);
          assertThat(registry.get("switchboard.ratelimit.decisions").tag("name", name)
              .tag("outcome", "denied").tag("degraded", "false").counter().count()).isEqualTo(1);
          assertThat(registry.get("switchboard.ratelimit.decisions").tag("name", name)
              .tag("outcome", "shadow_denied").tag("degraded", "false").counter().count()).isZero();
          assertThat(registry.find("switchboard.ratelimit.latency").timer()).isNotNull();
          assertThat(registry.find("switchboard.pool.nodes").gauges()).isNotEmpty();
        });
  }

  @Test
  void thePomBringsSwitchboardMicrometerToEveryApplication() throws Exception {
    Path pom = Path.of("pom.xml");
    assertThat(Files.readString(pom)).contains("<artifactId>switchboard-spring-boot-starter</artifactId>");
    var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    Element project = doc.getDocumentElement();
    Element dependencies = null;
    NodeList children = project.getChildNodes();
    for (int i = 0; i < children.getLength(); i++) {
      if (children.item(i) instanceof Element e && e.getTagName().equals("dependencies")) {
        dependencies = e;
      }
    }
    assertThat(dependencies).as("the project's <dependencies>").isNotNull();
    Element micrometer = null;
    NodeList deps = dependencies.getElementsByTagName("dependency");
    for (int i = 0; i < deps.getLength(); i++) {
      Element d = (Element) deps.item(i);
      if (text(d, "artifactId").equals("switchboard-micrometer")) {
        micrometer = d;
      }
    }
    assertThat(micrometer).as("a dependency on switchboard-micrometer").isNotNull();
    assertThat(text(micrometer, "optional")).as("switchboard-micrometer <optional>").isNotEqualTo("true");
    assertThat(text(micrometer, "scope")).as("switchboard-micrometer <scope>").isIn("", "compile");
  }

  private static String text(Element e, String tag) {
    NodeList l = e.getElementsByTagName(tag);
    return l.getLength() == 0 ? "" : l.item(0).getTextContent().strip();
  }
}
