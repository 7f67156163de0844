package dev.larder.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.ClassifiedFailure;
import dev.larder.core.FailureClass;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The rule on its own, on plain resilience4j breakers driven by a test clock. */
class ConsecutiveFailuresTest {
  private static final IOException DOWN = new IOException("down");

  private final CircuitBreakerPresetsTest.TestClock clock =
      new CircuitBreakerPresetsTest.TestClock();

  /** A breaker that would never open by rate in these tests (a window of 1,000 calls). */
  private CircuitBreaker breaker(ConsecutiveFailures rule) {
    CircuitBreakerConfig config =
        CircuitBreakerConfig.custom()
            .slidingWindow(1_000, 1_000, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .slowCallDurationThreshold(Duration.ofSeconds(1))
            .permittedNumberOfCallsInHalfOpenState(3)
            .waitDurationInOpenState(Duration.ofSeconds(1))
            .clock(clock)
            .currentTimestampFunction(c -> c.millis(), TimeUnit.MILLISECONDS)
            .build();
    return rule.applyTo(CircuitBreaker.of("rule-test", config));
  }

  private void failEvery(CircuitBreaker cb, long ms, int calls) {
    for (int i = 0; i < calls; i++) {
      clock.advance(ms);
      assertThat(cb.tryAcquirePermission()).isTrue();
      cb.onError(1, TimeUnit.MILLISECONDS, DOWN);
    }
  }

  @Test
  void withoutAMinimumDurationItIsAPlainCount() {
    CircuitBreaker cb =
        breaker(ConsecutiveFailures.builder().threshold(3).minimumDuration(Duration.ZERO).build());
    failEvery(cb, 1, 2);
    assertThat(cb.getState()).isEqualTo(State.CLOSED);
    failEvery(cb, 1, 1);
    assertThat(cb.getState()).isEqualTo(State.OPEN);
  }

  @Test
  void theRunMustLastTheMinimumDurationAsWellAsTheCount() {
    CircuitBreaker cb = breaker(ConsecutiveFailures.ofDefaults());
    failEvery(cb, 100, 10); // 10 failures over 0.9 s
    assertThat(cb.getState()).isEqualTo(State.CLOSED);
    failEvery(cb, 100, 1); // the 11th ends 1 s after the first
    assertThat(cb.getState()).isEqualTo(State.OPEN);
  }

  @Test
  void usersSeeAnOrdinaryTransitionEventAndTheBreakersOwnMetrics() {
    CircuitBreaker cb = breaker(ConsecutiveFailures.ofDefaults());
    List<String> transitions = new CopyOnWriteArrayList<>();
    cb.getEventPublisher().onStateTransition(e -> transitions.add(e.getStateTransition().name()));
    failEvery(cb, 2_000, 5);
    assertThat(transitions).containsExactly("CLOSED_TO_OPEN");
    assertThat(cb.getMetrics().getNumberOfFailedCalls()).isEqualTo(5);
    assertThat(cb.tryAcquirePermission()).isFalse();
  }

  @Test
  void aRunDoesNotCarryOverAClosingOrAReset() {
    CircuitBreaker cb = breaker(ConsecutiveFailures.ofDefaults());
    failEvery(cb, 2_000, 4);
    cb.reset();
    failEvery(cb, 2_000, 4);
    assertThat(cb.getState()).isEqualTo(State.CLOSED);
  }

  @Test
  void slowCallsCountUnlessTurnedOff() {
    CircuitBreaker counted = breaker(ConsecutiveFailures.ofDefaults());
    CircuitBreaker ignored = breaker(ConsecutiveFailures.builder().countSlowCalls(false).build());
    for (int i = 0; i < 5; i++) {
      clock.advance(2_000);
      for (CircuitBreaker cb : List.of(counted, ignored)) {
        cb.tryAcquirePermission();
        cb.onSuccess(1_500, TimeUnit.MILLISECONDS);
      }
    }
    assertThat(counted.getState()).isEqualTo(State.OPEN);
    assertThat(ignored.getState()).isEqualTo(State.CLOSED);
  }

  @Test
  void withoutReopenOnFailedProbeResilience4jWaitsForEveryProbe() {
    CircuitBreaker cb = breaker(ConsecutiveFailures.builder().reopenOnFailedProbe(false).build());
    failEvery(cb, 2_000, 5);
    clock.advance(1_100);
    failEvery(cb, 0, 1);
    assertThat(cb.getState()).isEqualTo(State.HALF_OPEN);
    failEvery(cb, 0, 2); // the third probe's result decides
    assertThat(cb.getState()).isEqualTo(State.OPEN);
  }

  @Test
  void itWorksOnABreakerFromARegistry() {
    CircuitBreakerRegistry registry =
        CircuitBreakerRegistry.of(
            CircuitBreakerConfig.custom()
                .clock(clock)
                .currentTimestampFunction(c -> c.millis(), TimeUnit.MILLISECONDS)
                .build());
    CircuitBreaker cb =
        ConsecutiveFailures.ofDefaults().applyTo(registry.circuitBreaker("from-registry"));
    failEvery(cb, 2_000, 5);
    assertThat(registry.circuitBreaker("from-registry").getState()).isEqualTo(State.OPEN);
  }

  @Test
  void settingsAreCheckedAndGivenOnce() {
    assertThatThrownBy(() -> ConsecutiveFailures.builder().threshold(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("threshold must be > 0 but was 0");
    assertThatThrownBy(() -> ConsecutiveFailures.builder().minimumDuration(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minimumDuration must be >= 0 but was PT-1S");
    assertThatThrownBy(() -> ConsecutiveFailures.builder().threshold(3).threshold(4))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("threshold was already set to 3");
    assertThatThrownBy(
            () ->
                ConsecutiveFailures.builder().reopenOnFailedProbe(false).reopenOnFailedProbe(true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("reopenOnFailedProbe was already set to false");
    assertThat(ConsecutiveFailures.ofDefaults())
        .hasToString(
            "ConsecutiveFailures[threshold=5, minimumDuration=PT1S, countSlowCalls=true, reopenOnFailedProbe=true]");
  }

  @Test
  void theStandardClassifierTakesADeclaredClassOverTheCauses() {
    class Declared extends RuntimeException implements ClassifiedFailure {
      private static final long serialVersionUID = 1L;

      Declared(Throwable cause) {
        super(cause);
      }

      @Override
      public FailureClass failureClass() {
        return FailureClass.TRANSIENT;
      }
    }
    // 08006 alone is UNKNOWN (a statement may have run); declared transient, it is retried as such
    java.sql.SQLException broken = new java.sql.SQLException("I/O error", "08006");
    assertThat(FailureClassifiers.standard().classify(broken)).isEqualTo(FailureClass.UNKNOWN);
    assertThat(FailureClassifiers.standard().classify(new Declared(broken)))
        .isEqualTo(FailureClass.TRANSIENT);
    assertThat(FailureClassifiers.standard().classify(new RuntimeException(new Declared(broken))))
        .isEqualTo(FailureClass.TRANSIENT);
    assertThat(FailureClassifiers.declared().classify(broken)).isEqualTo(FailureClass.UNKNOWN);
  }
}
