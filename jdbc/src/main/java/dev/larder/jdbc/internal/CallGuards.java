package dev.larder.jdbc.internal;

import dev.larder.core.internal.Require;
import dev.larder.resilience.CallGuard;
import dev.larder.resilience.Resilience;
import dev.larder.resilience.RetryPolicy;
import dev.larder.resilience.ThrowingSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The one {@link CallGuard} a facade runs its calls under: a {@link Resilience} stack (breaker,
 * retry, budget), a {@link RetryPolicy} alone, or {@link #once()} when neither was given.
 * Stateless: thread-safe.
 */
public final class CallGuards {
  private static final CallGuard ONCE =
      new CallGuard() {
        @Override
        public <T, E extends Exception> T callChecked(
            boolean idempotent, ThrowingSupplier<T, E> work) throws E {
          return Require.notNull(work, "work").get();
        }

        @Override
        public String toString() {
          return "CallGuard[once]";
        }
      };

  private CallGuards() {}

  /**
   * A guard that runs the work once: no retry, no breaker.
   *
   * @return the guard
   */
  public static CallGuard once() {
    return ONCE;
  }

  /**
   * The guard for what a builder was given (at most one of the two).
   *
   * @param retryPolicy a retry policy, or null
   * @param resilience a resilience stack, or null
   * @return the stack if given, else the policy if given, else {@link #once()}
   */
  public static CallGuard of(@Nullable RetryPolicy retryPolicy, @Nullable Resilience resilience) {
    if (resilience != null) {
      return resilience;
    }
    return retryPolicy != null ? retryPolicy : ONCE;
  }
}
