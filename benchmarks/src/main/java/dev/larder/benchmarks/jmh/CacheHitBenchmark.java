package dev.larder.benchmarks.jmh;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.larder.cache.CacheCodec;
import dev.larder.cache.CacheLoader;
import dev.larder.cache.CacheResult;
import dev.larder.cache.LarderCache;
import dev.larder.core.KeyNamespace;
import dev.larder.testkit.LarderServices;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.redisson.api.RBucket;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * Cache hits, each beside its anchor:
 *
 * <ul>
 *   <li>L1: Larder's {@code get} of a key this JVM holds (key checks, namespacing, the Caffeine
 *       lookup, the freshness and early-refresh check) against Caffeine's own {@code getIfPresent};
 *   <li>L2: Larder's {@code get} when L1 does not hold the key (a second cache whose L1 TTL is one
 *       nanosecond, so every read goes to Redis and decodes the envelope) against Redisson's {@code
 *       RBucket.get} of a plain string, on the same Redis through the same client.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CacheHitBenchmark {
  private static final CacheLoader<String> LOADER = k -> Optional.of("value-of-" + k);

  private RedissonClient redisson;
  private LarderCache<String> l1;
  private LarderCache<String> l2;
  private Cache<String, String> caffeine;
  private RBucket<String> bucket;

  /** Starts Redis, fills every side with its key, and checks the L2 side really reads Redis. */
  @Setup(Level.Trial)
  public void setUp() {
    redisson = LarderServices.redis().newRedissonClient();
    long id = System.nanoTime();
    l1 =
        LarderCache.newBuilder(CacheCodec.utf8())
            .namespace(KeyNamespace.of("bench-l1-" + id, 1))
            .redisson(redisson)
            .ttl(Duration.ofHours(1))
            .l1Ttl(Duration.ofHours(1))
            .build();
    l1.get("hot", LOADER);
    caffeine =
        Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofHours(1)).build();
    caffeine.put("hot", "value-of-hot");

    l2 =
        LarderCache.newBuilder(CacheCodec.utf8())
            .namespace(KeyNamespace.of("bench-l2-" + id, 1))
            .redisson(redisson)
            .ttl(Duration.ofHours(1))
            .l1Ttl(Duration.ofNanos(1))
            .earlyRefreshBeta(0)
            .build();
    l2.get("warm", LOADER);
    CacheResult.Source source = l2.lookup("warm", LOADER).source();
    if (source != CacheResult.Source.L2) {
      throw new IllegalStateException("expected an L2 hit but the value came from " + source);
    }
    bucket = redisson.getBucket("bench-l2-raw-" + id, StringCodec.INSTANCE);
    bucket.set("value-of-warm", Duration.ofHours(1));
  }

  /** Closes the caches and the client. */
  @TearDown(Level.Trial)
  public void tearDown() {
    if (l1 != null) {
      l1.close();
    }
    if (l2 != null) {
      l2.close();
    }
    if (redisson != null) {
      redisson.shutdown();
    }
  }

  /**
   * Larder's L1 hit.
   *
   * @return the value
   */
  @Benchmark
  public @Nullable String larderL1Hit() {
    return l1.get("hot", LOADER);
  }

  /**
   * The L1 anchor: Caffeine's {@code getIfPresent}.
   *
   * @return the value
   */
  @Benchmark
  public @Nullable String caffeineGetIfPresent() {
    return caffeine.getIfPresent("hot");
  }

  /**
   * Larder's L2 hit.
   *
   * @return the value
   */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public @Nullable String larderL2Hit() {
    return l2.get("warm", LOADER);
  }

  /**
   * The L2 anchor: Redisson's {@code RBucket.get}.
   *
   * @return the value
   */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public @Nullable String redissonBucketGet() {
    return bucket.get();
  }
}
