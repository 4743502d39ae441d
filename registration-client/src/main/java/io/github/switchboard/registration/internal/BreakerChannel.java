package io.github.switchboard.registration.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.registration.Channel;
import io.github.switchboard.registration.InvalidNodeException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * One channel behind its own resilience4j circuit breaker. Every call asks the breaker first: while it is
 * open the call is not made and fails at once with a "skipped" ChannelException, so a dead channel costs
 * nothing (no connect, no request timeout) until the breaker's wait in the open state has passed; then one
 * probe is let through (half-open) and its outcome closes or re-opens the breaker.
 *
 * What the breaker records: a ChannelException that is a failure (unreachable, timeout, 5xx, Redis down, an
 * unwritable file) and any unexpected RuntimeException are errors; an answer, including a refusal (400, 401,
 * 403: the channel is up, it said no), is a success.
 *
 * Transitions are logged by comparing the state after each call with the last one logged (as core's
 * FailoverGuard does), so no resilience4j event consumer is registered.
 */
/** A {@link RegistrationChannel} guarded by a circuit breaker. */
final class BreakerChannel implements RegistrationChannel {
  private static final Logger LOG = LoggerFactory.getLogger(BreakerChannel.class);

  private final RegistrationChannel delegate;
  private final CircuitBreaker breaker;
  private final AtomicReference<CircuitBreaker.State> logged;

  BreakerChannel(RegistrationChannel delegate, CircuitBreaker breaker) {
    this.delegate = delegate;
    this.breaker = breaker;
    this.logged = new AtomicReference<>(breaker.getState());
  }

  CircuitBreaker breaker() {
    return breaker;
  }

  @Override
  public Channel channel() {
    return delegate.channel();
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public boolean register(DecoderNode node) throws ChannelException {
    return guarded(() -> delegate.register(node));
  }

  @Override
  public boolean deregister(String nodeId) throws ChannelException {
    return guarded(() -> delegate.deregister(nodeId));
  }

  @Override
  public boolean heartbeat(String nodeId, NodeLoad load) throws ChannelException {
    return guarded(() -> delegate.heartbeat(nodeId, load));
  }

  @Override
  public boolean setStatus(DecoderNode node, NodeStatus status) throws ChannelException {
    return guarded(() -> delegate.setStatus(node, status));
  }

  @FunctionalInterface
  private interface Call {
    boolean run() throws ChannelException;
  }

  private boolean guarded(Call call) throws ChannelException {
    if (!breaker.tryAcquirePermission()) {
      transition();
      throw ChannelException.skipped(channel().label() + " " + describe() + " skipped: its circuit breaker '"
          + breaker.getName() + "' is open after repeated failures (tried again after "
          + breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1) + " ms)");
    }
    long start = System.nanoTime();
    try {
      boolean r = call.run();
      breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      return r;
    } catch (ChannelException e) {
      if (e.refused()) {
        breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      } else {
        breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
      }
      throw e;
    } catch (InvalidNodeException e) {
      breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      throw e;
    } catch (RuntimeException e) {
      breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
      throw e;
    } finally {
      transition();
    }
  }

  private void transition() {
    CircuitBreaker.State to = breaker.getState();
    CircuitBreaker.State from = logged.get();
    if (to == from || !logged.compareAndSet(from, to)) {
      return;
    }
    switch (to) {
      case OPEN, FORCED_OPEN -> LOG.warn("the {} channel ({}) keeps failing (failure rate {}%); skipping it until its"
          + " circuit breaker '{}' lets a probe through", channel().label(), describe(),
          breaker.getMetrics().getFailureRate(), breaker.getName());
      case HALF_OPEN -> LOG.info("probing the {} channel ({}) again", channel().label(), describe());
      case CLOSED -> LOG.info("the {} channel ({}) answers again", channel().label(), describe());
      default -> LOG.info("the circuit breaker '{}' of the {} channel is {}", breaker.getName(),
          channel().label(), to);
    }
  }

  @Override
  public void close() {
    delegate.close();
  }
}
