package io.github.switchboard.registration.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.registration.Channel;
import io.github.switchboard.registration.ChannelFailure;
import io.github.switchboard.registration.DeregistrationResult;
import io.github.switchboard.registration.InvalidNodeException;
import io.github.switchboard.registration.KeepAlive;
import io.github.switchboard.registration.RegistrationClient;
import io.github.switchboard.registration.RegistrationClients;
import io.github.switchboard.registration.RegistrationException;
import io.github.switchboard.registration.RegistrationListener;
import io.github.switchboard.registration.RegistrationRefusedException;
import io.github.switchboard.registration.RegistrationResult;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The channels, in order, and one daemon worker thread (a ScheduledThreadPoolExecutor of one thread) that
 * runs every keep-alive tick and the async variants. register()/deregister() run on the caller's thread;
 * the channels are thread-safe.
 *
 * Each channel is wrapped in a BreakerChannel (its own circuit breaker); the listeners hear one call per
 * channel attempt (not for a channel its open breaker skipped).
 *
 * Concurrency: keep-alives and pending async calls are in concurrent sets; close() marks the client closed,
 * stops the worker (interrupting a tick blocked on the network), closes every keep-alive (which drains and
 * deregisters its node, on the caller's thread), waits a bounded time, fails the async calls that did not complete, then closes the channels (the pools the client
 * opened).
 */
