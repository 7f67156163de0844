package dev.larder.resilience;

import dev.larder.core.internal.Require;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One dependency's resilience stack: a circuit breaker, a retry policy and a retry budget, applied
 * to a call in that order from the outside in, with the breaker consulted for <em>every
 * attempt</em>:
 *
 * <pre>{@code
 * Resilience db = Resilience.of(CircuitBreakerPresets.database("orders-db"),
 *     RetryPolicy.builder("orders-db").build(), RetryBudget.builder("orders-db").build());
 * Order o = db.callChecked(true, () -> orders.find(id));
 * }</pre>
 *
 * <ul>
 *   <li>An open breaker refuses the call before any work: {@link CircuitOpenException} at once,
 *       never retried, no wait. Callers with a fallback (a stale cache value) catch it and do not
 *       call the loader.
 *   <li>Each attempt is recorded by the breaker on its own, with its own duration, so the breaker's
 *       failure rate and slow-call rate describe the dependency, not the retry loop's waits. If the
 *       breaker opens between two attempts the call stops with its last real failure (the rejection
 *       is added to it as a suppressed exception).
 *   <li>Each call that reaches the dependency deposits into the budget; each retry must take a
 *       token from it, else the failure surfaces at once.
 * </ul>
 *
 * <p>Immutable and thread-safe; build one per dependency and share it.
 */
public final class Resilience implements CallGuard {
  private final @Nullable CircuitBreaker breaker;
  private final RetryPolicy retryPolicy;
  private final @Nullable RetryBudget budget;

  private Resilience(
      @Nullable CircuitBreaker breaker, RetryPolicy retryPolicy, @Nullable RetryBudget budget) {
    this.breaker = breaker;
    this.retryPolicy = retryPolicy;
    this.budget = budget;
  }

  /**
   * The full stack.
   *
   * @param breaker the circuit breaker (see {@link CircuitBreakerPresets})
   * @param retryPolicy the retry policy
   * @param budget the retry budget, shared by everything calling the same dependency
   * @return the stack
   * @throws NullPointerException naming the argument that is null
   */
  public static Resilience of(CircuitBreaker breaker, RetryPolicy retryPolicy, RetryBudget budget) {
    return new Resilience(
        Require.notNull(breaker, "breaker"),
        Require.notNull(retryPolicy, "retryPolicy"),
        Require.notNull(budget, "budget"));
  }

  /**
   * Retry and budget without a breaker.
   *
   * @param retryPolicy the retry policy
   * @param budget the retry budget
   * @return the stack
   * @throws NullPointerException naming the argument that is null
   */
  public static Resilience of(RetryPolicy retryPolicy, RetryBudget budget) {
    return new Resilience(
        null, Require.notNull(retryPolicy, "retryPolicy"), Require.notNull(budget, "budget"));
  }

  /**
   * Breaker and retry without a budget (retries are then bounded only by the policy).
   *
   * @param breaker the circuit breaker
   * @param retryPolicy the retry policy
   * @return the stack
   * @throws NullPointerException naming the argument that is null
   */
  public static Resilience of(CircuitBreaker breaker, RetryPolicy retryPolicy) {
    return new Resilience(
        Require.notNull(breaker, "breaker"), Require.notNull(retryPolicy, "retryPolicy"), null);
  }

  /**
   * Runs work (that may throw a checked exception) through the stack; every other form ({@link
   * #call}, {@link #run}, the decorators) comes through here.
   *
   * @param idempotent whether repeating the work is harmless even if an earlier attempt took effect
   * @param work the work
   * @param <T> the result type
   * @param <E> the checked exception
   * @return the first successful result
   * @throws E the last failure when retrying stops
   * @throws CircuitOpenException if the breaker refused the call before any attempt
   */
  @Override
  public <T, E extends Exception> T callChecked(boolean idempotent, ThrowingSupplier<T, E> work)
      throws E {
    Require.notNull(work, "work");
    return Attempts.run(retryPolicy, breaker, budget, idempotent, work);
  }

  /** {@return the circuit breaker, if any} */
  public Optional<CircuitBreaker> circuitBreaker() {
    return Optional.ofNullable(breaker);
  }

  /** {@return the retry policy} */
  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /** {@return the retry budget, if any} */
  public Optional<RetryBudget> retryBudget() {
    return Optional.ofNullable(budget);
  }

  @Override
  public String toString() {
    return "Resilience[breaker="
        + (breaker == null ? "none" : breaker.getName())
        + ", "
        + retryPolicy
        + ", budget="
        + (budget == null ? "none" : budget.name())
        + "]";
  }
}
