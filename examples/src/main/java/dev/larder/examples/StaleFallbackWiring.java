package dev.larder.examples;

import dev.larder.cache.CacheCodec;
import dev.larder.cache.LarderCache;
import dev.larder.core.KeyNamespace;
import dev.larder.resilience.CircuitBreakerPresets;
import java.time.Duration;
import org.redisson.api.RedissonClient;

/**
 * Stale fallback (larder-cache + larder-resilience): after its TTL an entry is kept in Redis for
 * {@code maxStale}; when the loader fails (the database is down) or its circuit breaker is open
 * (then the loader is not even called), the old value is served, marked stale, with its age. With
 * nothing cached, the failure surfaces as {@code StaleValueUnavailableException}.
 *
 * <p>Copy this class for data where an old answer beats an error page (prices shown in a listing,
 * not prices charged). Use {@code lookup(...)} rather than {@code get(...)} where the caller must
 * know it is being served stale.
 */
public final class StaleFallbackWiring {
  private StaleFallbackWiring() {}

  /**
   * A cache that serves stale values for up to {@code maxStale} when loads fail.
   *
   * @param redisson the client
   * @param namespace the key prefix
   * @param ttl how long a value is fresh
   * @param maxStale how long after that it may still be served on failure
   * @return the cache
   */
  public static LarderCache<Product> staleTolerantCache(RedissonClient redisson, KeyNamespace namespace,
      Duration ttl, Duration maxStale) {
    return LarderCache.newBuilder(CacheCodec.of(Product::toBytes, Product::fromBytes))
        .namespace(namespace)
        .redisson(redisson)
        .ttl(ttl)
        .ttlJitter(0)
        .l1Ttl(ttl)
        .maxStale(maxStale)
        .loadTimeout(Duration.ofSeconds(2))
        // Counts only transient/unknown database failures; once open, stale values are served
        // without waiting for a connection timeout per request.
        .loaderCircuitBreaker(CircuitBreakerPresets.database("catalog-loader"))
        .build();
  }
}
