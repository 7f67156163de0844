package dev.larder.cache.internal;

import dev.larder.cache.CacheCodec;
import dev.larder.core.KeyNamespace;
import dev.larder.core.TimeSource;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RedissonClient;

/**
 * Everything a cache is built from, validated by the public builder.
 *
 * @param namespace key prefix and cache name
 * @param codec value codec
 * @param redisson the caller's client
 * @param l1MaximumSize L1 entry bound (unused when a weight bound is set)
 * @param l1MaximumWeight L1 bound in bytes of encoded values, or 0 for an entry bound
 * @param l1Ttl how long an L1 entry is served without asking L2
 * @param ttl soft TTL: how long a value is fresh
 * @param ttlJitter fraction by which the soft TTL is shortened at random, in [0, 1)
 * @param maxStale how long after the soft TTL a value is kept for stale fallback
 * @param negativeTtl how long an absence is remembered; zero disables negative caching
 * @param loadTimeout how long a caller waits for a loader
 * @param redisTimeout bound on each Redis call
 * @param lockLease how long a load lease lives
 * @param lockWait how long an instance waits for another instance's load, at most loadTimeout
 * @param lockPollInterval how often a waiting instance looks for the value
 * @param earlyRefreshBeta XFetch's beta; zero disables early refresh
 * @param refreshAhead how long before expiry hot keys are refreshed
 * @param hotKeyCheckInterval how often hot keys are checked
 * @param maxValueBytes largest encoded value stored
 * @param loaderBreaker guards the loader
 * @param redisBreaker guards Redis
 * @param metrics meters
 * @param time clocks
 * @param executor runs loads and refreshes, or null for the cache's own pool
 * @param random uniform in (0, 1], for XFetch and jitter
 */
public record Settings(
    KeyNamespace namespace,
    CacheCodec<?> codec,
    RedissonClient redisson,
    long l1MaximumSize,
    long l1MaximumWeight,
    Duration l1Ttl,
    Duration ttl,
    double ttlJitter,
    Duration maxStale,
    Duration negativeTtl,
    Duration loadTimeout,
    Duration redisTimeout,
    Duration lockLease,
    Duration lockWait,
    Duration lockPollInterval,
    double earlyRefreshBeta,
    Duration refreshAhead,
    Duration hotKeyCheckInterval,
    int maxValueBytes,
    CircuitBreaker loaderBreaker,
    CircuitBreaker redisBreaker,
    CacheMetrics metrics,
    TimeSource time,
    @Nullable ExecutorService executor,
    DoubleSupplier random) {}
