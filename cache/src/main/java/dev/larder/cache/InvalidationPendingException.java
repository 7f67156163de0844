package dev.larder.cache;

import dev.larder.core.LarderException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A write to the cache ({@link LarderCache#put}, {@link LarderCache#writeThrough}, {@link
 * LarderCache#invalidate}, {@link LarderCache#invalidateAll}) could not confirm its Redis half:
 * Redis was down, slow past {@code redisTimeout}, or the cache's Redis breaker was open.
 *
 * <p>What has happened when this is thrown: this JVM's L1 no longer holds the keys (and refuses
 * older values for them), and the cache <em>owes</em> the fence: it retries it in the background
 * and before this instance reads Redis again, and once Redis answers it applies it (a version bump
 * that deletes the value, or, for many keys or a clear-all, a bump of the namespace's generation).
 * Until then, other instances that can still reach Redis may read the old value from it. The debt
 * lives in this JVM only: if it stops first, the fence is lost, so a caller that must not lose an
 * invalidation (a database-sourced one, for instance) treats this exception as "not applied" and
 * tries again later.
 *
 * <p>For {@link LarderCache#writeThrough} the write against the system of record has already
 * succeeded when this is thrown; only the cache half is pending.
 */
public class InvalidationPendingException extends LarderException {
  private static final long serialVersionUID = 1L;

  /** The cache whose invalidation is pending. */
  private final String cacheName;

  private final transient List<String> keys;

  /**
   * Creates the exception.
   *
   * @param cacheName the cache's name
   * @param keys the caller's keys whose fence is pending; empty for a clear-all
   * @param cause why Redis could not be used
   */
  public InvalidationPendingException(
      String cacheName, List<String> keys, @Nullable Throwable cause) {
    super(
        "cache '"
            + cacheName
            + "' could not reach Redis to "
            + (keys.isEmpty() ? "clear the namespace" : "fence " + describe(keys))
            + "; this instance's L1 is cleared and the fence is retried until Redis answers"
            + " (other instances may read the old value from Redis until then): "
            + cause,
        cause);
    this.cacheName = cacheName;
    this.keys = List.copyOf(keys);
  }

  /**
   * The cache whose fence is pending.
   *
   * @return its name
   */
  public String cacheName() {
    return cacheName;
  }

  /**
   * The keys whose fence is pending; empty when a whole-namespace clear is pending.
   *
   * @return the caller's keys
   */
  public List<String> keys() {
    return keys;
  }

  private static String describe(List<String> keys) {
    if (keys.size() == 1) {
      String k = keys.get(0);
      return "key '" + (k.length() <= 80 ? k : k.substring(0, 77) + "...") + "'";
    }
    return keys.size() + " keys";
  }
}
