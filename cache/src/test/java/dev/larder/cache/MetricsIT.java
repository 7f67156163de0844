package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.larder.cache.internal.DefaultLarderCache;
import dev.larder.core.ManualTimeSource;
import dev.larder.testkit.LarderTest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * Every {@code larder.cache.*} meter the issue names, read back from a {@link SimpleMeterRegistry}.
 */
@LarderTest
class MetricsIT {
  private final RedisCaches env = new RedisCaches("metrics");
  private final ManualTimeSource clock = ManualTimeSource.startingAt(Instant.now());
  private final AtomicReference<Double> random =
      new AtomicReference<>(1.0); // ln(1) = 0: no early refresh
  private final ExecutorService pool = env.threads(8);

  @AfterEach
  void tearDown() {
    env.close();
  }

  private LarderCacheBuilder<String> instance(SimpleMeterRegistry meters) {
    return env.instance(env.newClient())
        .meterRegistry(meters)
        .timeSource(clock)
        .random(random::get)
        .ttl(Duration.ofSeconds(10))
        .ttlJitter(0)
        .maxStale(Duration.ofMinutes(1))
        .l1Ttl(Duration.ofMinutes(1))
        .redisTimeout(Duration.ofSeconds(2))
        .loadTimeout(Duration.ofSeconds(10))
        .lockWait(Duration.ofSeconds(8));
  }

  private static double count(SimpleMeterRegistry meters, String name, String... tags) {
    Counter c = meters.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void hitsPerTierMissesLoadsLoadTimeNegativeHitsStaleServesAndCodecErrors() {
    SimpleMeterRegistry a = new SimpleMeterRegistry();
    SimpleMeterRegistry b = new SimpleMeterRegistry();
    LarderCache<String> first = env.track(instance(a).build());
    LarderCache<String> second = env.track(instance(b).build());

    first.get("k", key -> Optional.of("v")); // miss, load
    first.get("k", key -> Optional.of("unused")); // L1 hit
    second.get("k", key -> Optional.of("unused")); // L2 hit
    first.get("ghost", key -> Optional.empty()); // miss, load (absent)
    first.get("ghost", key -> Optional.of("unused")); // negative hit in L1
    second.get("ghost", key -> Optional.of("unused")); // negative hit in L2

    assertThat(count(a, "larder.cache.misses", "cache", env.namespace.name())).isEqualTo(2);
    assertThat(count(a, "larder.cache.loads", "result", "success")).isEqualTo(2);
    Timer loadTime = a.find("larder.cache.load.time").tag("result", "success").timer();
    assertThat(loadTime).isNotNull();
    assertThat(loadTime.count()).isEqualTo(2);
    assertThat(count(a, "larder.cache.hits", "tier", "l1")).isEqualTo(2);
    assertThat(count(a, "larder.cache.negative.hits", "tier", "l1")).isEqualTo(1);
    assertThat(count(b, "larder.cache.hits", "tier", "l2")).isEqualTo(2);
    assertThat(count(b, "larder.cache.negative.hits", "tier", "l2")).isEqualTo(1);
    assertThat(count(b, "larder.cache.misses")).isZero();
    assertThat(count(b, "larder.cache.loads", "result", "success")).isZero();

    clock.advance(Duration.ofSeconds(11)); // past the TTL, inside max-stale
    CacheResult<String> stale =
        first.lookup(
            "k",
            key -> {
              throw new IllegalStateException("database down");
            });
    assertThat(stale.isStale()).isTrue();
    assertThat(count(a, "larder.cache.loads", "result", "failure")).isEqualTo(1);
    assertThat(count(a, "larder.cache.stale.serves", "tier", stale.source().name().toLowerCase()))
        .isEqualTo(1);

    RedissonClient raw = env.newClient();
    env.rawSet(raw, "corrupt", "garbage".getBytes(StandardCharsets.UTF_8));
    second.get("corrupt", key -> Optional.of("fresh"));
    assertThat(count(b, "larder.cache.codec.errors", "result", "decode")).isEqualTo(1);
  }

  @Test
  void earlyRefreshesAreCounted() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    DefaultLarderCache<String> cache =
        (DefaultLarderCache<String>) env.track(instance(meters).build());
    AtomicInteger loads = new AtomicInteger();
    CacheLoader<String> loader =
        key -> {
          clock.advance(Duration.ofMillis(100)); // XFetch's delta: how long the load took
          return Optional.of("v" + loads.incrementAndGet());
        };
    cache.get("hot", loader);
    assertThat(count(meters, "larder.cache.early.refreshes")).isZero();
    random.set(
        1e-300); // -100 ms * ln(rand) = 69 s, beyond the 10 s TTL: XFetch refreshes on this hit
    assertThat(cache.get("hot", loader)).as("the hit itself is served at once").isEqualTo("v1");
    random.set(1.0);
    await().atMost(Duration.ofSeconds(10)).until(() -> !cache.isLoading("hot"));
    assertThat(count(meters, "larder.cache.early.refreshes")).isEqualTo(1);
    assertThat(loads).hasValue(2);
    assertThat(cache.get("hot", loader)).isEqualTo("v2");

    SimpleMeterRegistry otherMeters = new SimpleMeterRegistry();
    DefaultLarderCache<String> other =
        (DefaultLarderCache<String>) env.track(instance(otherMeters).build());
    random.set(1e-300);
    CacheResult<String> fromL2 = other.lookup("hot", loader);
    random.set(1.0);
    assertThat(fromL2.source()).isEqualTo(CacheResult.Source.L2);
    await().atMost(Duration.ofSeconds(10)).until(() -> !other.isLoading("hot"));
    assertThat(count(otherMeters, "larder.cache.early.refreshes"))
        .as("an L2 hit may refresh early too")
        .isEqualTo(1);
    assertThat(loads).hasValue(3);
  }

