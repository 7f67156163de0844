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
 * resilience4j {@link CircuitBreaker}s (events, metrics, manual transitions all work as usual).
 *
 * <p>Both presets record only failures the classifier calls {@link FailureClass#TRANSIENT} or
 * {@link FailureClass#UNKNOWN}: a constraint violation or a syntax error proves the server is up, so
 * it counts as a success, never towards opening. Both use a time-based window (a quiet service
 * still opens on a burst of failures), wait in the open state with exponential growth (10 s then
 * 20 s ... up to 2 min for the database; 5 s up to 1 min for Redis) so a long outage is probed
 * less and less, and let a few probe calls through when half-open. No scheduler thread: the
 * breaker moves to half-open on the first call after the wait.
 *
 * <table>
 *   <caption>Preset values</caption>
 *   <tr><th>Setting</th><th>database</th><th>redis</th><th>Why</th></tr>
 *   <tr><td>sliding window</td><td>time-based, 10 s</td><td>time-based, 10 s</td><td>recent behaviour only</td></tr>
 *   <tr><td>minimumNumberOfCalls</td><td>20</td><td>20</td><td>no verdict on a handful of calls</td></tr>
 *   <tr><td>failureRateThreshold</td><td>50 %</td><td>50 %</td><td>most calls failing means the dependency is down, not one bad query</td></tr>
 *   <tr><td>slowCallDurationThreshold</td><td>2 s</td><td>250 ms</td><td>an OLTP statement or a Redis command past this is a symptom (Redis answers in well under 1 ms; its client timeout defaults to 3 s)</td></tr>
 *   <tr><td>slowCallRateThreshold</td><td>80 %</td><td>50 %</td><td>some database queries are legitimately slow; a cache that is mostly slow is worse than none</td></tr>
 *   <tr><td>wait in open state</td><td>10 s doubling to 2 min</td><td>5 s doubling to 1 min</td><td>long enough for a failover or restart, shrinking probe traffic during a long outage</td></tr>
 *   <tr><td>permittedNumberOfCallsInHalfOpenState</td><td>5</td><td>5</td><td>a few probes decide; one lucky call does not close it</td></tr>
 *   <tr><td>maxWaitDurationInHalfOpenState</td><td>30 s</td><td>10 s</td><td>probes that never finish do not leave it half-open forever</td></tr>
 * </table>
 */
public final class CircuitBreakerPresets {
  private static final Logger LOG = LoggerFactory.getLogger(CircuitBreakerPresets.class);

  private CircuitBreakerPresets() {}

  /**
   * Database breaker settings (see the table), recording failures that {@code classifier} does not
   * call permanent.
   *
   * @param classifier judges failures; pass {@link FailureClassifiers#standard()} if unsure
   * @return a pre-filled resilience4j builder
   * @throws NullPointerException if {@code classifier} is null
   */
  public static CircuitBreakerConfig.Builder databaseConfig(FailureClassifier classifier) {
    return base(classifier)
        .slowCallDurationThreshold(Duration.ofSeconds(2))
        .slowCallRateThreshold(80)
        .waitIntervalFunctionInOpenState(
            IntervalFunction.ofExponentialBackoff(Duration.ofSeconds(10), 2.0, Duration.ofMinutes(2)))
        .maxWaitDurationInHalfOpenState(Duration.ofSeconds(30));
  }

  /**
   * Redis breaker settings (see the table), recording failures that {@code classifier} does not
   * call permanent.
   *
   * @param classifier judges failures; pass {@link FailureClassifiers#standard()} if unsure
   * @return a pre-filled resilience4j builder
   * @throws NullPointerException if {@code classifier} is null
   */
  public static CircuitBreakerConfig.Builder redisConfig(FailureClassifier classifier) {
    return base(classifier)
        .slowCallDurationThreshold(Duration.ofMillis(250))
        .slowCallRateThreshold(50)
        .waitIntervalFunctionInOpenState(
            IntervalFunction.ofExponentialBackoff(Duration.ofSeconds(5), 2.0, Duration.ofMinutes(1)))
        .maxWaitDurationInHalfOpenState(Duration.ofSeconds(10));
  }

  /**
   * A database breaker with the preset and {@link FailureClassifiers#standard()}; state changes are
   * logged.
   *
   * @param name the breaker's name
   * @return the breaker
   */
  public static CircuitBreaker database(String name) {
    return create(name, databaseConfig(FailureClassifiers.standard()).build());
  }

  /**
   * A Redis breaker with the preset and {@link FailureClassifiers#standard()}; state changes are
   * logged.
   *
   * @param name the breaker's name
   * @return the breaker
   */
  public static CircuitBreaker redis(String name) {
    return create(name, redisConfig(FailureClassifiers.standard()).build());
  }

  /**
   * Creates a breaker from a config and logs its state changes (at WARN when it opens, INFO
   * otherwise).
   *
   * @param name the breaker's name
   * @param config its settings
   * @return the breaker
   */
  public static CircuitBreaker create(String name, CircuitBreakerConfig config) {
    CircuitBreaker breaker = CircuitBreaker.of(Require.notNull(name, "name"), Require.notNull(config, "config"));
    breaker.getEventPublisher().onStateTransition(e -> {
      if (e.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
        LOG.warn("circuit breaker '{}' {}", e.getCircuitBreakerName(), e.getStateTransition());
      } else {
        LOG.info("circuit breaker '{}' {}", e.getCircuitBreakerName(), e.getStateTransition());
      }
    });
    return breaker;
  }

  /**
   * Publishes resilience4j's tagged meters for a breaker ({@code resilience4j.circuitbreaker.state},
   * {@code .calls}, {@code .failure.rate}, {@code .slow.call.rate}, {@code .not.permitted.calls},
   * tag {@code name}). Needs micrometer-core and resilience4j-micrometer.
   *
   * @param breaker the breaker
   * @param registry an {@code io.micrometer.core.instrument.MeterRegistry}
   */
  public static void bindMetrics(CircuitBreaker breaker, io.micrometer.core.instrument.MeterRegistry registry) {
    MicrometerSupport.bindBreaker(Require.notNull(registry, "registry"), Require.notNull(breaker, "breaker"));
  }

  private static CircuitBreakerConfig.Builder base(FailureClassifier classifier) {
    FailureClassifier c = Require.notNull(classifier, "classifier");
    return CircuitBreakerConfig.custom()
        .slidingWindow(10, 20, SlidingWindowType.TIME_BASED)
        .failureRateThreshold(50)
        .permittedNumberOfCallsInHalfOpenState(5)
        .automaticTransitionFromOpenToHalfOpenEnabled(false)
        .recordException(t -> c.classify(t) != FailureClass.PERMANENT);
  }
}
