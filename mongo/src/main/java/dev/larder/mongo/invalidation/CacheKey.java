package dev.larder.mongo.invalidation;

import java.util.Objects;

/**
 * One cache entry to invalidate: the cache's name and the caller's key within it. Immutable and
 * thread-safe.
 *
 * @param cacheName the cache, not blank
 * @param key the key, not empty
 */
public record CacheKey(String cacheName, String key) {

  /**
   * Validates the components.
   *
   * @param cacheName the cache's name
   * @param key the key within the cache
   * @throws NullPointerException if either is null
   * @throws IllegalArgumentException if {@code cacheName} is blank or {@code key} is empty
   */
  public CacheKey {
    Objects.requireNonNull(cacheName, "cacheName must not be null");
    Objects.requireNonNull(key, "key must not be null");
    if (cacheName.isBlank()) {
      throw new IllegalArgumentException("cacheName must not be blank but was '" + cacheName + "'");
    }
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
  }
}
