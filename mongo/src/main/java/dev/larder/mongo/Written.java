package dev.larder.mongo;

import dev.larder.core.internal.Require;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of {@link MongoRouter#write(MongoWork)}: what the work returned and the token a later
 * read passes to see the write.
 *
 * <p>Immutable and thread-safe if the value is (the token always is).
 *
 * @param value what the work returned
 * @param token the consistency token; send {@link ConsistencyToken#toHeader()} to the caller
 * @param <T> the work's result type
 */
public record Written<T extends @Nullable Object>(T value, ConsistencyToken token) {
  /**
   * Checks the token is present.
   *
   * @param value what the work returned
   * @param token the token of the write
   * @throws NullPointerException if {@code token} is null
   */
  public Written {
    Require.notNull(token, "token");
  }
}
