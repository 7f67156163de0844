package dev.larder.core;

/**
 * How a failed call is judged, which decides whether it may be repeated.
 *
 * <p>Retry policies (larder-resilience), replica routing (larder-jdbc, larder-mongo) and stale
 * fallback (larder-cache) all act on this one classification, so a failure is judged the same way
 * wherever it surfaces.
 */
public enum FailureClass {
  /**
   * The call failed in a way that is likely to pass if repeated and is known not to have taken
   * effect, or to be safe to repeat: a serialization failure or deadlock (the transaction was
   * rolled back), a refused or dropped connection before the request was sent, a server shutting
   * down, a timeout waiting for a connection.
   */
  TRANSIENT,

  /**
   * Repeating the call will fail the same way: a constraint violation, a syntax error, bad
   * credentials, a value that cannot be encoded. Retrying only adds load.
   */
  PERMANENT,

  /**
   * Nothing is known for sure: either the classifier does not recognise the failure, or the call
   * may or may not have taken effect (a connection lost during commit, PostgreSQL SQLSTATE 08007,
   * MongoDB's {@code UnknownTransactionCommitResult}). Such a call is repeated only when the caller
   * declared it safe to repeat (idempotent), never blindly.
   */
  UNKNOWN;

  /**
   * Whether a call that failed this way may be repeated.
   *
   * @param idempotent whether the caller declared the call safe to repeat
   * @return {@code true} for {@link #TRANSIENT}; for {@link #UNKNOWN} only when {@code idempotent};
   *     never for {@link #PERMANENT}
   */
  public boolean isRetryable(boolean idempotent) {
    return this == TRANSIENT || (this == UNKNOWN && idempotent);
  }
}
