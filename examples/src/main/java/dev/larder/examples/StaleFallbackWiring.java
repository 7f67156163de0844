package dev.larder.examples;

import dev.larder.cache.CacheCodec;
import dev.larder.cache.LarderCache;
import dev.larder.core.KeyNamespace;
import dev.larder.resilience.CircuitBreakerPresets;
import dev.larder.resilience.TimeoutChain;
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
 *
 * <p>The loader's pool must give up on a connection before the cache gives up on the load: then a
 * stale value's {@code failure()} says why the database could not be reached ("connection
 * refused"), not just that the load timed out. {@link TimeoutChain} checks that when the cache is
 * built.
 */
public final class StaleFallbackWiring {
  /**
   * How long a caller waits for a load before the stale value is served: longer than the loader
   * pool's connection timeout (checked in {@link #staleTolerantCache}) and than the cache's Redis
   * timeout (2 s by default; the cache builder checks that one).
   */
  public static final Duration LOAD_TIMEOUT = Duration.ofSeconds(3);

  private StaleFallbackWiring() {}

  /**
   * A cache that serves stale values for up to {@code maxStale} when loads fail.
   *
   * @param redisson the client
   * @param namespace the key prefix
   * @param ttl how long a value is fresh
   * @param maxStale how long after that it may still be served on failure
   * @param loaderConnectionTimeout the {@code connectionTimeout} of the pool the loader reads from
   * @return the cache
   * @throws IllegalStateException if the pool would wait for a connection as long as the cache
   *     waits for the load, or longer
   */
  public static LarderCache<Product> staleTolerantCache(
      RedissonClient redisson,
      KeyNamespace namespace,
      Duration ttl,
      Duration maxStale,
      Duration loaderConnectionTimeout) {
    TimeoutChain.of("loader pool connectionTimeout", loaderConnectionTimeout)
        .then("loadTimeout", LOAD_TIMEOUT)
        .check();
    return LarderCache.newBuilder(CacheCodec.of(Product::toBytes, Product::fromBytes))
        .namespace(namespace)
        .redisson(redisson)
        .ttl(ttl)
        .ttlJitter(0)
        .l1Ttl(ttl)
        .maxStale(maxStale)
        .loadTimeout(LOAD_TIMEOUT)
        // Counts only transient/unknown database failures and opens after 5 in a row (lasting 1 s)
        // even at low traffic; once open, stale values are served without waiting for a connection
        // timeout per request, and a probe 1 s later (up to 2 s while the database stays down)
        // brings fresh values back.
        .loaderCircuitBreaker(CircuitBreakerPresets.database("catalog-loader"))
        .build();
  }
}
