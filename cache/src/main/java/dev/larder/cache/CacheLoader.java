package dev.larder.cache;

import java.util.Optional;

/**
 * Loads one value from the system of record on a cache miss.
 *
 * <p>Returning {@link Optional#empty()} says the key does not exist; the cache remembers that for
 * its negative TTL so a flood of lookups for a missing key does not reach the database. Throwing
 * says the load failed; the cache then serves a stale value if it has one, or throws
 * {@link StaleValueUnavailableException} carrying this failure.
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
}
