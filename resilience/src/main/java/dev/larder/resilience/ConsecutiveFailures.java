package dev.larder.resilience;

import dev.larder.core.internal.Require;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnErrorEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnSuccessEvent;
import io.github.resilience4j.core.EventConsumer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rule added to a resilience4j {@link CircuitBreaker} so that it opens at low traffic too: after
 * a <em>run</em> of consecutive failed (or slow) calls that is both long enough in calls ({@link
 * Builder#threshold(int) threshold}, default 5) and long enough in time ({@link
 * Builder#minimumDuration(Duration) minimumDuration}, default 1 s, from the end of the run's first
 * call to the end of its last). A call that succeeds quickly ends the run; so does a failure the
 * breaker does not record (a constraint violation proves the database is up).
 *
 * <p>Why both conditions. resilience4j opens on a failure rate over a window once the window holds
 * {@code minimumNumberOfCalls}; a service doing one request every 2 s never fills a 10 s window
 * with 20 calls, so during an outage its breaker stays closed and every request waits for its
 * timeout. A count alone would open on chance at high traffic: with 5 % of calls failing on their
 * own, five in a row come about once in 3.2 million calls: every 1.8 hours at 500 calls/s. Asking
 * the run to last 1 s as well means 500 failures in a row at that rate, which independent failures
 * never make, while an outage does within that second. So, for a run of failures starting when
 * calls arrive every {@code i}: it opens after {@code max(threshold, 1 + ceil(minimumDuration /
 * i))} calls, about {@code max((threshold - 1) · i, minimumDuration)} after the first failure
 * ended: 5 calls and 8 s at 0.5 calls/s, 6 calls and 1 s at 5/s, ~500 calls and 1 s at 500/s. The
 * breaker's own failure rate and slow-call rate rules still apply as configured (they catch a
 * dependency that fails half its calls without ever failing many in a row).
 *
 * <p><b>Half-open.</b> With {@link Builder#reopenOnFailedProbe(boolean) reopenOnFailedProbe} (the
 * default), the first recorded failure while half-open reopens the breaker at once, instead of
 * waiting for every permitted probe to finish: while the dependency stays down, each open wait
 * costs one probe call, not {@code permittedNumberOfCallsInHalfOpenState}. Reopening counts as
 * another attempt for the breaker's {@code waitIntervalFunctionInOpenState}, so an exponential wait
 * grows as it would on resilience4j's own reopening.
 *
 * <p><b>Observing it.</b> The breaker stays a plain resilience4j breaker: the rule listens to its
 * events ({@code onEvent}) and opens it with {@link CircuitBreaker#transitionToOpenState()}, so
 * users see an ordinary {@code CLOSED → OPEN} (or {@code HALF_OPEN → OPEN}) transition event,
 * state, and metrics; the reason is logged at INFO on this class. Works with breakers from a {@code
 * CircuitBreakerRegistry}. Time is the breaker's own ({@link CircuitBreaker#getCurrentTimestamp()},
 * set with {@code CircuitBreakerConfig.currentTimestampFunction}).
 *
 * <pre>{@code
 * CircuitBreaker cb = ConsecutiveFailures.ofDefaults().applyTo(CircuitBreaker.of("orders-db", config));
 * }</pre>
 *
 * <p>Immutable and thread-safe; the state of the run lives in each breaker it is applied to.
 */
public final class ConsecutiveFailures {
  /** Default {@link Builder#threshold(int)}: failed or slow calls in a row. */
  public static final int DEFAULT_THRESHOLD = 5;

  /** Default {@link Builder#minimumDuration(Duration)}: how long the run must have lasted. */
  public static final Duration DEFAULT_MINIMUM_DURATION = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(ConsecutiveFailures.class);
  private static final ConsecutiveFailures DEFAULTS = builder().build();

  private final int threshold;
  private final Duration minimumDuration;
  private final boolean countSlowCalls;
  private final boolean reopenOnFailedProbe;

