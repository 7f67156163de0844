package dev.larder.mongo;

import dev.larder.core.LarderException;
import org.jspecify.annotations.Nullable;

/**
 * The deployment refused client sessions, so causal consistency (read-your-writes on secondaries)
 * and transactions are not available: a standalone server that does not report {@code
 * logicalSessionTimeoutMinutes}, or a stand-in such as mongo-java-server. Sessions need a replica
 * set or a sharded cluster (and transactions need one too).
 *
 * <p>Immutable once thrown (its fields are final): safe to pass between threads.
 */
public final class SessionsUnsupportedException extends LarderException {
  private static final long serialVersionUID = 1L;

  SessionsUnsupportedException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
