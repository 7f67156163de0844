package dev.larder.benchmarks.jmh;

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
 * A hit in Redis: Larder's {@code get} when L1 does not hold the key (its L1 TTL is one
 * nanosecond, so every read goes to Redis and decodes the envelope) against Redisson's
 * {@code RBucket.get} of a plain string, on the same Redis through the same client configuration.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class L2HitBenchmark {
  private static final CacheLoader<String> LOADER = k -> Optional.of("value-of-" + k);

  private @Nullable RedissonClient redisson;
  private @Nullable LarderCache<String> larder;
  private @Nullable RBucket<String> bucket;

  /** Fills Redis for both sides and checks Larder really reads from L2. */
  @Setup(Level.Trial)
  public void setUp() {
    redisson = LarderServices.redis().newRedissonClient();
    larder = LarderCache.newBuilder(CacheCodec.utf8())
        .namespace(KeyNamespace.of("bench-l2-" + System.nanoTime(), 1)).redisson(redisson)
        .ttl(Duration.ofHours(1)).l1Ttl(Duration.ofNanos(1)).earlyRefreshBeta(0).build();
    larder.get("warm", LOADER);
    CacheResult.Source source = larder.lookup("warm", LOADER).source();
    if (source != CacheResult.Source.L2) {
      throw new IllegalStateException("expected an L2 hit but the value came from " + source);
    }
    bucket = redisson.getBucket("bench-l2-raw-" + System.nanoTime(), StringCodec.INSTANCE);
    bucket.set("value-of-warm", Duration.ofHours(1));
  }

  /** Closes the cache and its client. */
  @TearDown(Level.Trial)
  public void tearDown() {
    if (larder != null) {
      larder.close();
    }
    if (redisson != null) {
      redisson.shutdown();
    }
  }

  /**
   * Larder's L2 hit.
   *
   * @return the value
   */
  @Benchmark
  public @Nullable String larderL2Hit() {
    return larder.get("warm", LOADER);
  }

  /**
   * The anchor: Redisson's {@code RBucket.get}.
   *
   * @return the value
   */
  @Benchmark
  public @Nullable String redissonBucketGet() {
    return bucket.get();
  }
}
