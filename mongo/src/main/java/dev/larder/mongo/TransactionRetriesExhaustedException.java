package dev.larder.mongo;

import dev.larder.core.FailureClass;
import dev.larder.core.LarderException;

/**
 * A transaction kept failing in a retryable way until {@link MongoTransactions}' attempt limit or
 * deadline was reached. The cause is the last failure. When {@link #failureClass()} is {@link
 * FailureClass#UNKNOWN} the last commit's outcome is unknown: the transaction may have committed,
 * so the caller must check before doing it again.
 *
 * <p>Immutable once thrown (its fields are final): safe to pass between threads.
 */
public final class TransactionRetriesExhaustedException extends LarderException {
  private static final long serialVersionUID = 1L;

  /** How many tries were made: bodies run plus commits retried. */
  private final int attempts;

  /** How the last failure was classified. */
  private final FailureClass failureClass;

  TransactionRetriesExhaustedException(
      String message, Throwable cause, int attempts, FailureClass failureClass) {
    super(message, cause);
    this.attempts = attempts;
    this.failureClass = failureClass;
  }

  /**
   * How many tries were made: bodies run plus commits retried.
   *
   * @return at least 1
   */
  public int attempts() {
    return attempts;
  }

  /**
   * {@link FailureClass#TRANSIENT} if the last attempt was aborted (nothing committed), {@link
   * FailureClass#UNKNOWN} if the last commit's outcome is unknown.
   *
   * @return the class of the last failure
   */
  public FailureClass failureClass() {
    return failureClass;
  }
}
