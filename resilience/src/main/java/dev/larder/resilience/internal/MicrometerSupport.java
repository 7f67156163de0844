package dev.larder.resilience.internal;

import java.util.function.ToDoubleFunction;

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
   * Registers a budget's meters. The budget is passed with its two readings rather than as a {@code
   * RetryBudget}, so this package does not depend back on the one that uses it; the gauges hold the
   * budget weakly, as Micrometer's do.
   *
   * @param registry a {@code MeterRegistry}
   * @param name the budget's name (the {@code budget} tag)
   * @param budget the budget
   * @param balance reads the tokens available now
   * @param callCount reads the calls recorded since creation
   * @param <B> the budget's type
   * @return its counters
   */
  public static <B> BudgetMeters budgetMeters(
      Object registry,
      String name,
      B budget,
      ToDoubleFunction<B> balance,
      ToDoubleFunction<B> callCount) {
    return MicrometerBinder.budget(registry, name, budget, balance, callCount);
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
