package dev.larder.resilience;

import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import dev.larder.core.internal.Require;
import dev.larder.resilience.internal.MicrometerSupport;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * resilience4j circuit-breaker settings for a database and for Redis. The builders come back
 * pre-filled, so any value can be changed before {@code build()}; the breakers are plain
 * resilience4j {@link CircuitBreaker}s (events, metrics, manual transitions all work as usual) with
 * Larder's {@link ConsecutiveFailures} rule added.
 *
 * <p><b>When they open.</b> On whichever comes first:
 *
 * <ul>
 *   <li>a run of 5 failed or slow calls in a row that has lasted at least 1 s ({@link
 *       ConsecutiveFailures}): at low traffic, where a window never holds enough calls for a rate
 *       (0.5 calls/s: the 5th failing call, 8 s after the first; 5 calls/s: the 6th, 1 s), and
 *       during a full outage at any traffic (500 calls/s: within 1 s);
 *   <li>a failure rate of 50 %, or a slow-call rate (80 % database, 50 % Redis), over a time-based
 *       10 s window holding at least 20 calls: a dependency failing every other call without long
 *       runs.
 * </ul>
 *
 * Both record only failures the classifier calls {@link FailureClass#TRANSIENT} or {@link
 * FailureClass#UNKNOWN}: a constraint violation or a syntax error proves the server is up, so it
 * counts as a success and ends a run. Isolated failures at high traffic do not open them (a run
 * must last 1 s: 500 failures in a row at 500 calls/s).
 *
 * <p><b>How they recover.</b> Open, they refuse calls for 1 s, then let the next call through as a
 * probe (no timer thread: the first call after the wait); the first probe that fails reopens at
 * once, and the wait doubles on each reopening up to 2 s, so a long outage costs one probe call
 * every 2 s. Three probes that succeed close it; while they run, other calls are refused (no
 * thundering herd on a database that just came back). So fresh calls resume at most 2 s (plus the
 * time to the next call) after the dependency answers again, and sooner after a short outage.
 *
 * <table>
 *   <caption>Preset values</caption>
 *   <tr><th>Setting</th><th>database</th><th>redis</th><th>Why</th></tr>
 *   <tr><td>consecutive failures</td><td>5, lasting 1 s</td><td>5, lasting 1 s</td><td>opens at low traffic; a chance run at high traffic is too short</td></tr>
 *   <tr><td>sliding window</td><td>time-based, 10 s</td><td>time-based, 10 s</td><td>recent behaviour only</td></tr>
 *   <tr><td>minimumNumberOfCalls</td><td>20</td><td>20</td><td>no failure-rate verdict on a handful of calls</td></tr>
 *   <tr><td>failureRateThreshold</td><td>50 %</td><td>50 %</td><td>most calls failing means the dependency is down, not one bad query</td></tr>
 *   <tr><td>slowCallDurationThreshold</td><td>2 s</td><td>250 ms</td><td>an OLTP statement or a Redis command past this is a symptom (Redis answers in well under 1 ms; its client timeout defaults to 3 s)</td></tr>
 *   <tr><td>slowCallRateThreshold</td><td>80 %</td><td>50 %</td><td>some database queries are legitimately slow; a cache that is mostly slow is worse than none</td></tr>
 *   <tr><td>wait in open state</td><td>1 s doubling to 2 s</td><td>1 s doubling to 2 s</td><td>bounds how long fresh calls stay refused after the dependency is back; a long outage costs one probe per 2 s</td></tr>
 *   <tr><td>permittedNumberOfCallsInHalfOpenState</td><td>3</td><td>3</td><td>a few probes decide; one lucky call does not close it, and the first failure reopens it</td></tr>
 *   <tr><td>maxWaitDurationInHalfOpenState</td><td>30 s</td><td>10 s</td><td>probes that never report do not leave it half-open forever (resilience4j's shared scheduler thread)</td></tr>
 * </table>
 */
public final class CircuitBreakerPresets {
  /** Both presets: the first wait in the open state. */
  public static final Duration OPEN_WAIT_INITIAL = Duration.ofSeconds(1);

  /** Both presets: the longest wait in the open state, reached while probes keep failing. */
  public static final Duration OPEN_WAIT_MAX = Duration.ofSeconds(2);

  /** Both presets: probe calls let through when half-open. */
  public static final int PROBE_CALLS = 3;

  private static final Logger LOG = LoggerFactory.getLogger(CircuitBreakerPresets.class);

  private CircuitBreakerPresets() {}

  /**
   * Database breaker settings (see the table), recording failures that {@code classifier} does not
   * call permanent. Pass the result to {@link #create(String, CircuitBreakerConfig)} to get the
   * consecutive-failure rule as well.
   *
   * @param classifier judges failures; pass {@link FailureClassifiers#standard()} if unsure
   * @return a pre-filled resilience4j builder
   * @throws NullPointerException if {@code classifier} is null
   */
  public static CircuitBreakerConfig.Builder databaseConfig(FailureClassifier classifier) {
    return base(classifier)
        .slowCallDurationThreshold(Duration.ofSeconds(2))
        .slowCallRateThreshold(80)
        .maxWaitDurationInHalfOpenState(Duration.ofSeconds(30));
  }

  /**
   * Redis breaker settings (see the table), recording failures that {@code classifier} does not
   * call permanent. Pass the result to {@link #create(String, CircuitBreakerConfig)} to get the
   * consecutive-failure rule as well.
   *
   * @param classifier judges failures; pass {@link FailureClassifiers#standard()} if unsure
   * @return a pre-filled resilience4j builder
   * @throws NullPointerException if {@code classifier} is null
   */
  public static CircuitBreakerConfig.Builder redisConfig(FailureClassifier classifier) {
    return base(classifier)
        .slowCallDurationThreshold(Duration.ofMillis(250))
        .slowCallRateThreshold(50)
        .maxWaitDurationInHalfOpenState(Duration.ofSeconds(10));
  }

  /**
   * A database breaker with the preset, {@link FailureClassifiers#standard()} and {@link
   * ConsecutiveFailures#ofDefaults()}; state changes are logged.
   *
   * @param name the breaker's name
   * @return the breaker
   */
  public static CircuitBreaker database(String name) {
    return create(name, databaseConfig(FailureClassifiers.standard()).build());
  }

  /**
   * A Redis breaker with the preset, {@link FailureClassifiers#standard()} and {@link
   * ConsecutiveFailures#ofDefaults()}; state changes are logged.
   *
   * @param name the breaker's name
   * @return the breaker
   */
  public static CircuitBreaker redis(String name) {
    return create(name, redisConfig(FailureClassifiers.standard()).build());
  }

  /**
   * Creates a breaker from a config, adds {@link ConsecutiveFailures#ofDefaults()} and logs its
   * state changes (at WARN when it opens, INFO otherwise). For a breaker without the rule, use
   * resilience4j's {@code CircuitBreaker.of(name, config)}.
   *
   * @param name the breaker's name
   * @param config its settings
   * @return the breaker
   */
  public static CircuitBreaker create(String name, CircuitBreakerConfig config) {
    return create(name, config, ConsecutiveFailures.ofDefaults());
  }

  /**
   * Creates a breaker from a config, adds a consecutive-failure rule and logs its state changes (at
   * WARN when it opens, INFO otherwise).
   *
   * @param name the breaker's name
   * @param config its settings
   * @param rule when a run of failures opens it
   * @return the breaker
   */
  public static CircuitBreaker create(
      String name, CircuitBreakerConfig config, ConsecutiveFailures rule) {
    CircuitBreaker breaker =
        CircuitBreaker.of(Require.notNull(name, "name"), Require.notNull(config, "config"));
    breaker
        .getEventPublisher()
        .onStateTransition(
            e -> {
              if (e.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
                LOG.warn(
                    "circuit breaker '{}' {}", e.getCircuitBreakerName(), e.getStateTransition());
              } else {
                LOG.info(
                    "circuit breaker '{}' {}", e.getCircuitBreakerName(), e.getStateTransition());
              }
            });
    return Require.notNull(rule, "rule").applyTo(breaker);
  }

  /**
   * Publishes resilience4j's tagged meters for a breaker ({@code
   * resilience4j.circuitbreaker.state}, {@code .calls}, {@code .failure.rate}, {@code
   * .slow.call.rate}, {@code .not.permitted.calls}, tag {@code name}). Needs micrometer-core and
   * resilience4j-micrometer.
   *
   * @param breaker the breaker
   * @param registry an {@code io.micrometer.core.instrument.MeterRegistry}
   */
  public static void bindMetrics(
      CircuitBreaker breaker, io.micrometer.core.instrument.MeterRegistry registry) {
    MicrometerSupport.bindBreaker(
        Require.notNull(registry, "registry"), Require.notNull(breaker, "breaker"));
  }

  private static CircuitBreakerConfig.Builder base(FailureClassifier classifier) {
    FailureClassifier c = Require.notNull(classifier, "classifier");
    return CircuitBreakerConfig.custom()
        .slidingWindow(10, 20, SlidingWindowType.TIME_BASED)
        .failureRateThreshold(50)
        .waitIntervalFunctionInOpenState(
            IntervalFunction.ofExponentialBackoff(OPEN_WAIT_INITIAL, 2.0, OPEN_WAIT_MAX))
        .permittedNumberOfCallsInHalfOpenState(PROBE_CALLS)
        .automaticTransitionFromOpenToHalfOpenEnabled(false)
        .recordException(t -> c.classify(t) != FailureClass.PERMANENT);
  }
}
