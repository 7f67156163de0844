package dev.larder.resilience;

import dev.larder.core.FailureClass;
import dev.larder.resilience.internal.MicrometerSupport;
import dev.larder.resilience.internal.RetryPlanner;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * The retry loop shared by {@link RetryPolicy} and {@link Resilience}: for each attempt, ask the
 * breaker, run the work, record the outcome in the breaker; on failure, let the planner decide and
 * hand the decision to resilience4j's retry context for its events, metrics and the wait.
 */
final class Attempts {
  private Attempts() {}

  static <T, E extends Exception> T run(
      RetryPolicy policy,
      @Nullable CircuitBreaker breaker,
      @Nullable RetryBudget budget,
      boolean idempotent,
      ThrowingSupplier<T, E> work)
      throws E {
    Retry.Context<T> ctx = policy.retry().context();
    RetryPlanner.CallState state = policy.planner().start(policy.time().nanoTime(), idempotent);
    MicrometerSupport.RetryMeters meters = policy.meters();
    Exception previousFailure = null;
    while (true) {
      int attempt = state.beginAttempt();
      Exception failure;
      RetryPlanner.Decision decision;
      if (breaker != null && !breaker.tryAcquirePermission()) {
        CallNotPermittedException rejection =
            CallNotPermittedException.createCallNotPermittedException(breaker);
        if (previousFailure == null) {
          failure = new CircuitOpenException(rejection);
        } else {
          failure = previousFailure;
          failure.addSuppressed(rejection);
        }
        decision =
            new RetryPlanner.Decision(RetryPlanner.Verdict.REJECTED, FailureClass.UNKNOWN, 0);
      } else {
        if (attempt == 1 && budget != null) {
          // Deposit only for calls that reach the dependency: calls refused by an open breaker
          // must not save up tokens for a retry burst when it closes.
          budget.recordCall();
        }
        if (meters != null) {
          meters.attempt();
        }
        try {
          T result = breaker == null ? work.get() : attemptThroughBreaker(breaker, work);
          ctx.onComplete();
          return result;
        } catch (Exception e) {
          failure = e;
        }
        decision =
            state.onFailure(
                failure,
                policy.time().nanoTime(),
                budget == null ? null : budget::tryAcquireRetry,
                ThreadLocalRandom.current());
      }
      if (meters != null) {
        meters.decision(decision.verdict());
      }
      try {
        RetryPolicy.handOff(ctx, failure, decision, attempt);
      } catch (Exception thrown) {
        throw Attempts.<E>sneaky(thrown);
      }
      if (!decision.retry()) {
        // resilience4j always rethrows when told not to retry; this is a belt for its braces.
        throw Attempts.<E>sneaky(failure);
      }
      previousFailure = failure;
    }
  }

  private static <T, E extends Exception> T attemptThroughBreaker(
      CircuitBreaker breaker, ThrowingSupplier<T, E> work) throws E {
    long start = breaker.getCurrentTimestamp();
    try {
      T result = work.get();
      breaker.onResult(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit(), result);
      return result;
    } catch (Exception | Error e) {
      breaker.onError(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit(), e);
      throw e;
    }
  }

  // Rethrows a checked exception the caller's signature already declares (X is inferred there).
  @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"})
  private static <X extends Exception> X sneaky(Exception e) throws X {
    throw (X) e;
  }
}
