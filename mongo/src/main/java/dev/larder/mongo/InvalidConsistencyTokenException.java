package dev.larder.mongo;

import dev.larder.core.LarderException;

/**
 * A consistency token header could not be read: it is malformed, too long, of an unknown version,
 * or inconsistent. Treat it as a client error (HTTP 400), not a server failure. The message never
 * repeats the token.
 *
 * <p>Immutable once thrown (its fields are final): safe to pass between threads.
 */
public final class InvalidConsistencyTokenException extends LarderException {
  private static final long serialVersionUID = 1L;

  InvalidConsistencyTokenException(String message, Throwable cause) {
    super(message, cause);
  }

  InvalidConsistencyTokenException(String message) {
    super(message);
  }
}
