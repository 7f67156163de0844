package dev.larder.examples;

import dev.larder.cache.CacheCodec;
import dev.larder.cache.LarderCache;
import dev.larder.core.KeyNamespace;
import java.time.Duration;
import org.redisson.api.RedissonClient;

/**
 * Cross-instance invalidation (larder-cache): a write on one instance invalidates the key in Redis
 * and tells every other instance to drop its in-JVM copy.
 *
 * <p>Copy this class when more than one instance caches the same keys.
 */
public final class InvalidationWiring {
  private InvalidationWiring() {}

  /**
   * The product cache of one instance, with invalidation across instances.
   *
   * @param redisson this instance's client
   * @param namespace the key prefix, the same in every instance
   * @return the cache
   */
  public static LarderCache<Product> productCache(RedissonClient redisson, KeyNamespace namespace) {
    return LarderCache.newBuilder(CacheCodec.of(Product::toBytes, Product::fromBytes))
        .namespace(namespace)
        .redisson(redisson)
        .ttl(Duration.ofMinutes(5))
        .l1Ttl(Duration.ofSeconds(30))
        .build();
  }
}
