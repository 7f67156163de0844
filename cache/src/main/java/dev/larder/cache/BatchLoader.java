package dev.larder.cache;

import java.util.Map;
import java.util.Set;

/**
 * Loads many values in one call (one query with {@code IN (...)}), the answer to N+1 lookups.
 *
 * <p>A key missing from the returned map does not exist and is negatively cached; a key that was
 * not asked for is ignored. Throwing fails every key of the batch (each then falls back to its
 * stale value, if any).
 *
 * @param <V> the value type
 */
@FunctionalInterface
public interface BatchLoader<V> {

  /**
   * Loads the values for a set of keys.
   *
   * @param keys the caller's keys (not namespaced), never empty
   * @return the values found, by key; never null, values never null
   * @throws Exception if the load failed
   */
  Map<String, V> loadAll(Set<String> keys) throws Exception;
}
