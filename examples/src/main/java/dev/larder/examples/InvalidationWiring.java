package dev.larder.examples;

import dev.larder.cache.CacheCodec;
import dev.larder.cache.LarderCache;
import dev.larder.core.KeyNamespace;
import java.time.Duration;
import org.redisson.api.RedissonClient;

/**
 * Cross-instance invalidation (larder-cache): {@code invalidate}, {@code put} and {@code
 * writeThrough} on one instance bump the key's version in Redis (so no slow load can write an older
 * value back) and publish on the cache's Redis channel; every other instance drops the key from its
 * in-JVM tier at once. Pub/sub is at most once, so the channel carries sequence numbers and
 * heartbeats: an instance that sees a gap, stops hearing the channel (about four heartbeat
 * intervals) or reconnects clears its whole L1; and no L1 copy is served as fresh once it is {@code
 * l1Ttl} old, whatever the channel did (larder-cache's INVALIDATION.md states the bound).
 *
 * <p>Copy this class when more than one instance caches the same keys (any real deployment).
 */
public final class InvalidationWiring {
  /** The channel's heartbeat: a silent channel is noticed, and L1 cleared, within a few beats. */
  public static final Duration BUS_HEARTBEAT = Duration.ofSeconds(1);

  private InvalidationWiring() {}

  /**
   * The product cache of one instance, with invalidation across instances.
   *
   * @param redisson this instance's client
   * @param namespace the key prefix, the same in every instance (its name is the cache's name, and
   *     the channel's)
   * @return the cache
   */
  public static LarderCache<Product> productCache(RedissonClient redisson, KeyNamespace namespace) {
    return LarderCache.newBuilder(CacheCodec.of(Product::toBytes, Product::fromBytes))
        .namespace(namespace)
        .redisson(redisson)
        .ttl(Duration.ofMinutes(5))
        .l1Ttl(Duration.ofSeconds(30))
        .invalidationBus(true)
        .busHeartbeat(BUS_HEARTBEAT)
        .build();
  }
}
