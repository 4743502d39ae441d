package io.github.switchboard.examples;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.cache.TranslationCache;
import io.github.switchboard.cache.TranslationCaches;
import io.github.switchboard.cache.TranslationKey;
import io.github.switchboard.core.RedisBackend;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.examples.coordinator.Coordinator;
import io.github.switchboard.examples.coordinator.CoordinatorConfig;
import io.github.switchboard.micrometer.DecoderPoolMetrics;
import io.github.switchboard.micrometer.RateLimiterMetrics;
import io.github.switchboard.micrometer.RegistrationClientMetrics;
import io.github.switchboard.micrometer.TranslationCacheMetrics;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.HealthCheckConfig;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.RoutingRequest;
import io.github.switchboard.pool.Selection;
import io.github.switchboard.pool.Subscription;
import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.FallbackMode;
import io.github.switchboard.ratelimit.LimitPlans;
import io.github.switchboard.ratelimit.RateLimitHeaders;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import io.github.switchboard.registration.KeepAlive;
import io.github.switchboard.registration.RegistrationClient;
import io.github.switchboard.registration.RegistrationClients;
import io.github.switchboard.registration.RegistrationResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java examples of the modules' READMEs, line for line ({@code ReadmeExampleTest} checks that each
 * README and this file agree), so that no README example can drift from the API. They are compiled, not
 * run: they need servers that the READMEs assume.
 */
final class ModuleReadmeExamples {
  private static final Logger log = LoggerFactory.getLogger(ModuleReadmeExamples.class);

  private ModuleReadmeExamples() {}

  static void rateLimiter() {
    // README:begin rate-limiter/README.md
    RateLimitPolicy policy = RateLimitPolicy.builder()
        .algorithm(Algorithm.SLIDING_WINDOW_LOG)
        .limit(60, Duration.ofMinutes(1))
        .limit(1000, Duration.ofHours(1))
        .build();
    try (RateLimiter limiter = RateLimiters.builder(policy)
            .redis(RedisTarget.parse("redis://localhost:6379"))   // leave out: in-memory limiter
            .fallback(FallbackMode.LOCAL)                          // LOCAL (default), ALLOW, DENY
            .expectedInstances(4)                                  // LOCAL fallback enforces 1/4 each
            .build()) {
      Decision d = limiter.tryAcquire("client-42");
      Map<String, String> headers = RateLimitHeaders.of(d, policy);  // RateLimit-Policy, RateLimit, Retry-After
    }
    // README:end
  }

  /** The "RedisBackend" example of docs/core.md: one backend, one connection for every component. */
  static void redisBackend(CircuitBreakerRegistry breakers, RateLimitPolicy policy) {
    // README:begin docs/core.md
    RedisBackend redis = RedisBackend.of(RedisTarget.parse("redis://localhost:6379"))
        .withOptions(RedisOptions.builder().commandTimeout(Duration.ofMillis(250)).build())
        .withCircuitBreakerRegistry(breakers);          // optional: each component's breaker in it
    try (RateLimiter limiter = RateLimiters.builder(policy).redis(redis).build();
        DecoderPool pool = DecoderPools.builder("default").redis(redis).build();
        TranslationCache cache = TranslationCaches.builder("translations").redis(redis).build()) {
      // one Redis connection between the three, beside the pool's and the cache's subscriptions
      log.info("{} {} {}", limiter.backendState(), pool.backendState(), cache.backendState());
    }
    // README:end
  }

  /** The "Plans and shadow mode" example of rate-limiter/README.md (its second Java block), compiled. */
  static void plans(RedisTarget target, RateLimitPolicy defaultPolicy) {
    LimitPlans plans = LimitPlans.builder("api").redis(target).build();           // none: this process only
    plans.putPlan("free", RateLimitPolicy.builder().limit(60, Duration.ofMinutes(1)).build());
    plans.putPlan("trial", RateLimitPolicy.builder().limit(10, Duration.ofMinutes(1)).shadow(true).build());
    plans.assign("client-42", "free");                                             // unassign(key), removePlan(name)
    RateLimiter limiter = RateLimiters.builder(defaultPolicy).redis(target).plans(plans).build();
  }

  /** What cache/README.md calls a decoder: a client of a decoder node. */
  interface Decoder {
    String decode(TranslationKey key) throws Exception;

