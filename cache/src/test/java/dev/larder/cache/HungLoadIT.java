package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.larder.cache.internal.DefaultLarderCache;
import dev.larder.core.ManualTimeSource;
import dev.larder.testkit.LarderTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Loaders and refreshes that hang: a caller never waits longer than its budget ({@code loadTimeout}
 * plus one {@code redisTimeout}, see the cache README), whatever number of loads hang, and a hung
 * background refresh does not hold readers of its key. Real Redis; the loaders block on a latch
 * released when the test ends.
 */
@LarderTest
class HungLoadIT {
  private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration REDIS_TIMEOUT = Duration.ofMillis(300);

  /** The stated budget, plus room for a loaded 2-core machine (three builds at once). */
  private static final long BOUND_MILLIS = LOAD_TIMEOUT.plus(REDIS_TIMEOUT).toMillis() + 1_500;

  private final RedisCaches env = new RedisCaches("hung-load");
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void tearDown() {
    release.countDown();
    env.close();
  }

  private final CacheLoader<String> hanging =
      key -> {
        release.await();
        return Optional.of("late");
      };

  private LarderCacheBuilder<String> builder() {
    return env.instance(env.newClient())
        .loadTimeout(LOAD_TIMEOUT)
        .redisTimeout(REDIS_TIMEOUT)
        .earlyRefreshBeta(0);
  }

  /**
   * Starts {@code n} gets of distinct keys on their own threads; returns their durations in ms (or
   * -1).
   */
  private List<Future<Long>> callers(
      LarderCache<String> cache, String prefix, int n, ExecutorService pool) {
    List<Future<Long>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String key = prefix + i;
      out.add(
          pool.submit(
              () -> {
                long t0 = System.nanoTime();
                try {
                  cache.get(key, hanging);
                } catch (StaleValueUnavailableException expected) {
                  // typed: no stale value, the load timed out or was refused
                }
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
              }));
    }
    return out;
  }

  private static List<Long> durations(List<Future<Long>> calls, long waitMillis) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
    List<Long> out = new ArrayList<>();
    for (Future<Long> f : calls) {
      long left = Math.max(1, deadline - System.nanoTime());
      try {
        out.add(f.get(left, TimeUnit.NANOSECONDS));
      } catch (java.util.concurrent.TimeoutException stillWaiting) {
        out.add(-1L); // still blocked: the loader's hang reached the caller
      }
    }
    return out;
  }

  @Test
  void everyCallerReturnsWithinItsBudgetWhateverNumberOfLoadsHang() throws Exception {
    LarderCache<String> cache = env.track(builder().maxStale(Duration.ZERO).build());
    List<Future<Long>> calls = callers(cache, "k", 80, env.threads(80));
    List<Long> took = durations(calls, 20_000);
    assertThat(took)
        .as("each of 80 callers with a hung loader returns within %d ms", BOUND_MILLIS)
        .allSatisfy(ms -> assertThat(ms).isBetween(0L, BOUND_MILLIS));
  }

  @Test
  void halfOpenTrialCallsHeldByHungLoadsDoNotWedgeTheLoaderBreaker() throws Exception {
    LarderCache<String> cache = env.track(builder().maxStale(Duration.ZERO).build());
    ExecutorService pool = env.threads(80);
    // Fill the cache's loader threads with loads that never end.
    List<Long> first = durations(callers(cache, "busy", 70, pool), 20_000);
    assertThat(first).allSatisfy(ms -> assertThat(ms).isBetween(0L, BOUND_MILLIS));
    CircuitBreaker breaker = cache.loaderCircuitBreaker();
    breaker.transitionToOpenState();
    breaker.transitionToHalfOpenState();
    List<Long> trials = durations(callers(cache, "trial", 3, pool), 20_000);
    assertThat(trials)
        .as("half-open trial calls return within the budget")
        .allSatisfy(ms -> assertThat(ms).isBetween(0L, BOUND_MILLIS));
    // The trial permits are not held by callers stuck in a loader: the breaker can still decide.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              boolean permitted = breaker.tryAcquirePermission();
              if (permitted) {
                breaker.releasePermission();
              }
              assertThat(permitted || breaker.getState() == CircuitBreaker.State.OPEN)
                  .as("breaker %s: trial permits free again or back to OPEN", breaker.getState())
                  .isTrue();
            });
  }

  @Test
  void aHungBackgroundRefreshDoesNotHoldReadersOfItsKey() throws Exception {
    ManualTimeSource clock = ManualTimeSource.startingAt(Instant.now());
    Duration ttl = Duration.ofSeconds(5);
    DefaultLarderCache<String> cache =
        (DefaultLarderCache<String>)
            env.track(
                builder()
                    .timeSource(clock)
                    .ttl(ttl)
                    .ttlJitter(0)
                    .l1Ttl(Duration.ofMinutes(1))
                    .maxStale(Duration.ofMinutes(1))
                    .build());
    AtomicInteger readerLoads = new AtomicInteger();
    CacheLoader<String> working = key -> Optional.of("v" + (1 + readerLoads.incrementAndGet()));
    assertThat(cache.get("hot", key -> Optional.of("v1"))).isEqualTo("v1");
    cache.markHot("hot", hanging);
    clock.advance(ttl.minus(Duration.ofMillis(200))); // inside the refresh-ahead window (ttl / 10)
    cache.refreshHotKeys();
    await().atMost(Duration.ofSeconds(5)).until(() -> cache.isLoading("hot"));
    cache.unmarkHot("hot");
    clock.advance(Duration.ofSeconds(1)); // v1 is past its TTL now: a reader needs a load
    long t0 = System.nanoTime();
    CacheResult<String> r = cache.lookup("hot", working);
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(took)
        .as("a reader behind a hung refresh returns within its budget")
        .isLessThanOrEqualTo(BOUND_MILLIS);
    assertThat(r.isStale())
        .as("the reader loaded for itself instead of waiting on the hung refresh: %s", r)
        .isFalse();
    assertThat(r.valueOrNull()).isEqualTo("v2");
    assertThat(readerLoads).hasValue(1);
    // The refresh itself is bounded by loadTimeout: it no longer counts as running.
    await().atMost(Duration.ofSeconds(5)).until(() -> !cache.isLoading("hot"));
  }
}
