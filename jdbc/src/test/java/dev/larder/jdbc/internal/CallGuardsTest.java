package dev.larder.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import dev.larder.jdbc.Idempotency;
import dev.larder.jdbc.PrimaryUnavailableException;
import dev.larder.jdbc.ReadIntent;
import dev.larder.resilience.CallGuard;
import dev.larder.resilience.CircuitOpenException;
import dev.larder.resilience.Resilience;
import dev.larder.resilience.RetryBudget;
import dev.larder.resilience.RetryPolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CallGuardsTest {

  /** A declared class wins (PrimaryUnavailableException), else SQLSTATE as {@link Fakes}. */
  private static final FailureClassifier CLASSIFIER =
      FailureClassifier.walkingCauses(
          failure ->
              failure instanceof dev.larder.core.ClassifiedFailure c
                  ? c.failureClass()
                  : Fakes.CLASSIFIER.classify(failure));

  private static RetryPolicy policy(int attempts) {
    return RetryPolicy.builder("test")
        .maxAttempts(attempts)
        .initialInterval(Duration.ofMillis(1))
        .maxInterval(Duration.ofMillis(1))
        .classifier(CLASSIFIER)
        .build();
  }

  private static PrimaryUnavailableException primaryDown() {
    return new PrimaryUnavailableException(
        "primary unavailable: no connection",
        new SQLTransientConnectionException("request timed out", "08001"),
        FailureClass.TRANSIENT,
        Duration.ofSeconds(1));
  }

  @Test
  void withoutAPolicyTheWorkRunsOnceAndItsCheckedFailureComesOutAsItself() {
    CallGuard once = CallGuards.of(null, null);
    AtomicInteger runs = new AtomicInteger();
    IOException failure = new IOException("once");

    assertThatThrownBy(
            () ->
                once.callChecked(
                    Idempotency.IDEMPOTENT.isIdempotent(),
                    () -> {
                      runs.incrementAndGet();
                      throw failure;
                    }))
        .isSameAs(failure);
    assertThat(runs).hasValue(1);
    assertThat(once).isSameAs(CallGuards.once());
  }

  @Test
  void theGuardIsTheResilienceStackOrElseTheRetryPolicy() {
    RetryPolicy p = policy(2);
    Resilience r = Resilience.of(CircuitBreaker.ofDefaults("db"), p);

    assertThat(CallGuards.of(p, null)).isSameAs(p);
    assertThat(CallGuards.of(null, r)).isSameAs(r);
  }

  @Test
  void aPrimaryUnavailableWriteIsRepeatedEvenWhenNotIdempotentBecauseNothingWasSent() {
    CallGuard guard = CallGuards.of(policy(3), null);
    AtomicInteger runs = new AtomicInteger();

    String result =
        guard.callChecked(
            Idempotency.NOT_IDEMPOTENT.isIdempotent(),
            () -> {
              if (runs.incrementAndGet() < 3) {
                throw primaryDown();
              }
              return "written";
            });

    assertThat(result).isEqualTo("written");
    assertThat(runs).hasValue(3);
  }

  @Test
  void aFailureOfUnknownOutcomeIsRepeatedOnlyForIdempotentWork() {
    CallGuard guard = CallGuards.of(policy(3), null);
    for (Idempotency idempotency : Idempotency.values()) {
      AtomicInteger runs = new AtomicInteger();
      assertThatThrownBy(
              () ->
                  guard.callChecked(
                      idempotency.isIdempotent(),
                      () -> {
                        runs.incrementAndGet();
                        throw new SQLException("I/O error", "08006");
                      }))
          .isInstanceOf(SQLException.class);
      assertThat(runs).as("%s", idempotency).hasValue(idempotency.isIdempotent() ? 3 : 1);
    }
  }

  @Test
  void anExhaustedRetryBudgetSurfacesTheFirstFailureWithoutARetry() {
    RetryBudget empty = RetryBudget.builder("empty").retryRatio(0).minRetriesPerSecond(0).build();
    CallGuard guard = CallGuards.of(null, Resilience.of(policy(3), empty));
    AtomicInteger runs = new AtomicInteger();
    PrimaryUnavailableException down = primaryDown();

    assertThatThrownBy(
            () ->
                guard.callChecked(
                    true,
                    () -> {
                      runs.incrementAndGet();
                      throw down;
                    }))
        .isSameAs(down);
    assertThat(runs).hasValue(1);
    assertThat(empty.exhaustedCount()).isPositive();
  }

  @Test
  void anOpenBreakerRefusesTheCallBeforeAnyAttempt() {
    CircuitBreaker breaker = CircuitBreaker.ofDefaults("open");
    breaker.transitionToOpenState();
    CallGuard guard = CallGuards.of(null, Resilience.of(breaker, policy(3)));
    AtomicInteger runs = new AtomicInteger();

    assertThatThrownBy(() -> guard.callChecked(true, runs::incrementAndGet))
        .isInstanceOf(CircuitOpenException.class);
    assertThat(runs).hasValue(0);
  }

  @Test
  void theGuardRepeatsTheWholeFailoverLoopWhenItEndsOnAPrimaryThatIsDown() throws SQLException {
    FailoverTest.Servers servers = new FailoverTest.Servers(1);
    Failover failover = servers.failover();
    CallGuard guard = CallGuards.of(policy(3), null);
    AtomicInteger loops = new AtomicInteger();

    String result =
        guard.callChecked(
            true,
            () -> {
              int loop = loops.incrementAndGet();
              return failover.read(
                  ReadIntent.any(),
                  Failover.Shape.WHOLE_READ,
                  route -> {
                    if (loop == 1 && route.onPrimary()) {
                      throw primaryDown();
                    }
                    if (loop == 1) {
                      throw new SQLException("I/O error", "08006");
                    }
                    return "read on " + route.target().name();
                  });
            });

    assertThat(result).isEqualTo("read on r1");
    assertThat(loops).hasValue(2);
    assertThat(servers.inFlight()).isZero();
  }
}