/** The {@link RegistrationClient} implementation. */
public final class DefaultRegistrationClient implements RegistrationClient {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultRegistrationClient.class);
  private static final long CLOSE_WAIT_MILLIS = 2000;
  private static final long LISTENER_LOG_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final ClientConfig config;
  private final List<RegistrationChannel> channels;
  private final List<RegistrationListener> listeners;
  private final AtomicLong listenerFailureLoggedNanos = new AtomicLong(System.nanoTime() - LISTENER_LOG_NANOS);
  private final ScheduledThreadPoolExecutor worker;
  private final Set<DefaultKeepAlive> keepAlives = ConcurrentHashMap.newKeySet();
  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * Creates the client; nothing is connected until a channel is first used.
   *
   * @param config the checked configuration
   */
  public DefaultRegistrationClient(ClientConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    List<RegistrationChannel> list = new ArrayList<>();
    URI coordinator = config.coordinator();
    if (coordinator != null) {
      list.add(new CoordinatorChannel(coordinator, Objects.requireNonNull(config.apiToken(), "apiToken"),
          config.requestTimeout()));
    }
    if (config.redis() != null) {
      list.add(PoolChannel.redis(config.redis(), config.poolName(), config.requestTimeout()));
    }
    Path file = config.file();
    if (file != null) {
      list.add(PoolChannel.file(file, config.poolName(), config.requestTimeout()));
    }
    List<RegistrationChannel> guarded = new ArrayList<>();
    for (RegistrationChannel ch : list) {
      String name = RegistrationClients.circuitBreakerName(ch.channel());
      CircuitBreakerRegistry registry = config.circuitBreakerRegistry();
      CircuitBreaker breaker = registry == null
          ? CircuitBreaker.of(name, config.circuitBreakerConfig())
          : registry.circuitBreaker(name, config.circuitBreakerConfig());
      guarded.add(new BreakerChannel(ch, breaker));
    }
    this.channels = List.copyOf(guarded);
    this.listeners = config.listeners();
    this.worker = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "switchboard-registration");
      t.setDaemon(true);
      return t;
    });
    worker.setRemoveOnCancelPolicy(true);
    worker.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  List<RegistrationChannel> channels() {
    return channels;
  }

  /** The configured channel {@code c} (one the client has). */
  RegistrationChannel channel(Channel c) {
    for (RegistrationChannel ch : channels) {
      if (ch.channel() == c) {
        return ch;
      }
    }
    throw new IllegalArgumentException("no " + c.label() + " channel");
  }

  boolean deregisterOnClose() {
    return config.deregisterOnClose();
  }

  ScheduledThreadPoolExecutor worker() {
    return worker;
  }

  @Override
  public RegistrationResult register(DecoderNode node) {
    Objects.requireNonNull(node, "node");
    checkOpen();
    checkHttps(node);
    List<ChannelFailure> failures = new ArrayList<>();
    for (RegistrationChannel ch : channels) {
      try {
        boolean created;
        try {
          created = ch.register(node);
        } catch (InvalidNodeException e) {
          attempted(ch.channel(), false);
          throw e;
        }
        attempted(ch.channel(), true);
        if (failures.isEmpty()) {
          LOG.info("decoder node '{}' {} via {} ({})", node.nodeId(), created ? "registered" : "updated",
              ch.channel().label(), ch.describe());
        } else {
          LOG.warn("decoder node '{}' {} via {} ({}) after: {}", node.nodeId(), created ? "registered" : "updated",
              ch.channel().label(), ch.describe(), join(failures));
        }
        return new RegistrationResult(ch.channel(), created, failures);
      } catch (ChannelException e) {
        attempted(ch.channel(), e);
        if (e.refused()) {
          throw refused(ch, e, "registered", node.nodeId(), failures);
        }
        failures.add(new ChannelFailure(ch.channel(), Objects.requireNonNull(e.getMessage())));
      }
    }
    RegistrationException e = new RegistrationException(failures);
    LOG.warn("decoder node '{}' not registered: {}", node.nodeId(), e.getMessage());
    throw e;
  }

  @Override
  public CompletionStage<RegistrationResult> registerAsync(DecoderNode node) {
    Objects.requireNonNull(node, "node");
    return async(() -> register(node));
  }

  @Override
  public DeregistrationResult deregister(String nodeId) {
    Objects.requireNonNull(nodeId, "nodeId");
    checkOpen();
    List<ChannelFailure> failures = new ArrayList<>();
    Channel answered = null;
    for (RegistrationChannel ch : channels) {
      try {
        boolean removed = ch.deregister(nodeId);
        attempted(ch.channel(), true);
        if (removed) {
          LOG.info("decoder node '{}' deregistered via {} ({})", nodeId, ch.channel().label(), ch.describe());
          return new DeregistrationResult(ch.channel(), true, failures);
        }
        if (answered == null) {
          answered = ch.channel();
        }
      } catch (ChannelException e) {
        attempted(ch.channel(), e);
        if (e.refused()) {
          throw refused(ch, e, "deregistered", nodeId, failures);
        }
        failures.add(new ChannelFailure(ch.channel(), Objects.requireNonNull(e.getMessage())));
      }
    }
    if (answered == null) {
      throw new RegistrationException(failures);
    }
    return new DeregistrationResult(answered, false, failures);
  }

  @Override
  public CompletionStage<DeregistrationResult> deregisterAsync(String nodeId) {
    Objects.requireNonNull(nodeId, "nodeId");
    return async(() -> deregister(nodeId));
  }

  @Override
  public KeepAlive keepAlive(DecoderNode node, Duration interval) {
    return keepAlive(node, interval, () -> NodeLoad.NONE);
  }

  @Override
  public KeepAlive keepAlive(DecoderNode node, Duration interval, Supplier<NodeLoad> load) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(load, "load");
    if (interval.isZero() || interval.isNegative()) {
      throw new IllegalArgumentException("interval must be positive, was " + interval);
    }
    checkOpen();
    checkHttps(node);
    DefaultKeepAlive k = new DefaultKeepAlive(this, node, load);
    keepAlives.add(k);
    try {
      k.start(interval);
    } catch (RejectedExecutionException e) {
      keepAlives.remove(k);
      throw new IllegalStateException("the registration client is closed", e);
    }
    return k;
  }

  void removed(DefaultKeepAlive k) {
    keepAlives.remove(k);
  }

  boolean isClosed() {
    return closed;
  }

  /** Checks the HTTPS rule; the same rule the keep-alive applies. */
  void checkHttps(DecoderNode node) {
    if (config.requireHttps()) {
      String scheme = node.endpoint().getScheme();
      if (scheme == null || !scheme.toLowerCase(Locale.ROOT).equals("https")) {
        throw new InvalidNodeException("HTTPS is required but the endpoint of decoder node '" + node.nodeId()
            + "' is " + Redaction.urls(node.endpoint().toString()));
      }
    }
  }

  @SuppressWarnings("CollectionUndefinedEquality") // a future equals only itself: what this set needs
  private <T> CompletionStage<T> async(Supplier<T> call) {
    CompletableFuture<T> f = new CompletableFuture<>();
    pending.add(f);
    var unused = f.whenComplete((v, e) -> pending.remove(f)); // a removal from a set: it cannot fail
    try {
      worker.execute(() -> {
        if (f.isDone()) {
          return;
        }
        try {
          f.complete(call.get());
        } catch (Throwable t) {
          f.completeExceptionally(t);
        }
      });
    } catch (RejectedExecutionException e) {
      f.completeExceptionally(new IllegalStateException("the registration client is closed"));
    }
    return f;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the registration client is closed");
    }
  }

  /** Tells the listeners of a failed or refused attempt; a channel skipped by its breaker was not attempted. */
  void attempted(Channel channel, ChannelException e) {
    if (!e.skipped()) {
      attempted(channel, false);
    }
  }

  /** Tells the listeners of one attempt; what they throw is logged at most once a minute and ignored. */
  void attempted(Channel channel, boolean success) {
    for (RegistrationListener l : listeners) {
      try {
        l.onAttempt(channel.label(), success);
      } catch (RuntimeException e) {
        long now = System.nanoTime();
        long last = listenerFailureLoggedNanos.get();
        if (now - last >= LISTENER_LOG_NANOS && listenerFailureLoggedNanos.compareAndSet(last, now)) {
          LOG.warn("a registration listener threw; ignored (logged at most once a minute)", e);
        }
      }
    }
  }

  /** A refusal ends the chain: no lower channel is asked (logged at WARN, as every failed registration). */
  private static RegistrationRefusedException refused(RegistrationChannel ch, ChannelException e, String verb,
      String nodeId, List<ChannelFailure> failures) {
    String message = Objects.requireNonNull(e.getMessage());
    LOG.warn("decoder node '{}' not {}: {}; no other channel is tried", nodeId, verb, message);
    return new RegistrationRefusedException(ch.channel(), e.status(), message, failures);
  }

  static String join(List<ChannelFailure> failures) {
    return failures.stream().map(ChannelFailure::toString).collect(Collectors.joining("; "));
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    worker.shutdownNow(); // a tick blocked on the network is interrupted, so the keep-alives close at once
    for (DefaultKeepAlive k : List.copyOf(keepAlives)) {
      k.close(); // drains (and deregisters) the node, on this thread, before the channels close
    }
    try {
      worker.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // async calls still queued (dropped by shutdownNow) or still running: never leave a caller waiting
    for (CompletableFuture<?> f : List.copyOf(pending)) {
      f.completeExceptionally(new IllegalStateException("the registration client was closed"));
    }
    for (RegistrationChannel ch : channels) {
      try {
        ch.close();
      } catch (RuntimeException e) {
        LOG.warn("closing the {} channel ({}): {}", ch.channel().label(), ch.describe(), e.toString());
      }
    }
  }

  @Override
  public String toString() {
    return "RegistrationClient[" + channels.stream().map(c -> c.channel().label() + " " + c.describe())
        .collect(Collectors.joining(", ")) + "]";
  }
}
