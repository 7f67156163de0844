package dev.larder.cache;

import dev.larder.core.LarderException;

/**
 * A load failed (the loader threw, timed out, or the circuit breaker refused the call) and the
 * cache held no value for the key within its max-stale window to fall back to.
 *
 * <p>The {@linkplain #getCause() cause} is the loader's failure, a {@link
 * java.util.concurrent.TimeoutException}, or resilience4j's {@code CallNotPermittedException}.
 */
public class StaleValueUnavailableException extends LarderException {
  private static final long serialVersionUID = 1L;

  /** The cache that failed. */
  private final String cacheName;

  /** The key that could not be served. */
  private final String key;

  /**
   * Creates the exception.
   *
   * @param cacheName the cache's name
   * @param key the caller's key
   * @param cause why the load failed
   */
  public StaleValueUnavailableException(String cacheName, String key, Throwable cause) {
    super(
        "cache '"
            + cacheName
            + "' could not load key '"
            + abbreviate(key)
            + "' and holds no stale value for it: "
            + cause,
        cause);
    this.cacheName = cacheName;
    this.key = key;
  }

  /**
   * The cache that failed.
   *
   * @return its name
   */
  public String cacheName() {
    return cacheName;
  }

  /**
   * The key that could not be served.
   *
   * @return the caller's key
   */
  public String key() {
    return key;
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
