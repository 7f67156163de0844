package dev.larder.core;

import org.jspecify.annotations.Nullable;

/**
 * The unchecked root of every exception Larder throws on purpose.
 *
 * <p>Subtypes name a situation a caller can act on (an invalid cursor, no eligible replica, no
 * stale value to fall back to). Bad arguments and bad builder settings are reported with the JDK's
 * {@link IllegalArgumentException}, {@link IllegalStateException} and {@link NullPointerException}
 * instead, as the JDK and the libraries Larder wraps do.
 *
 * <p>Messages never contain secrets (passwords, signing keys, cursor payloads).
 */
public class LarderException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message and no cause.
   *
   * @param message what went wrong, in terms the caller can act on
   */
  public LarderException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and the failure that caused it.
   *
   * @param message what went wrong, in terms the caller can act on
   * @param cause the underlying failure, kept for diagnosis; may be {@code null}
   */
  public LarderException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