  @Test
  void stampedeJoinsAreCountedLocalAndRemote() throws Exception {
    SimpleMeterRegistry a = new SimpleMeterRegistry();
    SimpleMeterRegistry b = new SimpleMeterRegistry();
    DefaultLarderCache<String> holder = (DefaultLarderCache<String>) env.track(instance(a).build());
    LarderCache<String> waiter = env.track(instance(b).build());
    CountDownLatch release = new CountDownLatch(1);
    CacheLoader<String> slow =
        key -> {
          release.await(10, TimeUnit.SECONDS);
          return Optional.of("v");
        };
    List<Future<String>> calls = new ArrayList<>();
    calls.add(pool.submit(() -> holder.get("k", slow)));
    await().atMost(Duration.ofSeconds(10)).until(() -> holder.isLoading("k"));
    for (int i = 0; i < 3; i++) {
      calls.add(pool.submit(() -> holder.get("k", slow)));
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> count(a, "larder.cache.stampede.joins", "tier", "l1") == 3);

    // The other instance finds the lease taken and polls; once it has asked Redis at least once,
    // the holder may finish.
    RedissonClient observer = env.newClient();
    long scriptsBefore = scripts(observer);
    calls.add(
        pool.submit(
            () ->
                waiter.get(
                    "k",
                    key -> {
                      throw new AssertionError("the waiter must take the holder's value");
                    })));
    await().atMost(Duration.ofSeconds(10)).until(() -> scripts(observer) > scriptsBefore);
    release.countDown();
    for (Future<String> f : calls) {
      assertThat(f.get(20, TimeUnit.SECONDS)).isEqualTo("v");
    }
    assertThat(count(a, "larder.cache.stampede.joins", "tier", "l1")).isEqualTo(3);
    assertThat(count(b, "larder.cache.stampede.joins", "tier", "l2")).isEqualTo(1);
  }

  /**
   * Lua scripts Redis has run (the lease is taken by one); nothing else in this test runs scripts.
   */
  private static long scripts(RedissonClient client) {
    long n = 0;
    for (String cmd : List.of("eval", "evalsha", "eval_ro", "evalsha_ro")) {
      n += RedisCaches.commandCalls(client, cmd);
    }
    return n;
  }
}
