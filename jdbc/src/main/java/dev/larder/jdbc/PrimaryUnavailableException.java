package dev.larder.jdbc;

import dev.larder.core.ClassifiedFailure;
import dev.larder.core.FailureClass;
import dev.larder.core.LarderException;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * No connection to the primary could be had for a {@link RoutingJdbi} call that needs it ({@code
 * write}, {@code inTransaction}, a {@code strong()} read, a read that fell back to the primary):
 * its pool gave none within its {@code connectionTimeout} because the server is down, refusing,
 * restarting, or every pooled connection is busy (the cause, HikariCP's {@code
 * SQLTransientConnectionException} with the driver's last failure under it, tells which).
 *
 * <p><b>Nothing was sent</b>, so the work did not start: the failure is {@link
 * FailureClass#TRANSIENT} and a {@code RetryPolicy} repeats it even for a write not declared
 * idempotent (see {@link #failureClass()}), unless its cause says repeating cannot help (a wrong
 * password, a database that does not exist: {@link FailureClass#PERMANENT}). A statement cut by the
 * primary going away <em>after</em> the connection was had is not this exception: it keeps the
 * driver's own failure and SQLSTATE ({@code 57P01} transient, {@code 08006} outcome unknown).
 *
 * <p><b>How long.</b> One attempt fails after the pool's {@code connectionTimeout} ({@link
 * #connectionTimeout()}; the OLTP preset's is 1 s); with a retry policy, the call ends once its
 * deadline allows no further attempt, at most {@code deadline + connectionTimeout} after it began.
 *
 * <p>Thread-safe once thrown: its state is fixed at construction (only what {@link Throwable}
 * itself allows, such as suppressed exceptions, is added later).
 */
public class PrimaryUnavailableException extends LarderException implements ClassifiedFailure {
  private static final long serialVersionUID = 1L;

  /** How the failure to reach the primary was classified. */
  private final FailureClass failureClass;

  /** The pool's connectionTimeout that passed without a connection, if known. */
  private final @Nullable Duration connectionTimeout;

  /**
   * Creates the exception.
   *
   * @param message what could not be had, from which pool, within what time
   * @param cause the pool's or driver's failure
   * @param failureClass {@link FailureClass#TRANSIENT}, or {@link FailureClass#PERMANENT} when the
   *     cause says a retry cannot help
   * @param connectionTimeout the pool's connection timeout, if known
   */
  public PrimaryUnavailableException(
      String message,
      Throwable cause,
      FailureClass failureClass,
      @Nullable Duration connectionTimeout) {
    super(message, cause);
    this.failureClass = failureClass;
    this.connectionTimeout = connectionTimeout;
  }

  /**
   * {@link FailureClass#TRANSIENT}: nothing was sent, so the work may be repeated (a retry policy
   * does); {@link FailureClass#PERMANENT} if the cause is a failure that repeats (bad credentials).
   *
   * @return the class
   */
  @Override
  public FailureClass failureClass() {
    return failureClass;
  }

  /**
   * The primary pool's connection timeout: how long the call waited for a connection.
   *
   * @return the timeout, when the pool is a HikariCP pool
   */
  public Optional<Duration> connectionTimeout() {
    return Optional.ofNullable(connectionTimeout);
  }
}
