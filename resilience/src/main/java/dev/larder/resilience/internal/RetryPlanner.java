package dev.larder.resilience.internal;

import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Decides, after each failed attempt of one call, whether and when the next attempt starts. Pure
 * apart from the randomness and the budget it is handed, so it is tested without sleeping.
 *
 * <p>The order of the checks is deliberate: the classification first (a permanent failure must not
 * cost a budget token), then the attempt limit, then the deadline (no attempt may start after it,
 * and a retry that could not start in time must not cost a token either), and the budget last.
 */
public final class RetryPlanner {

  /** Why the planner answered as it did. */
  public enum Verdict {
    /** Retry after {@link Decision#waitMillis()}. */
    RETRY,
    /** The failure is not retryable for this call (permanent, or unknown and not idempotent). */
    NOT_RETRYABLE,
    /** The attempt limit is reached. */
    EXHAUSTED,
    /** The next attempt would start after the deadline. */
    DEADLINE,
    /** The retry budget is empty. */
    BUDGET,
    /** The circuit breaker refused the attempt. */
    REJECTED;

    /** The tag value used in metrics. @return lower-case name */
    public String tag() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * One decision.
   *
   * @param verdict what to do
   * @param failureClass how the failure was classified
   * @param waitMillis the wait before the next attempt when {@link Verdict#RETRY}, else 0
   */
  public record Decision(Verdict verdict, FailureClass failureClass, long waitMillis) {
    /** {@return whether another attempt follows} */
    public boolean retry() {
      return verdict == Verdict.RETRY;
    }
  }

  private final Backoff backoff;
  private final int maxAttempts;
  private final long deadlineNanos;
  private final FailureClassifier classifier;

  /**
   * Creates a planner.
   *
   * @param backoff the wait function
   * @param maxAttempts attempts in all, first included, {@code >= 1}
   * @param deadlineNanos how long after the call started an attempt may still start; {@code <= 0}
   *     for no deadline
   * @param classifier judges each failure
   */
  public RetryPlanner(
      Backoff backoff, int maxAttempts, long deadlineNanos, FailureClassifier classifier) {
    this.backoff = Objects.requireNonNull(backoff, "backoff");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be > 0 but was " + maxAttempts);
    }
    this.maxAttempts = maxAttempts;
    this.deadlineNanos = deadlineNanos;
    this.classifier = Objects.requireNonNull(classifier, "classifier");
  }

  /** {@return the backoff function} */
  public Backoff backoff() {
    return backoff;
  }

  /** {@return attempts in all} */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** {@return the classifier} */
  public FailureClassifier classifier() {
    return classifier;
  }

  /**
   * Starts the state of one call.
   *
   * @param startNanos the monotonic time the call started
   * @param idempotent whether the caller declared the call safe to repeat
   * @return the per-call state; confined to the calling thread, never shared
   */
  public CallState start(long startNanos, boolean idempotent) {
    return new CallState(startNanos, idempotent);
  }

  /** The state of one call: attempts made and the previous wait (for decorrelated jitter). */
  public final class CallState {
    private final long startNanos;
    private final boolean idempotent;
    private int attempts;
    private long previousWaitMillis;

    private CallState(long startNanos, boolean idempotent) {
      this.startNanos = startNanos;
      this.idempotent = idempotent;
      this.previousWaitMillis = backoff.baseMillis();
    }

    /** Records that an attempt is starting. @return its number, 1 for the first */
    public int beginAttempt() {
      return ++attempts;
    }

    /** {@return attempts begun so far} */
    public int attempts() {
      return attempts;
    }

    /** {@return whether the call was declared idempotent} */
    public boolean idempotent() {
      return idempotent;
    }

    /**
     * Decides after the current attempt failed.
     *
     * @param failure what the attempt threw
     * @param nowNanos the monotonic time now
     * @param budget asked for a token only when a retry would otherwise happen; null for none
     * @param random the random source for the wait
     * @return the decision
     */
    public Decision onFailure(
        Throwable failure,
        long nowNanos,
        @Nullable BooleanSupplier budget,
        RandomGenerator random) {
      FailureClass fc = classify(failure);
      if (!fc.isRetryable(idempotent)) {
        return new Decision(Verdict.NOT_RETRYABLE, fc, 0);
      }
      if (attempts >= maxAttempts) {
        return new Decision(Verdict.EXHAUSTED, fc, 0);
      }
      long wait = backoff.nextMillis(attempts, previousWaitMillis, random);
      if (deadlineNanos > 0) {
        long startOfNext = (nowNanos - startNanos) + wait * 1_000_000L;
        if (startOfNext > deadlineNanos) {
          return new Decision(Verdict.DEADLINE, fc, 0);
        }
      }
      if (budget != null && !budget.getAsBoolean()) {
        return new Decision(Verdict.BUDGET, fc, 0);
      }
      previousWaitMillis = wait;
      return new Decision(Verdict.RETRY, fc, wait);
    }
  }

  private FailureClass classify(Throwable failure) {
    try {
      FailureClass fc = classifier.classify(failure);
      return fc == null ? FailureClass.UNKNOWN : fc;
    } catch (RuntimeException e) {
      // The SPI says classifiers must not throw; one that does must not replace the real failure.
      failure.addSuppressed(e);
      return FailureClass.UNKNOWN;
    }
  }
}