  private ConsecutiveFailures(
      int threshold,
      Duration minimumDuration,
      boolean countSlowCalls,
      boolean reopenOnFailedProbe) {
    this.threshold = threshold;
    this.minimumDuration = minimumDuration;
    this.countSlowCalls = countSlowCalls;
    this.reopenOnFailedProbe = reopenOnFailedProbe;
  }

  /**
   * The rule with its defaults: 5 failed or slow calls in a row lasting at least 1 s, and a failed
   * probe reopens at once. The breaker presets use it.
   *
   * @return the default rule
   */
  public static ConsecutiveFailures ofDefaults() {
    return DEFAULTS;
  }

  /**
   * Starts a builder with the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Adds this rule to a breaker by subscribing to its events. Apply it once per breaker.
   *
   * @param breaker the breaker (any resilience4j {@code CircuitBreaker})
   * @return the same breaker, for chaining
   * @throws NullPointerException if {@code breaker} is null
   */
  public CircuitBreaker applyTo(CircuitBreaker breaker) {
    Require.notNull(breaker, "breaker");
    breaker.getEventPublisher().onEvent(new Tracker(breaker, this));
    return breaker;
  }

  /**
   * {@return failed or slow calls in a row that open the breaker (with {@link #minimumDuration()})}
   */
  public int threshold() {
    return threshold;
  }

  /** {@return how long a run must have lasted to open the breaker} */
  public Duration minimumDuration() {
    return minimumDuration;
  }

  /**
   * {@return whether successful calls slower than the breaker's slowCallDurationThreshold extend a
   * run}
   */
  public boolean countSlowCalls() {
    return countSlowCalls;
  }

  /** {@return whether the first failed probe in the half-open state reopens the breaker} */
  public boolean reopenOnFailedProbe() {
    return reopenOnFailedProbe;
  }

  @Override
  public String toString() {
    return "ConsecutiveFailures[threshold="
        + threshold
        + ", minimumDuration="
        + minimumDuration
        + ", countSlowCalls="
        + countSlowCalls
        + ", reopenOnFailedProbe="
        + reopenOnFailedProbe
        + "]";
  }

  /** Builds a {@link ConsecutiveFailures} rule; each setting may be given once. */
  public static final class Builder {
    private @Nullable Integer threshold;
    private @Nullable Duration minimumDuration;
    private @Nullable Boolean countSlowCalls;
    private @Nullable Boolean reopenOnFailedProbe;

    private Builder() {}

    /**
     * Failed or slow calls in a row that open the breaker, once the run has also lasted {@link
     * #minimumDuration(Duration)}.
     *
     * @param calls at least 1; default {@value ConsecutiveFailures#DEFAULT_THRESHOLD}
     * @return this builder
     * @throws IllegalArgumentException if below 1
     * @throws IllegalStateException if already set
     */
    public Builder threshold(int calls) {
      Require.notYetSet(threshold, "threshold");
      this.threshold = Require.positive(calls, "threshold");
      return this;
    }

    /**
     * How long a run must have lasted (end of its first call to end of its last) to open the
     * breaker: at high traffic this, not the count, decides, so that chance runs of independent
     * failures do not open it. Zero makes it a plain count.
     *
     * @param duration {@code >= 0}; default 1 s
     * @return this builder
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public Builder minimumDuration(Duration duration) {
      Require.notYetSet(minimumDuration, "minimumDuration");
      this.minimumDuration = Require.nonNegative(duration, "minimumDuration");
      return this;
    }

    /**
     * Whether a successful call slower than the breaker's {@code slowCallDurationThreshold} extends
     * a run as a failure does (a database that answers in 3 s is as bad as one that does not).
     *
     * @param count default {@code true}
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder countSlowCalls(boolean count) {
      Require.notYetSet(countSlowCalls, "countSlowCalls");
      this.countSlowCalls = count;
      return this;
    }

    /**
     * Whether the first recorded failure in the half-open state reopens the breaker at once rather
     * than after every permitted probe has finished.
     *
     * @param reopen default {@code true}
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder reopenOnFailedProbe(boolean reopen) {
      Require.notYetSet(reopenOnFailedProbe, "reopenOnFailedProbe");
      this.reopenOnFailedProbe = reopen;
      return this;
    }

    /**
     * Builds the rule.
     *
     * @return the rule
     */
    public ConsecutiveFailures build() {
      return new ConsecutiveFailures(
          threshold != null ? threshold : DEFAULT_THRESHOLD,
          minimumDuration != null ? minimumDuration : DEFAULT_MINIMUM_DURATION,
          countSlowCalls == null || countSlowCalls,
          reopenOnFailedProbe == null || reopenOnFailedProbe);
    }
  }

