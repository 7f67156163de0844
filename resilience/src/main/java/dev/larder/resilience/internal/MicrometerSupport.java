package dev.larder.resilience.internal;

import dev.larder.resilience.RetryBudget;

/**
 * The only door to Micrometer. Nothing here names a Micrometer type in a signature, so the public
 * classes load without micrometer-core; {@link MicrometerBinder} (which does use it) is loaded only
 * when a caller has passed a {@code MeterRegistry}, which proves Micrometer is present.
 */
public final class MicrometerSupport {
  private MicrometerSupport() {}

  /** Counters a retry budget updates. */
  public interface BudgetMeters {
    /** A retry was granted. */
    void granted();

    /** A retry was refused: the budget was empty. */
    void exhausted();
  }

  /** Counters a retry policy updates. */
  public interface RetryMeters {
    /** An attempt started. */
    void attempt();

    /**
     * The policy stopped retrying a failed call, or granted a retry.
     *
     * @param verdict why
     */
    void decision(RetryPlanner.Verdict verdict);
  }

  /**
   * Registers a budget's meters.
   *
   * @param registry a {@code MeterRegistry}
   * @param budget the budget
   * @return its counters
   */
  public static BudgetMeters budgetMeters(Object registry, RetryBudget budget) {
    return MicrometerBinder.budget(registry, budget);
  }

  /**
   * Registers a retry policy's meters and resilience4j's own retry meters.
   *
   * @param registry a {@code MeterRegistry}
   * @param policyName the policy's name
   * @param retry the resilience4j {@code Retry}
   * @return its counters
   */
  public static RetryMeters retryMeters(
      Object registry, String policyName, io.github.resilience4j.retry.Retry retry) {
    return MicrometerBinder.retry(registry, policyName, retry);
  }

  /**
   * Publishes resilience4j's tagged meters for a circuit breaker (state, calls, failure rate...)
   * and {@code larder.resilience.breaker.transitions}.
   *
   * @param registry a {@code MeterRegistry}
   * @param breaker the breaker
   */
  public static void bindBreaker(
      Object registry, io.github.resilience4j.circuitbreaker.CircuitBreaker breaker) {
    MicrometerBinder.breaker(registry, breaker);
  }
}
