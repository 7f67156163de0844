package dev.larder.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Test support: N instances of one service, each with its own Redisson client, L1 and meter
 * registry, reading through one "database" map.
 */
final class Instances {
  final RedisCaches env;
  final Map<String, String> db = new ConcurrentHashMap<>();
  final List<LarderCache<String>> caches = new ArrayList<>();
  final List<SimpleMeterRegistry> meters = new ArrayList<>();
  final CacheLoader<String> loader = key -> Optional.ofNullable(db.get(key));

  Instances(RedisCaches env, int n, UnaryOperator<LarderCacheBuilder<String>> tune) {
    this(env, n, tune, null);
  }

  /** With {@code shared} set, every instance reports to that one registry. */
  Instances(
      RedisCaches env,
      int n,
      UnaryOperator<LarderCacheBuilder<String>> tune,
      @org.jspecify.annotations.Nullable SimpleMeterRegistry shared) {
    this.env = env;
    for (int i = 0; i < n; i++) {
      SimpleMeterRegistry registry = shared != null ? shared : new SimpleMeterRegistry();
      meters.add(registry);
      caches.add(
          env.track(
              tune.apply(
                      env.instance(env.newClient())
                          .redisTimeout(Duration.ofSeconds(1))
                          .loadTimeout(Duration.ofSeconds(5))
                          .meterRegistry(registry))
                  .build()));
    }
  }

  LarderCache<String> get(int i) {
    return caches.get(i);
  }

  String read(int i, String key) {
    return caches.get(i).get(key, loader);
  }

  CacheResult.Source source(int i, String key) {
    return caches.get(i).lookup(key, loader).source();
  }

  double count(int i, String meter, String tag, String value) {
    Counter c = meters.get(i).find(meter).tag(tag, value).counter();
    return c == null ? 0 : c.count();
  }

  double sum(int i, String meter) {
    return meters.get(i).find(meter).counters().stream().mapToDouble(Counter::count).sum();
  }

  boolean busHealthy(int i) {
    return ((dev.larder.cache.internal.DefaultLarderCache<?>) caches.get(i)).busHealthy();
  }

  String channel() {
    return dev.larder.cache.internal.InvalidationBus.CHANNEL_PREFIX + env.namespace.prefix();
  }
}
