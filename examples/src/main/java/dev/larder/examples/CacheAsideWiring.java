package dev.larder.examples;

import dev.larder.cache.CacheCodec;
import dev.larder.cache.LarderCache;
import dev.larder.cache.RedissonPresets;
import dev.larder.core.KeyNamespace;
import java.time.Duration;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;

/**
 * Two-tier cache-aside with stampede protection (larder-cache): Caffeine in this JVM, Redis shared
 * by every instance, the database behind both. Concurrent misses for one key make one load in the
 * whole fleet: callers in a JVM join one future, other JVMs wait on a Redis lease for the value.
 *
 * <p>Copy this class for a read-mostly entity. {@code get(key, loader)} is the whole API a caller
 * needs; keep the loader a plain function of the key.
 */
public final class CacheAsideWiring {
  /** How products travel to Redis. */
  public static final CacheCodec<Product> PRODUCT_CODEC =
      CacheCodec.of(Product::toBytes, Product::fromBytes);

  private CacheAsideWiring() {}

  /**
   * A Redisson client with Larder's presets (short timeouts: a slow Redis must not be slower than
   * the database).
   *
   * @param redisUri {@code redis://host:port}
   * @return the client (the caller shuts it down)
   */
  public static RedissonClient redisson(String redisUri) {
    return Redisson.create(
        RedissonPresets.singleServer(redisUri)
            .connectionPoolSize(32)
            .connectionMinimumIdleSize(2)
            .clientName("catalog")
            .build());
  }

  /**
   * The product cache of one service instance.
   *
   * @param redisson this instance's client
   * @param namespace the key prefix ({@code KeyNamespace.of("catalog", 1)}); bump the version when
   *     the cached shape changes
   * @return the cache (close it on shutdown)
   */
  public static LarderCache<Product> productCache(RedissonClient redisson, KeyNamespace namespace) {
    return LarderCache.newBuilder(PRODUCT_CODEC)
        .namespace(namespace)
        .redisson(redisson)
        .ttl(Duration.ofMinutes(5))
        .l1Ttl(Duration.ofSeconds(30))
        .maxStale(Duration.ofMinutes(30))
        .loadTimeout(Duration.ofSeconds(3))
        .build();
  }
}
