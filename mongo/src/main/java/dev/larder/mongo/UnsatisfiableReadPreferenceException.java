package dev.larder.mongo;

import dev.larder.core.LarderException;
import org.jspecify.annotations.Nullable;

/**
 * No member of the deployment can serve a read with the configured read preference: mode {@code
 * secondary} on a standalone server, a tag set no member carries, or no secondary within {@code
 * maxStaleness} until the server selection timeout ran out. The message names the read preference
 * and the members the client sees.
 *
 * <p>Immutable once thrown (its fields are final): safe to pass between threads.
 */
public final class UnsatisfiableReadPreferenceException extends LarderException {
  private static final long serialVersionUID = 1L;

  UnsatisfiableReadPreferenceException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
