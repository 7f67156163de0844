package dev.larder.resilience.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import dev.larder.resilience.Jitter;
import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryPlannerTest {
  private static final FailureClassifier IO_TRANSIENT_ISE_PERMANENT =
      f ->
          f instanceof IOException
              ? FailureClass.TRANSIENT
              : f instanceof IllegalStateException ? FailureClass.PERMANENT : FailureClass.UNKNOWN;

  private record Plan(
      Jitter jitter,
      long baseMillis,
      long extraMillis,
      int maxAttempts,
      long deadlineMillis,
      List<Long> attemptMillis,
      long seed) {}

  private record Call(boolean idempotent, int maxAttempts) {}

  @Test
  void noAttemptStartsAfterTheDeadline() {
    Property.forAll(
        "noAttemptStartsAfterTheDeadline",
        1_000,
        r ->
            new Plan(
                Gen.oneOf(r, Jitter.values()),
                Gen.longBetween(r, 0, 2_000),
                Gen.longBetween(r, 0, 30_000),
                Gen.intBetween(r, 1, 20),
                Gen.longBetween(r, 1, 60_000),
                Gen.listOf(r, 20, 20, e -> Gen.longBetween(e, 0, 10_000)),
                Gen.anyLong(r)),
        p -> {
          long deadlineNanos = p.deadlineMillis() * 1_000_000L;
          RetryPlanner planner =
              new RetryPlanner(
                  new Backoff(p.jitter(), p.baseMillis(), p.baseMillis() + p.extraMillis()),
                  p.maxAttempts(),
                  deadlineNanos,
                  IO_TRANSIENT_ISE_PERMANENT);
          SplittableRandom random = new SplittableRandom(p.seed());
          long start = 5_000_000_000L;
          long now = start;
          RetryPlanner.CallState call = planner.start(start, false);
          while (true) {
            int attempt = call.beginAttempt();
            if (attempt > 1) {
              assertThat(now - start)
                  .as("start of attempt " + attempt)
                  .isLessThanOrEqualTo(deadlineNanos);
            }
            now += p.attemptMillis().get(attempt - 1) * 1_000_000L;
            RetryPlanner.Decision d = call.onFailure(new IOException("down"), now, null, random);
            if (!d.retry()) {
              assertThat(d.verdict())
                  .isIn(RetryPlanner.Verdict.DEADLINE, RetryPlanner.Verdict.EXHAUSTED);
              assertThat(attempt).isLessThanOrEqualTo(p.maxAttempts());
              break;
            }
            now += d.waitMillis() * 1_000_000L;
          }
        });
  }

  @Test
  void permanentFailuresAndUnknownNonIdempotentOnesNeverCostABudgetToken() {
    Property.forAll(
        "permanentFailuresAndUnknownNonIdempotentOnesNeverCostABudgetToken",
        1_000,
        r -> new Call(r.nextBoolean(), Gen.intBetween(r, 1, 5)),
        c -> {
          RetryPlanner planner =
              new RetryPlanner(
                  new Backoff(Jitter.FULL, 10, 100),
                  c.maxAttempts(),
                  0,
                  IO_TRANSIENT_ISE_PERMANENT);
          AtomicInteger asked = new AtomicInteger();
          RetryPlanner.CallState call = planner.start(0, c.idempotent());
          call.beginAttempt();
          RetryPlanner.Decision permanent =
              call.onFailure(
                  new IllegalStateException(),
                  0,
                  () -> asked.incrementAndGet() > 0,
                  new SplittableRandom(1));
          assertThat(permanent.verdict()).isEqualTo(RetryPlanner.Verdict.NOT_RETRYABLE);
          assertThat(permanent.failureClass()).isEqualTo(FailureClass.PERMANENT);
          RetryPlanner.Decision unknown =
              call.onFailure(
                  new RuntimeException(),
                  0,
                  () -> asked.incrementAndGet() > 0,
                  new SplittableRandom(1));
          if (c.idempotent() && c.maxAttempts() > 1) {
            assertThat(unknown.verdict()).isEqualTo(RetryPlanner.Verdict.RETRY);
            assertThat(asked).hasValue(1);
          } else {
            assertThat(unknown.verdict()).isNotEqualTo(RetryPlanner.Verdict.RETRY);
            assertThat(asked).hasValue(0);
          }
        });
  }

  @Test
  void anEmptyBudgetStopsARetryThatWouldOtherwiseHappen() {
    RetryPlanner planner =
        new RetryPlanner(new Backoff(Jitter.FULL, 10, 100), 3, 0, IO_TRANSIENT_ISE_PERMANENT);
    RetryPlanner.CallState call = planner.start(0, false);
    call.beginAttempt();
    assertThat(call.onFailure(new IOException(), 0, () -> false, new SplittableRandom(1)).verdict())
        .isEqualTo(RetryPlanner.Verdict.BUDGET);
  }

  @Test
  void theLastAttemptIsNotFollowedByARetryNorCostsAToken() {
    RetryPlanner planner =
        new RetryPlanner(new Backoff(Jitter.FULL, 10, 100), 2, 0, IO_TRANSIENT_ISE_PERMANENT);
    AtomicInteger asked = new AtomicInteger();
    RetryPlanner.CallState call = planner.start(0, false);
    call.beginAttempt();
    assertThat(
            call.onFailure(
                    new IOException(),
                    0,
                    () -> asked.incrementAndGet() > 0,
                    new SplittableRandom(1))
                .retry())
        .isTrue();
    call.beginAttempt();
    assertThat(
            call.onFailure(
                    new IOException(),
                    0,
                    () -> asked.incrementAndGet() > 0,
                    new SplittableRandom(1))
                .verdict())
        .isEqualTo(RetryPlanner.Verdict.EXHAUSTED);
    assertThat(asked).hasValue(1);
  }

  @Test
  void aClassifierThatThrowsCountsAsUnknownAndKeepsTheRealFailure() {
    RetryPlanner planner =
        new RetryPlanner(
            new Backoff(Jitter.FULL, 10, 100),
            3,
            0,
            f -> {
              throw new IllegalArgumentException("bad classifier");
            });
    RetryPlanner.CallState call = planner.start(0, false);
    call.beginAttempt();
    IOException failure = new IOException("down");
    RetryPlanner.Decision d = call.onFailure(failure, 0, null, new SplittableRandom(1));
    assertThat(d.failureClass()).isEqualTo(FailureClass.UNKNOWN);
    assertThat(d.retry()).isFalse();
    assertThat(failure.getSuppressed()).hasSize(1);
  }
}
