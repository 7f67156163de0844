package dev.larder.benchmarks.jmh;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.larder.cache.CacheCodec;
import dev.larder.cache.CacheLoader;
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
import org.redisson.api.RedissonClient;

/**
 * A hit in this JVM's tier: Larder's {@code get} of a cached key (key checks, namespacing, the
 * Caffeine lookup, the freshness and early-refresh check) against Caffeine's own
 * {@code getIfPresent} on the same key.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class L1HitBenchmark {
  private static final CacheLoader<String> LOADER = k -> Optional.of("value-of-" + k);

  private @Nullable RedissonClient redisson;
  private @Nullable LarderCache<String> larder;
  private @Nullable Cache<String, String> caffeine;

  /** Starts Redis (L2 must exist), fills both caches with the key. */
  @Setup(Level.Trial)
  public void setUp() {
    redisson = LarderServices.redis().newRedissonClient();
    larder = LarderCache.newBuilder(CacheCodec.utf8())
        .namespace(KeyNamespace.of("bench-l1-" + System.nanoTime(), 1)).redisson(redisson)
        .ttl(Duration.ofHours(1)).l1Ttl(Duration.ofHours(1)).build();
    larder.get("hot", LOADER);
    caffeine = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofHours(1)).build();
    caffeine.put("hot", "value-of-hot");
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
   * Larder's L1 hit.
   *
   * @return the value
   */
  @Benchmark
  public @Nullable String larderL1Hit() {
    return larder.get("hot", LOADER);
  }

  /**
   * The anchor: Caffeine's {@code getIfPresent}.
   *
   * @return the value
   */
  @Benchmark
  public @Nullable String caffeineGetIfPresent() {
    return caffeine.getIfPresent("hot");
  }
}
