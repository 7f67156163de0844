package dev.larder.jdbc;

import dev.larder.core.LarderException;
import org.jspecify.annotations.Nullable;

/**
 * A consistency token could not be read: the header text is malformed, truncated or from an unknown
 * format version. Treat it as the caller's bad input (an HTTP 400), not a server error.
 *
 * <p>Thread-safe once thrown: its state is fixed at construction (only what {@link Throwable}
 * itself allows, such as suppressed exceptions, is added later).
 */
public class InvalidConsistencyTokenException extends LarderException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was wrong with the token
   */
  public InvalidConsistencyTokenException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what was wrong with the token
   * @param cause the parse failure
   */
  public InvalidConsistencyTokenException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
