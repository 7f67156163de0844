package dev.larder.resilience;

import dev.larder.core.FailureClass;
import dev.larder.core.internal.Require;
import java.util.function.Supplier;

/**
 * Runs work under a protection policy: a {@link RetryPolicy} alone, or a whole {@link Resilience}
 * stack (breaker, budget, retry). Every form below ends in {@link #callChecked}, which each
 * implementation defines; code that only needs "run this protected" can take a {@code CallGuard}
 * and be handed either.
 *
 * <p>{@code idempotent} says whether repeating the work is harmless even if an earlier attempt took
 * effect: it decides whether {@link FailureClass#UNKNOWN} failures (a timeout after the request was
 * sent) are retried. {@link FailureClass#TRANSIENT} failures are retried either way, {@link
 * FailureClass#PERMANENT} ones never.
 *
 * <p>A guard with a circuit breaker throws {@link CircuitOpenException} when the breaker refuses
 * the call before any attempt.
 */
public interface CallGuard {

  /**
   * Runs work that may throw a checked exception (JDBC, say) under this guard.
   *
   * @param idempotent whether repeating the work is harmless (see the type's description)
   * @param work the work
   * @param <T> the result type
   * @param <E> the checked exception
   * @return the first successful result
   * @throws E the last failure when retrying stops (or a {@code RuntimeException})
   * @throws CircuitOpenException if a breaker refused the call before any attempt
   * @throws NullPointerException if {@code work} is null
   */
  <T, E extends Exception> T callChecked(boolean idempotent, ThrowingSupplier<T, E> work) throws E;

  /**
   * Runs {@code work} under this guard.
   *
   * @param idempotent whether repeating the work is harmless (see the type's description)
   * @param work the work
   * @param <T> the result type
   * @return the first successful result
   * @throws RuntimeException the last failure when retrying stops
   * @throws CircuitOpenException if a breaker refused the call before any attempt
   */
  default <T> T call(boolean idempotent, Supplier<T> work) {
    Require.notNull(work, "work");
    return callChecked(idempotent, work::get);
  }

  /**
   * Runs {@code work} for its effect under this guard.
   *
   * @param idempotent whether repeating the work is harmless (see the type's description)
   * @param work the work
   * @throws RuntimeException the last failure when retrying stops
   * @throws CircuitOpenException if a breaker refused the call before any attempt
   */
  default void run(boolean idempotent, Runnable work) {
    Require.notNull(work, "work");
    callChecked(
        idempotent,
        () -> {
          work.run();
          return Boolean.TRUE; // callChecked's result is never null; this one is ignored
        });
  }

  /**
   * Wraps {@code work} so that every {@code get()} runs it under this guard.
   *
   * @param idempotent whether repeating the work is harmless (see the type's description)
   * @param work the work
   * @param <T> the result type
   * @return the decorated supplier
   */
  default <T> Supplier<T> decorateSupplier(boolean idempotent, Supplier<T> work) {
    Require.notNull(work, "work");
    return () -> call(idempotent, work);
  }

  /**
   * Wraps checked work so that every {@code get()} runs it under this guard.
   *
   * @param idempotent whether repeating the work is harmless (see the type's description)
   * @param work the work
   * @param <T> the result type
   * @param <E> the checked exception
   * @return the decorated supplier
   */
  default <T, E extends Exception> ThrowingSupplier<T, E> decorateChecked(
      boolean idempotent, ThrowingSupplier<T, E> work) {
    Require.notNull(work, "work");
    return () -> callChecked(idempotent, work);
  }
}
