package io.github.switchboard.micrometer;

import io.github.switchboard.registration.Channel;
import io.github.switchboard.registration.RegistrationClients;
import io.github.switchboard.registration.RegistrationListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Micrometer meters for a {@code RegistrationClient}: the counter {@value #ATTEMPTS} with the tags {@code
 * channel} ({@code coordinator}, {@code redis}, {@code file}) and {@code result} ({@code success}, {@code
 * failure}), one count per attempt on a channel (see {@link RegistrationListener} for what is an attempt).
 *
 * <pre>{@code
 * RegistrationClient client = RegistrationClients.builder()
 *     .coordinator(URI.create("https://coordinator:8002"), apiToken)
 *     .redis(RedisTarget.parse("redis://redis:6379"), "default")
 *     .listener(RegistrationClientMetrics.listener(registry))
 *     .build();
 * }</pre>
 *
 * <p>A client that keeps falling through to a lower channel shows as failures on the higher one and
 * successes on the lower one.
 */
public final class RegistrationClientMetrics {

  /** The counter of attempts. */
  public static final String ATTEMPTS = "switchboard.registration.attempts";

  private RegistrationClientMetrics() {}

  /**
   * Returns a listener for {@link RegistrationClients.Builder#listener(RegistrationListener)} that counts
   * attempts by channel and result. Registers the counters of the three channels at once (at 0). It never
   * throws.
   *
   * @param registry where the counters go
   * @return the listener
   * @throws NullPointerException if the registry is null
   */
  public static RegistrationListener listener(MeterRegistry registry) {
    return new Attempts(Objects.requireNonNull(registry, "registry"));
  }

  /** Counts attempts; the known channels' counters are built once, so an attempt looks nothing up. */
  private static final class Attempts implements RegistrationListener {
    private final MeterRegistry registry;
    private final Map<String, Counter> success = new HashMap<>();
    private final Map<String, Counter> failure = new HashMap<>();

    Attempts(MeterRegistry registry) {
      this.registry = registry;
      for (Channel c : Channel.values()) {
        success.put(c.label(), counter(c.label(), true));
        failure.put(c.label(), counter(c.label(), false));
      }
    }

    private Counter counter(String channel, boolean ok) {
      return Counter.builder(ATTEMPTS)
          .description("Attempts of the registration client on a channel, by result")
          .tag("channel", channel)
          .tag("result", ok ? "success" : "failure")
          .register(registry);
    }

    @Override
    public void onAttempt(String channel, boolean ok) {
      Counter c = (ok ? success : failure).get(channel);
      (c != null ? c : counter(channel, ok)).increment();
    }
  }
}