    CompletionStage<String> decodeAsync(TranslationKey key);
  }

  static void cache(Decoder decoder) {
    // README:begin cache/README.md
    try (TranslationCache cache = TranslationCaches.builder("translations")
            .redis(RedisTarget.parse("redis://localhost:6379"))   // leave out: this process only
            .timeToLive(Duration.ofDays(7))
            .nearCacheSize(10_000)
            .build()) {
      TranslationKey key = TranslationKey.builder("en", "es", "Hello, world").domain("medical").model("m-2026-11").build();
      String result = cache.getOrLoad(key, k -> decoder.decode(k));                  // sync: loads on this thread
      CompletionStage<String> later = cache.getOrLoadAsync(key, k -> decoder.decodeAsync(k));
      log.info("hit ratio {}", cache.stats().hitRatio());
    }
    // README:end
  }

  static void decoderPool() {
    // README:begin decoder-pool/README.md
    DecoderNode node = DecoderNode.builder("decoder-1", URI.create("http://decoder:8001"))
        .region("us-east-1").gpuType("T4").capacity(100)
        .languages("en", "es", "fr").tags("production").priority(1)
        .build();
    try (DecoderPool pool = DecoderPools.builder("default")
            .redis(RedisTarget.parse(System.getenv("REDIS_URL")))   // leave out: file or memory
            .file(Path.of("config/decoder_pool.json"))              // fallback and mirror
            .healthChecks(true)
            .build()) {
      boolean created = pool.register(node);                      // true: created, false: updated
      pool.heartbeat("decoder-1", NodeLoad.of(12));               // also registerAsync, heartbeatAsync, ...
      Optional<Selection> s = pool.select(RoutingRequest.of("en", "es").preferRegion("us-east-1"));
      Subscription sub = pool.subscribe(event -> log.info("{}", event));
    }
    // README:end
  }

  static void registrationClient(String apiToken) throws Exception {
    // README:begin registration-client/README.md
    DecoderNode node = DecoderNode.builder("decoder-1", URI.create("http://decoder-1:8001"))
        .region("us-east-1").gpuType("T4").capacity(100).languages("en", "es").build();
    try (RegistrationClient client = RegistrationClients.builder()
            .coordinator(URI.create("https://coordinator:8002"), apiToken)   // tried first
            .redis(RedisTarget.parse("redis://redis:6379"), "default")       // then Redis
            .file(Path.of("config/decoder_pool.json"))                       // then the file
            .build()) {
      RegistrationResult r = client.register(node);     // r.channel(): COORDINATOR, REDIS or FILE
      KeepAlive alive = client.keepAlive(node, Duration.ofSeconds(10), () -> NodeLoad.of(currentLoad()));
      // ... serve ...
      alive.close();                                    // drains the node, then deregisters it
    }
    // README:end
  }

  static void coordinator(String token) {
    // README:begin examples/README.md
    CoordinatorConfig config = CoordinatorConfig.builder(token)
        .host("127.0.0.1").port(0)
        .poolFile(Path.of("build/decoder_pool.json"))
        .healthChecks(HealthCheckConfig.DISABLED)
        .build();
    try (Coordinator coordinator = Coordinator.start(config)) {
      URI base = coordinator.uri();        // http://127.0.0.1:<port>
    }
    // README:end
  }

  static void micrometer() {
    // README:begin micrometer/README.md
    MeterRegistry registry = new SimpleMeterRegistry();   // or Prometheus, OTLP, JMX, ...
    RateLimitPolicy policy = RateLimitPolicy.builder().limit(60, Duration.ofMinutes(1)).build();
    RateLimiter limiter = RateLimiterMetrics.monitor(registry, RateLimiters.builder(policy).build(), "api");
    DecoderPool pool = DecoderPoolMetrics.monitor(registry, DecoderPools.builder("default").build(), "default");
    RegistrationClient client = RegistrationClients.builder()
        .redis(RedisTarget.parse("redis://localhost:6379"), "default")
        .listener(RegistrationClientMetrics.listener(registry))
        .build();
    TranslationCache cache = TranslationCacheMetrics.monitor(
        registry, TranslationCaches.builder("translations").build(), "translations");
    // README:end
  }

  private static double currentLoad() {
    return 0;
  }
}
