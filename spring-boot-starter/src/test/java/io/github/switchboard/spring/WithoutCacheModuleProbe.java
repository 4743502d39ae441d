package io.github.switchboard.spring;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Starts the starter's auto-configuration in a class loader without switchboard-cache and Caffeine (see
 * {@link SwitchboardCacheAutoConfigurationTest}); loaded and called through that class loader only.
 */
public final class WithoutCacheModuleProbe {
  private WithoutCacheModuleProbe() {}

  /**
   * Starts a context with every Switchboard auto-configuration but the pool, and a meter registry.
   *
   * @param properties the properties
   * @return {@code "started: BEANS"} with the names of the Switchboard beans, or {@code "failed: "} and the
   *     messages of the failure's causes
   */
  public static String start(String... properties) {
    AtomicReference<String> outcome = new AtomicReference<>();
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SwitchboardAutoConfiguration.class,
            SwitchboardCacheAutoConfiguration.class, SwitchboardMetricsAutoConfiguration.class))
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues("switchboard.pool.enabled=false")
        .withPropertyValues(properties)
        .run(ctx -> {
          Throwable failure = ctx.getStartupFailure();
          if (failure == null) {
            outcome.set("started: " + String.join(",", ctx.getBeanNamesForType(Object.class)));
            ctx.getBean(io.github.switchboard.ratelimit.RateLimiter.class).tryAcquire("probe");
            return;
          }
          StringBuilder messages = new StringBuilder("failed:");
          for (Throwable t = failure; t != null; t = t.getCause()) {
            messages.append(' ').append(t);
          }
          outcome.set(messages.toString());
        });
    return outcome.get();
  }
}