  /** One breaker's current run, fed by its events (published on the calling thread). */
  private static final class Tracker implements EventConsumer<CircuitBreakerEvent> {
    private final CircuitBreaker breaker;
    private final ConsecutiveFailures rule;
    private final long minimumSpan;
    private final long slowNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private int run;
    private long runStart;

    Tracker(CircuitBreaker breaker, ConsecutiveFailures rule) {
      this.breaker = breaker;
      this.rule = rule;
      this.minimumSpan = breaker.getTimestampUnit().convert(rule.minimumDuration);
      this.slowNanos = breaker.getCircuitBreakerConfig().getSlowCallDurationThreshold().toNanos();
    }

    @Override
    public void consumeEvent(CircuitBreakerEvent event) {
      switch (event.getEventType()) {
        case ERROR -> failed((CircuitBreakerOnErrorEvent) event);
        case SUCCESS -> {
          // resilience4j's own slow-call test: strictly longer than the threshold
          if (rule.countSlowCalls
              && ((CircuitBreakerOnSuccessEvent) event).getElapsedDuration().toNanos()
                  > slowNanos) {
            extend(
                "slow call of "
                    + ((CircuitBreakerOnSuccessEvent) event).getElapsedDuration().toMillis()
                    + " ms");
          } else {
            clear();
          }
        }
        case STATE_TRANSITION, RESET -> clear();
        default -> {
          // not permitted, ignored errors, rate events: no news about the dependency's health
        }
      }
    }

    private void failed(CircuitBreakerOnErrorEvent event) {
      // The error event is published before the breaker records the failure: opening here means
      // the breaker records it as a late result of the open state, as it does for any call that
      // finishes after the breaker opened.
      if (breaker.getState() == State.HALF_OPEN) {
        if (rule.reopenOnFailedProbe) {
          lock.lock();
          try {
            if (breaker.getState() == State.HALF_OPEN) {
              LOG.info(
                  "circuit breaker '{}': a probe failed ({}), opening again",
                  breaker.getName(),
                  event.getThrowable().getClass().getName());
              breaker.transitionToOpenState();
            }
          } finally {
            lock.unlock();
          }
        }
        return;
      }
      extend(event.getThrowable().getClass().getName());
    }

    private void extend(String what) {
      if (breaker.getState() != State.CLOSED) {
        return;
      }
      long now = breaker.getCurrentTimestamp();
      lock.lock();
      try {
        if (run == 0) {
          runStart = now;
        }
        run++;
        long lasted = now - runStart;
        // Checked under the lock so two callers cannot both open it; resilience4j's own rate rule
        // may still open it in the same instant, which costs one extra step of the open wait.
        if (run >= rule.threshold && lasted >= minimumSpan && breaker.getState() == State.CLOSED) {
          LOG.info(
              "circuit breaker '{}': {} failed or slow calls in a row over {} ms (last: {}), opening",
              breaker.getName(),
              run,
              TimeUnit.MILLISECONDS.convert(lasted, breaker.getTimestampUnit()),
              what);
          run = 0;
          breaker.transitionToOpenState();
        }
      } finally {
        lock.unlock();
      }
    }

    private void clear() {
      lock.lock();
      try {
        run = 0;
      } finally {
        lock.unlock();
      }
    }
  }
}
