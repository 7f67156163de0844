package dev.larder.examples;

import dev.larder.resilience.FailureClassifiers;
import dev.larder.resilience.Jitter;
import dev.larder.resilience.Resilience;
import dev.larder.resilience.RetryBudget;
import dev.larder.resilience.RetryPolicy;
import java.time.Duration;

/**
 * Retry with backoff (larder-resilience): a failure is classified first (PostgreSQL SQLSTATE, Redis
 * and network errors); only transient ones are retried, after a full-jitter exponential wait whose
 * cap applies before the random draw; a budget keeps retries to a fraction of calls so an outage
 * does not turn into a retry storm.
 *
 * <p>Copy this class for calls a person waits on (the interactive preset: 50 ms first wait, 2 s
 * deadline). Pass {@code idempotent = false} for a whole transaction: a serialization failure
 * rolled it back and is retried, a connection lost during COMMIT is not.
 */
public final class RetryWiring {
  private RetryWiring() {}

  /**
   * The retry policy for the catalog's database calls.
   *
   * @return the policy (its resilience4j {@code Retry} is {@code policy.retry()})
   */
  public static RetryPolicy policy() {
    return RetryPolicy.interactiveBuilder("catalog-db")
        .maxAttempts(4)
        .initialInterval(Duration.ofMillis(50))
        .maxInterval(Duration.ofMillis(800))
        .jitter(Jitter.FULL)
        .classifier(FailureClassifiers.standard())
        .build();
  }

  /**
   * The policy with a retry budget: at most 10 % of calls (plus a floor) may be retries.
   *
   * @param policy the policy
   * @return the retry stack
   */
  public static Resilience withBudget(RetryPolicy policy) {
    return Resilience.of(policy, RetryBudget.builder("catalog-db").retryRatio(0.1).build());
  }
}
