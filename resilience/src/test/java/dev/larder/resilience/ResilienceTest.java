package dev.larder.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import dev.larder.core.ManualTimeSource;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ResilienceTest {
  private static final FailureClassifier CLASSIFIER =
      FailureClassifier.walkingCauses(
          f ->
              f instanceof IOException
                  ? FailureClass.TRANSIENT
                  : f instanceof IllegalStateException
                      ? FailureClass.PERMANENT
                      : FailureClass.UNKNOWN);

  private static RetryPolicy policy(String name, int attempts) {
    return RetryPolicy.builder(name)
        .maxAttempts(attempts)
        .initialInterval(Duration.ofMillis(1))
        .maxInterval(Duration.ofMillis(1))
        .classifier(CLASSIFIER)
        .build();
  }

  private static UncheckedIOException down() {
    return new UncheckedIOException(new IOException("down"));
  }

  @Test
  void anOpenBreakerFailsFastWithoutCallingTheWork() {
    CircuitBreaker breaker = CircuitBreaker.ofDefaults("open");
    breaker.transitionToOpenState();
    Resilience r = Resilience.of(breaker, policy("open", 3));
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> r.call(true, calls::incrementAndGet))
        .isInstanceOf(CircuitOpenException.class)
        .hasCauseInstanceOf(CallNotPermittedException.class)
        .hasMessageContaining("'open'")
        .satisfies(e -> assertThat(CircuitOpenException.isBreakerRejection(e)).isTrue());
    assertThat(calls).hasValue(0);
  }

  @Test
  void theBreakerRecordsEachAttemptAndPermanentFailuresDoNotCount() {
    // The breaker's clock stands still, so a run of failures never lasts the 1 s the
    // consecutive-failure rule needs: this test is about the failure rate alone, on any host.
    CircuitBreaker breaker =
        CircuitBreakerPresets.create(
            "db",
            CircuitBreakerPresets.databaseConfig(CLASSIFIER)
                .currentTimestampFunction(c -> 0L, TimeUnit.NANOSECONDS)
                .build());
    Resilience r = Resilience.of(breaker, policy("db", 3));
    for (int i = 0; i < 30; i++) {
      assertThatThrownBy(
              () ->
                  r.call(
                      false,
                      () -> {
                        throw new IllegalStateException("23505");
                      }))
          .isInstanceOf(IllegalStateException.class);
    }
    assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
    assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(30);

    AtomicInteger attempts = new AtomicInteger();
    Throwable last = null;
    for (int i = 0; i < 12; i++) {
      try {
        r.call(
            true,
            () -> {
              attempts.incrementAndGet();
              throw down();
            });
      } catch (RuntimeException e) {
        last = e;
      }
    }
    // Every attempt is recorded: with the 30 successes above in the window, the 30th failed
    // attempt (10 calls of 3) takes the failure rate to the preset's 50 %; calls 11 and 12 are
    // refused without running.
    assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(attempts).hasValue(30);
    assertThat(last).isInstanceOf(CircuitOpenException.class);
  }

  @Test
  void aBreakerOpeningBetweenAttemptsEndsTheCallWithItsRealFailure() {
    CircuitBreaker breaker =
        CircuitBreaker.of(
            "mid",
            CircuitBreakerConfig.custom()
                .slidingWindow(2, 2, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .build());
    Resilience r = Resilience.of(breaker, policy("mid", 5));
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(
            () ->
                r.call(
                    true,
                    () -> {
                      attempts.incrementAndGet();
                      throw down();
                    }))
        .isInstanceOf(UncheckedIOException.class)
        .satisfies(
            e ->
                assertThat(e.getSuppressed())
                    .hasAtLeastOneElementOfType(CallNotPermittedException.class))
        .satisfies(e -> assertThat(CircuitOpenException.isBreakerRejection(e)).isTrue());
    assertThat(attempts).hasValue(2);
  }

  @Test
  void anEmptyBudgetSurfacesTheFailureAtOnceAndCountsIt() {
    ManualTimeSource time = ManualTimeSource.startingAt(Instant.parse("2026-01-01T00:00:00Z"));
    RetryBudget budget =
        RetryBudget.builder("b")
            .retryRatio(0.1)
            .minRetriesPerSecond(1)
            .window(Duration.ofSeconds(2))
            .timeSource(time)
            .build(); // reserve: 2 tokens
    Resilience r = Resilience.of(policy("b", 3), budget);
    AtomicInteger attempts = new AtomicInteger();
    int calls = 40;
    for (int i = 0; i < calls; i++) {
      assertThatThrownBy(
              () ->
                  r.call(
                      true,
                      () -> {
                        attempts.incrementAndGet();
                        throw down();
                      }))
          .isInstanceOf(UncheckedIOException.class);
    }
    int retries = attempts.get() - calls;
    // 40 calls deposit 4 tokens, plus a 2-token reserve: 6 retries, against 80 without a budget.
    assertThat(retries).isEqualTo(6);
    assertThat(budget.grantedCount()).isEqualTo(6);
    assertThat(budget.exhaustedCount()).isPositive();
    assertThat(budget.callCount()).isEqualTo(calls);
  }

  @Test
  void decoratorRunsTheWorkThroughTheStackAtEveryGet() {
    Resilience r = Resilience.of(CircuitBreaker.ofDefaults("pair"), policy("pair", 3));
    AtomicInteger n = new AtomicInteger();
    java.util.function.Supplier<Integer> s =
        () -> {
          if (n.incrementAndGet() == 1) {
            throw down();
          }
          return n.get();
        };
    // Either guard can stand where code only needs "run this protected".
    CallGuard guard = r;
    java.util.function.Supplier<Integer> decorated = guard.decorateSupplier(true, s);
    assertThat(decorated.get()).isEqualTo(2);
    assertThat(decorated.get()).isEqualTo(3);
  }
}
