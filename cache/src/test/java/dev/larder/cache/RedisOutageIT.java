package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * Redis going away (stopped) or hanging (paused) while a load runs: the cache degrades to L1 and
 * the loader, throws nothing for a cache-only failure, bounds every call by the configured timeouts
 * rather than Redisson's own (1 s x 3 attempts in the testkit's config), and uses L2 again once
 * Redis answers and its breaker lets calls through.
 */
@dev.larder.testkit.LarderTest
class RedisOutageIT {
  private static final Duration REDIS_TIMEOUT = Duration.ofMillis(250);

  /** Roomy: the loader that breaks Redis waits for `docker stop` / `docker pause` to finish. */
  private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(15);

  /**
   * The most a call may spend on a failing Redis: a few {@code REDIS_TIMEOUT}s with room for a busy
   * machine, and below the ~3.4 s Redisson alone would take with the testkit's client (1 s timeout,
   * 2 retries 200 ms apart), so the bound fails if the cache's own timeout is not applied.
   */
  private static final Duration CALL_BOUND = Duration.ofSeconds(2);

  private final RedisCaches env = new RedisCaches("outage");
  private final ExecutorService pool = env.threads(16);

  @AfterEach
  void tearDown() {
    env.close();
  }

  private LarderCache<String> instance(RedissonClient client) {
    return env.track(
        env.instance(client)
            .redisTimeout(REDIS_TIMEOUT)
            .loadTimeout(LOAD_TIMEOUT)
            .earlyRefreshBeta(0)
            .build());
  }

  private static <T> T bounded(java.util.concurrent.Callable<T> call) {
    return assertTimeoutPreemptively(
        CALL_BOUND, call::call, "a call during a Redis outage waited too long");
  }

  @Test
  void redisStoppedMidLoadDegradesToL1AndLoaderThenL2IsUsedAgainAfterRestart() throws Exception {
    outageMidLoad("stopped", env.redis::stop, env.redis::start);
  }

  @Test
  void redisPausedMidLoadDegradesToL1AndLoaderThenL2IsUsedAgainAfterResume() throws Exception {
    // Paused: connections stay open and nothing answers, so only timeouts end the calls.
    outageMidLoad("paused", env.redis::pause, env.redis::resume);
  }

  private void outageMidLoad(String how, Runnable breakRedis, Runnable restoreRedis)
      throws Exception {
    RedissonClient client = env.newClient();
    LarderCache<String> cache = instance(client);
    RedissonClient observerClient = env.newClient();
    assertThat(cache.get("before", k -> Optional.of("v0"))).isEqualTo("v0");
    assertThat(env.rawGet(observerClient, "before")).as("L2 works before the outage").isNotNull();
    try {
      AtomicLong loaderReturned = new AtomicLong();
      String v =
          cache.get(
              "k",
              key -> {
                breakRedis.run(); // while the value is being loaded
                loaderReturned.set(System.nanoTime());
                return Optional.of("v1");
              });
      assertThat(v).isEqualTo("v1");
      assertThat(Duration.ofNanos(System.nanoTime() - loaderReturned.get()))
          .as("time spent writing to the broken Redis after the load")
          .isLessThan(CALL_BOUND);
      duringTheOutage(cache, how);
    } finally {
      restoreRedis.run();
    }
    l2IsUsedAgain(cache, observerClient, how);
  }

  /** L1 serves what it has, new keys come from the loader, one JVM still loads a key once. */
  private void duringTheOutage(LarderCache<String> cache, String how) throws Exception {
    CacheResult<String> fromL1 =
        bounded(
            () ->
                cache.lookup(
                    "k",
                    key -> {
                      throw new AssertionError("a value in L1 must not be reloaded");
                    }));
    assertThat(fromL1.source()).isEqualTo(CacheResult.Source.L1);
    assertThat(fromL1.valueOrNull()).isEqualTo("v1");
    for (int i = 0; i < 8; i++) {
      String key = how + "-" + i;
      CacheResult<String> r = bounded(() -> cache.lookup(key, k -> Optional.of("loaded-" + k)));
      assertThat(r.source()).isEqualTo(CacheResult.Source.LOADER);
      assertThat(r.valueOrNull()).isEqualTo("loaded-" + key);
      assertThat(r.isStale()).isFalse();
    }
    assertThat(cache.redisCircuitBreaker().getState())
        .as("the cache's own Redis breaker opened, so later calls do not wait on Redis at all")
        .isEqualTo(CircuitBreaker.State.OPEN);

    AtomicInteger loads = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    List<Future<String>> callers = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      callers.add(
          pool.submit(
              () ->
                  cache.get(
                      "cold-" + how,
                      k -> {
                        loads.incrementAndGet();
                        release.await(10, TimeUnit.SECONDS);
                        return Optional.of("once");
                      })));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> loads.get() == 1);
    release.countDown();
    for (Future<String> f : callers) {
      assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo("once");
    }
    assertThat(loads).as("single-flight inside the JVM does not need Redis").hasValue(1);
  }

  private void l2IsUsedAgain(LarderCache<String> cache, RedissonClient observerClient, String how) {
    AtomicInteger n = new AtomicInteger();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              String key = how + "-after-" + n.incrementAndGet();
              cache.get(key, k -> Optional.of("written-" + k));
              assertThat(env.rawGet(observerClient, key))
                  .as("value written to L2 after Redis %s", how)
                  .isNotNull();
            });
    assertThat(cache.redisCircuitBreaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    String key = how + "-after-" + n.get();
    LarderCache<String> other = instance(observerClient);
    CacheResult<String> r =
        other.lookup(
            key,
            k -> {
              throw new AssertionError("another instance must find the value in L2");
            });
    assertThat(r.source()).isEqualTo(CacheResult.Source.L2);
    assertThat(r.valueOrNull()).isEqualTo("written-" + key);
  }
}
