package dev.larder.resilience.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import dev.larder.resilience.Jitter;
import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

class RetryPlannerTest {
  private static final FailureClassifier IO_TRANSIENT_ISE_PERMANENT = f ->
      f instanceof IOException ? FailureClass.TRANSIENT
          : f instanceof IllegalStateException ? FailureClass.PERMANENT : FailureClass.UNKNOWN;

  @Property
  void noAttemptStartsAfterTheDeadline(
      @ForAll Jitter jitter,
      @ForAll @LongRange(min = 0, max = 2_000) long baseMillis,
      @ForAll @LongRange(min = 0, max = 30_000) long extraMillis,
      @ForAll @IntRange(min = 1, max = 20) int maxAttempts,
      @ForAll @LongRange(min = 1, max = 60_000) long deadlineMillis,
      @ForAll @Size(20) List<@LongRange(min = 0, max = 10_000) Long> attemptMillis,
      @ForAll long seed) {
    long deadlineNanos = deadlineMillis * 1_000_000L;
    RetryPlanner planner = new RetryPlanner(new Backoff(jitter, baseMillis, baseMillis + extraMillis),
        maxAttempts, deadlineNanos, IO_TRANSIENT_ISE_PERMANENT);
    SplittableRandom random = new SplittableRandom(seed);
    long start = 5_000_000_000L;
    long now = start;
    RetryPlanner.CallState call = planner.start(start, false);
    while (true) {
      int attempt = call.beginAttempt();
      if (attempt > 1) {
        assertThat(now - start).as("start of attempt " + attempt).isLessThanOrEqualTo(deadlineNanos);
      }
      now += attemptMillis.get(attempt - 1) * 1_000_000L;
      RetryPlanner.Decision d = call.onFailure(new IOException("down"), now, null, random);
      if (!d.retry()) {
        assertThat(d.verdict()).isIn(RetryPlanner.Verdict.DEADLINE, RetryPlanner.Verdict.EXHAUSTED);
        assertThat(attempt).isLessThanOrEqualTo(maxAttempts);
        break;
      }
      now += d.waitMillis() * 1_000_000L;
    }
  }

  @Property
  void permanentFailuresAndUnknownNonIdempotentOnesNeverCostABudgetToken(
      @ForAll boolean idempotent, @ForAll @IntRange(min = 1, max = 5) int maxAttempts) {
    RetryPlanner planner = new RetryPlanner(new Backoff(Jitter.FULL, 10, 100), maxAttempts, 0,
        IO_TRANSIENT_ISE_PERMANENT);
    AtomicInteger asked = new AtomicInteger();
    RetryPlanner.CallState call = planner.start(0, idempotent);
    call.beginAttempt();
    RetryPlanner.Decision permanent = call.onFailure(new IllegalStateException(), 0,
        () -> asked.incrementAndGet() > 0, new SplittableRandom(1));
    assertThat(permanent.verdict()).isEqualTo(RetryPlanner.Verdict.NOT_RETRYABLE);
    assertThat(permanent.failureClass()).isEqualTo(FailureClass.PERMANENT);
    RetryPlanner.Decision unknown = call.onFailure(new RuntimeException(), 0,
        () -> asked.incrementAndGet() > 0, new SplittableRandom(1));
    if (idempotent && maxAttempts > 1) {
      assertThat(unknown.verdict()).isEqualTo(RetryPlanner.Verdict.RETRY);
      assertThat(asked).hasValue(1);
    } else {
      assertThat(unknown.verdict()).isNotEqualTo(RetryPlanner.Verdict.RETRY);
      assertThat(asked).hasValue(0);
    }
  }

  @Example
  void anEmptyBudgetStopsARetryThatWouldOtherwiseHappen() {
    RetryPlanner planner = new RetryPlanner(new Backoff(Jitter.FULL, 10, 100), 3, 0, IO_TRANSIENT_ISE_PERMANENT);
    RetryPlanner.CallState call = planner.start(0, false);
    call.beginAttempt();
    assertThat(call.onFailure(new IOException(), 0, () -> false, new SplittableRandom(1)).verdict())
        .isEqualTo(RetryPlanner.Verdict.BUDGET);
  }

  @Example
  void theLastAttemptIsNotFollowedByARetryNorCostsAToken() {
    RetryPlanner planner = new RetryPlanner(new Backoff(Jitter.FULL, 10, 100), 2, 0, IO_TRANSIENT_ISE_PERMANENT);
    AtomicInteger asked = new AtomicInteger();
    RetryPlanner.CallState call = planner.start(0, false);
    call.beginAttempt();
    assertThat(call.onFailure(new IOException(), 0, () -> asked.incrementAndGet() > 0, new SplittableRandom(1)).retry())
        .isTrue();
    call.beginAttempt();
    assertThat(call.onFailure(new IOException(), 0, () -> asked.incrementAndGet() > 0, new SplittableRandom(1)).verdict())
        .isEqualTo(RetryPlanner.Verdict.EXHAUSTED);
    assertThat(asked).hasValue(1);
  }

  @Example
  void aClassifierThatThrowsCountsAsUnknownAndKeepsTheRealFailure() {
    RetryPlanner planner = new RetryPlanner(new Backoff(Jitter.FULL, 10, 100), 3, 0, f -> {
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
