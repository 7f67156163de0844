package dev.larder.cache;

import dev.larder.core.internal.Require;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Loads one value from the system of record on a cache miss.
 *
 * <p>The loader returns an {@link Optional}: {@link Optional#empty()} says the key does not exist;
 * the cache remembers that for its negative TTL so a flood of lookups for a missing key does not
 * reach the database, and {@link LarderCache#get} returns {@code null} for it. Throwing says the
 * load failed; the cache then serves a stale value if it has one, or throws {@link
 * StaleValueUnavailableException} carrying this failure.
 *
 * <p>For a data access method that answers {@code null} when the key does not exist, wrap it with
 * {@link #ofNullable}: {@code cache.get(id, CacheLoader.ofNullable(dao::findOrNull))}.
 *
 * @param <V> the value type
 */
@FunctionalInterface
public interface CacheLoader<V> {

  /**
   * Loads the value for a key.
   *
   * @param key the caller's key (not namespaced)
   * @return the value, or empty if the key does not exist
   * @throws Exception if the load failed
   */
  Optional<V> load(String key) throws Exception;

  /**
   * Adapts a loader that answers {@code null} for a key that does not exist, the way most data
   * access methods do: {@code null} becomes {@link Optional#empty()} (remembered for the negative
   * TTL, and {@code get} returns {@code null}), anything else the value.
   *
   * @param loader returns the value, or {@code null} if the key does not exist; may throw if the
   *     load failed
   * @param <V> the value type
   * @return a loader that wraps it
   * @throws NullPointerException if {@code loader} is null
   */
  static <V> CacheLoader<V> ofNullable(NullableLoader<V> loader) {
    Require.notNull(loader, "loader");
    return key -> Optional.ofNullable(loader.load(key));
  }

  /**
   * A loader in the plain form: the value, or {@code null} when the key does not exist. Pass it to
   * a cache through {@link CacheLoader#ofNullable}.
   *
   * @param <V> the value type
   */
  @FunctionalInterface
  interface NullableLoader<V> {
    /**
     * Loads the value for a key.
     *
     * @param key the caller's key (not namespaced)
     * @return the value, or {@code null} if the key does not exist
     * @throws Exception if the load failed
     */
    @Nullable V load(String key) throws Exception;
  }
}
