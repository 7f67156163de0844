package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.larder.cache.internal.DefaultLarderCache;
import dev.larder.core.ManualTimeSource;
import dev.larder.testkit.LarderTest;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Time is a {@link ManualTimeSource}: the loader "takes" 100 ms by advancing it, which is the delta
 * XFetch scales with, and the test advances it 10 ms per step of steady load.
 */
@LarderTest
class EarlyRefreshIT {
  private static final Logger LOG = LoggerFactory.getLogger(EarlyRefreshIT.class);
  private static final Duration TTL = Duration.ofSeconds(5);

  private final ManualTimeSource clock = ManualTimeSource.startingAt(Instant.now());
  private final RedisCaches env = new RedisCaches("early-refresh");

  @AfterEach
  void tearDown() {
    env.close();
  }

  private DefaultLarderCache<String> cache() {
    return (DefaultLarderCache<String>)
        env.track(
            env.instance(env.newClient())
                .timeSource(clock)
                .ttl(TTL)
                .ttlJitter(0)
                .l1Ttl(Duration.ofMinutes(1))
                .maxStale(Duration.ofMinutes(1))
                .redisTimeout(Duration.ofSeconds(3))
                .loadTimeout(Duration.ofSeconds(10))
                .build());
  }

  @Test
  void aHotKeyUnderSteadyLoadIsRefreshedBeforeItExpires() {
    DefaultLarderCache<String> cache = cache();
    AtomicInteger loads = new AtomicInteger();
    CacheLoader<String> loader =
        key -> {
          int n = loads.incrementAndGet();
          clock.advance(Duration.ofMillis(100));
          return Optional.of("v" + n);
        };
    assertThat(cache.get("hot", loader)).isEqualTo("v1");
    int steps = 3000; // 30 s of simulated time, 3 reads every 10 ms
    int misses = 0;
    for (int step = 0; step < steps; step++) {
      for (int r = 0; r < 3; r++) {
        CacheResult<String> result = cache.lookup("hot", loader);
        if (result.source() == CacheResult.Source.LOADER || result.isStale()) {
          misses++;
        }
      }
      // A refresh started by these reads finishes before simulated time moves on.
      await()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(2))
          .atMost(Duration.ofSeconds(10))
          .until(() -> !cache.isLoading("hot"));
      clock.advance(Duration.ofMillis(10));
    }
    int refreshes = loads.get() - 1;
    LOG.info(
        "early refresh: {} reads over 30 s simulated (TTL {}), misses {}, loads {} (1 initial + {} refreshes)",
        steps * 3,
        TTL,
        misses,
        loads.get(),
        refreshes);
    assertThat(misses).isZero();
    // At least one refresh per TTL (no key ever expired), and far fewer than one per read.
    assertThat(refreshes).isBetween(5, 10);
  }

  @Test
  void aKeyMarkedHotIsRefreshedAheadOfExpiryWithoutReads() {
    DefaultLarderCache<String> cache = cache();
    AtomicInteger loads = new AtomicInteger();
    CacheLoader<String> loader = key -> Optional.of("v" + loads.incrementAndGet());
    cache.markHot("marked", loader);
    cache.refreshHotKeys(); // not cached yet: loads it
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> loads.get() == 1 && !cache.isLoading("marked"));
    clock.advance(TTL.minus(Duration.ofSeconds(1))); // outside the 0.5 s refresh-ahead window
    cache.refreshHotKeys();
    assertThat(loads).hasValue(1);
    clock.advance(Duration.ofMillis(600)); // inside it
    cache.refreshHotKeys();
    await().atMost(Duration.ofSeconds(10)).until(() -> !cache.isLoading("marked"));
    assertThat(loads).hasValue(2);
    clock.advance(Duration.ofMillis(600)); // past the first value's expiry
    CacheResult<String> r = cache.lookup("marked", key -> Optional.of("a reader never loads"));
    assertThat(r.source()).isEqualTo(CacheResult.Source.L1);
    assertThat(r.valueOrNull()).isEqualTo("v2");
  }
}
