package dev.larder.cache.internal;

import dev.larder.cache.CacheResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Meters named {@code larder.cache.*}, tagged {@code cache}, and {@code tier} / {@code result}
 * where they apply. Only loaded when a registry is given, so Micrometer stays optional.
 */
public final class MicrometerCacheMetrics implements CacheMetrics {
  private final MeterRegistry registry;
  private final String cache;

  /**
   * Creates the meters' owner.
   *
   * @param registry the caller's registry
   * @param cache the cache name, used as the {@code cache} tag
   */
  public MicrometerCacheMetrics(MeterRegistry registry, String cache) {
    this.registry = registry;
    this.cache = cache;
  }

  /**
   * Creates the metrics for a registry held as {@code Object}, so callers without Micrometer on the
   * class path never link against it.
   *
   * @param registry a {@code MeterRegistry}
   * @param cache the cache name
   * @return the metrics
   */
  public static CacheMetrics create(Object registry, String cache) {
    return new MicrometerCacheMetrics((MeterRegistry) registry, cache);
  }

  private Counter counter(String name, String... tags) {
    return Counter.builder(name).tag("cache", cache).tags(tags).register(registry);
  }

  private static String tier(CacheResult.Source source) {
    return source.name().toLowerCase(Locale.ROOT);
  }

  @Override
  public void hit(CacheResult.Source tier, boolean absent) {
    counter("larder.cache.hits", "tier", tier(tier)).increment();
    if (absent) {
      counter("larder.cache.negative.hits", "tier", tier(tier)).increment();
    }
  }

  @Override
  public void miss() {
    counter("larder.cache.misses").increment();
  }

  @Override
  public void load(String result, long nanos) {
    counter("larder.cache.loads", "result", result).increment();
    Timer.builder("larder.cache.load.time")
        .tag("cache", cache)
        .tag("result", result)
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void stampedeJoin(boolean remote) {
    counter("larder.cache.stampede.joins", "tier", remote ? "l2" : "l1").increment();
  }

  @Override
  public void earlyRefresh() {
    counter("larder.cache.early.refreshes").increment();
  }

  @Override
  public void staleServe(CacheResult.Source tier) {
    counter("larder.cache.stale.serves", "tier", tier(tier)).increment();
  }

  @Override
  public void codecError(String kind) {
    counter("larder.cache.codec.errors", "result", kind).increment();
  }

  @Override
  public void redisFailure() {
    counter("larder.cache.redis.failures").increment();
  }

  @Override
  public void lockWaitTimeout() {
    counter("larder.cache.lock.wait.timeouts").increment();
  }

  @Override
  public void invalidationSent(String kind) {
    counter("larder.cache.invalidations.sent", "result", kind).increment();
  }

  @Override
  public void invalidationReceived(String kind) {
    counter("larder.cache.invalidations.received", "result", kind).increment();
  }

  @Override
  public void invalidationPropagation(long nanos) {
    Timer.builder("larder.cache.invalidation.propagation")
        .tag("cache", cache)
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void busClear(String reason) {
    counter("larder.cache.l1.clears", "result", reason).increment();
  }

  @Override
  public void staleSetRejected(String tier) {
    counter("larder.cache.stale.sets.rejected", "tier", tier).increment();
  }

  @Override
  public void fence(String result) {
    counter("larder.cache.fences", "result", result).increment();
  }
}
