package dev.larder.cache;

import dev.larder.core.LarderException;
import org.jspecify.annotations.Nullable;

/**
 * A value given to {@link LarderCache#put(String, Object)} (or produced by a write-through) could
 * not be encoded by the cache's codec. Nothing was stored in either tier.
 */
public class CacheCodecException extends LarderException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, naming the cache and key
   * @param cause the codec's failure
   */
  public CacheCodecException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
