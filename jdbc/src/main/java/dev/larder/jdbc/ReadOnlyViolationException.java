package dev.larder.jdbc;

import dev.larder.core.LarderException;

/**
 * Work given to a read ({@link RoutingJdbi#read}) tried to write. Reads run on read-only
 * connections (a standby refuses writes; on the primary they run in a {@code READ ONLY}
 * transaction), so the write was refused by the server: move the work to {@link RoutingJdbi#write}
 * or {@link RoutingJdbi#inTransaction}.
 *
 * <p>Thread-safe once thrown: its state is fixed at construction (only what {@link Throwable}
 * itself allows, such as suppressed exceptions, is added later).
 */
public class ReadOnlyViolationException extends LarderException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message where the write was attempted
   * @param cause the server's refusal (SQLSTATE 25006)
   */
  public ReadOnlyViolationException(String message, Throwable cause) {
    super(message, cause);
  }
}
