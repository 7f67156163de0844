package dev.larder.resilience;

import dev.larder.core.LarderException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;

/**
 * The call was not made because its circuit breaker is open (or half-open with all probe calls
 * taken). Thrown at once, before any work and without retrying, by {@link Resilience}. Catch it to
 * fall back (serve a stale value, answer "try later") without calling the dependency.
 *
 * <p>The cause is resilience4j's {@link CallNotPermittedException}. When a breaker opens while a
 * call is already between retries, the call ends with its last real failure instead (more useful
 * for diagnosis), with the {@code CallNotPermittedException} added to it as a suppressed exception;
 * use {@link #isBreakerRejection(Throwable)} to recognise both.
 */
public class CircuitOpenException extends LarderException {
  private static final long serialVersionUID = 1L;

  /** The name of the breaker that refused the call. */
  private final String breakerName;

  /**
   * Creates the exception.
   *
   * @param cause resilience4j's rejection
   */
  public CircuitOpenException(CallNotPermittedException cause) {
    super(
        "circuit breaker '"
            + cause.getCausingCircuitBreakerName()
            + "' does not permit calls; the call was not made",
        cause);
    this.breakerName = cause.getCausingCircuitBreakerName();
  }

  /** {@return the name of the breaker that refused the call} */
  public String breakerName() {
    return breakerName;
  }

  /**
   * Whether a failure is, or carries, a circuit-breaker rejection: a {@code CircuitOpenException}
   * or a {@link CallNotPermittedException} itself, in the failure's causes, or suppressed by the
   * failure.
   *
   * @param failure the failure
   * @return whether a breaker refused (part of) the call
   */
  public static boolean isBreakerRejection(Throwable failure) {
    for (Throwable t : dev.larder.core.FailureClassifier.causalChain(failure)) {
      if (t instanceof CircuitOpenException || t instanceof CallNotPermittedException) {
        return true;
      }
    }
    for (Throwable s : failure.getSuppressed()) {
      if (s instanceof CallNotPermittedException) {
        return true;
      }
    }
    return false;
  }
}
