package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.larder.testkit.LarderTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@LarderTest
class StampedeIT {
  private static final Logger LOG = LoggerFactory.getLogger(StampedeIT.class);
  private static final int INSTANCES = 4;
  private static final int THREADS = 64;

  private final ExecutorService pool = Executors.newFixedThreadPool(INSTANCES * THREADS);
  private RedisCaches env;

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
    if (env != null) {
      env.close();
    }
  }

  @Test
  void followersJoinSingleLoadAcrossInstances() throws Exception {
    env = new RedisCaches("stampede-get");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    List<LarderCache<String>> caches = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      RedissonClient client = env.newClient();
      caches.add(
          env.track(
              env.instance(client)
                  .redisTimeout(Duration.ofSeconds(3))
                  .loadTimeout(Duration.ofSeconds(10))
                  .lockWait(Duration.ofSeconds(8))
                  .meterRegistry(meters)
                  .build()));
    }
    AtomicInteger loads = new AtomicInteger();
    CacheLoader<String> slowLoader =
        key -> {
          loads.incrementAndGet();
          Thread.sleep(300); // slow database: the window in which everyone else piles up
          return Optional.of("value-of-" + key);
        };
    CountDownLatch ready = new CountDownLatch(INSTANCES * THREADS);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      LarderCache<String> cache = caches.get(i);
      for (int t = 0; t < THREADS; t++) {
        results.add(
            pool.submit(
                () -> {
                  ready.countDown();
                  go.await();
                  return cache.get("cold", slowLoader);
                }));
      }
    }
    ready.await();
    go.countDown();
    for (Future<String> f : results) {
      assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo("value-of-cold");
    }
    double localJoins =
        meters.get("larder.cache.stampede.joins").tag("tier", "l1").counter().count();
    double remoteJoins =
        meters.find("larder.cache.stampede.joins").tag("tier", "l2").counters().stream()
            .mapToDouble(c -> c.count())
            .sum();
    LOG.info(
        "stampede get: {} instances x {} threads on one cold key -> loader ran {} time(s); "
            + "local joins {}, remote joins {}",
        INSTANCES,
        THREADS,
        loads.get(),
        localJoins,
        remoteJoins);
    assertThat(loads).hasValue(1);
    assertThat(localJoins).isPositive();
  }

  @Test
  void overlappingBatchesLoadEachKeyOnceAcrossInstances() throws Exception {
    env = new RedisCaches("stampede-getall");
    List<LarderCache<String>> caches = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      caches.add(env.standard(env.newClient()));
    }
    Map<String, AtomicInteger> loadsPerKey = new ConcurrentHashMap<>();
    AtomicInteger batchCalls = new AtomicInteger();
    BatchLoader<String> slowBatch =
        keys -> {
          batchCalls.incrementAndGet();
          keys.forEach(
              k -> loadsPerKey.computeIfAbsent(k, x -> new AtomicInteger()).incrementAndGet());
          Thread.sleep(300);
          Map<String, String> out = new HashMap<>();
          keys.forEach(k -> out.put(k, "value-of-" + k));
          return out;
        };
    CountDownLatch ready = new CountDownLatch(INSTANCES * THREADS);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Map<String, String>>> results = new ArrayList<>();
    List<Set<String>> asked = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      LarderCache<String> cache = caches.get(i);
      for (int t = 0; t < THREADS; t++) {
        int n = i * THREADS + t;
        Set<String> keys = Set.of("k" + (n % 8), "k" + ((n + 1) % 8), "k" + ((n + 3) % 8));
        asked.add(keys);
        results.add(
            pool.submit(
                () -> {
                  ready.countDown();
                  go.await();
                  return cache.getAll(keys, slowBatch);
                }));
      }
    }
    ready.await();
    go.countDown();
    for (int i = 0; i < results.size(); i++) {
      Map<String, String> expected = new HashMap<>();
      asked.get(i).forEach(k -> expected.put(k, "value-of-" + k));
      assertThat(results.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(expected);
    }
    Map<String, Integer> counts = new TreeMap<>();
    loadsPerKey.forEach((k, v) -> counts.put(k, v.get()));
    LOG.info(
        "stampede getAll: {} instances x {} threads, overlapping 3-key batches over 8 keys -> "
            + "loads per key {}, batch loader calls {}",
        INSTANCES,
        THREADS,
        counts,
        batchCalls.get());
    assertThat(counts)
        .hasSize(8)
        .allSatisfy((k, v) -> assertThat(v).as("loads of %s", k).isEqualTo(1));
  }

  @Test
  void waitersStopWaitingForASlowHolderAfterLockWaitAndLoadThemselves() throws Exception {
    env = new RedisCaches("stampede-lockwait");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    LarderCache<String> holder =
        env.track(
            env.instance(env.newClient())
                .redisTimeout(Duration.ofSeconds(2))
                .loadTimeout(Duration.ofSeconds(20))
                .lockLease(Duration.ofSeconds(30))
                .build());
    LarderCache<String> waiter =
        env.track(
            env.instance(env.newClient())
                .redisTimeout(Duration.ofSeconds(2))
                .loadTimeout(Duration.ofSeconds(5))
                .lockWait(Duration.ofMillis(500))
                .meterRegistry(meters)
                .build());
    CountDownLatch holderLoading = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<String> holderCall =
        pool.submit(
            () ->
                holder.get(
                    "k",
                    key -> {
                      holderLoading.countDown();
                      release.await(
                          30, TimeUnit.SECONDS); // alive, holding its 30 s lease, but slow
                      return Optional.of("from-holder");
                    }));
    try {
      assertThat(holderLoading.await(30, TimeUnit.SECONDS)).isTrue();
      AtomicInteger loads = new AtomicInteger();
      String v =
          waiter.get(
              "k",
              key -> {
                loads.incrementAndGet();
                return Optional.of("from-waiter");
              });
      assertThat(v).isEqualTo("from-waiter");
      assertThat(loads).hasValue(1);
      assertThat(meters.get("larder.cache.lock.wait.timeouts").counter().count()).isEqualTo(1);
    } finally {
      release.countDown();
    }
    assertThat(holderCall.get(30, TimeUnit.SECONDS)).isEqualTo("from-holder");
  }

  @Test
  void waitersLoadAfterTheLeaseOfACrashedHolderExpires() throws Exception {
    env = new RedisCaches("stampede-crash");
    RedissonClient holderClient = env.newClient();
    LarderCache<String> holder =
        env.track(
            env.instance(holderClient)
                .redisTimeout(Duration.ofMillis(500))
                .loadTimeout(Duration.ofSeconds(1))
                .lockLease(Duration.ofSeconds(1))
                .build());
    List<LarderCache<String>> others = new ArrayList<>();
    for (int i = 1; i < INSTANCES; i++) {
      others.add(
          env.track(
              env.instance(env.newClient())
                  .redisTimeout(Duration.ofSeconds(2))
                  .loadTimeout(Duration.ofSeconds(8))
                  .lockLease(Duration.ofSeconds(8))
                  .lockWait(Duration.ofSeconds(8))
                  .build()));
    }
    CountDownLatch holderLoading = new CountDownLatch(1);
    CountDownLatch neverReleased = new CountDownLatch(1);
    Future<?> holderCall =
        pool.submit(
            () ->
                holder.get(
                    "k",
                    key -> {
                      holderLoading.countDown();
                      neverReleased
                          .await(); // the holder's database call never returns: it crashes first
                      return Optional.of("from-holder");
                    }));
    try {
      assertThat(holderLoading.await(30, TimeUnit.SECONDS)).isTrue();
      AtomicInteger loads = new AtomicInteger();
      CacheLoader<String> loader =
          key -> {
            loads.incrementAndGet();
            return Optional.of("from-survivor");
          };
      List<Future<String>> waiters = new ArrayList<>();
      for (LarderCache<String> cache : others) {
        for (int t = 0; t < 8; t++) {
          waiters.add(pool.submit(() -> cache.get("k", loader)));
        }
      }
      holderClient.shutdown(); // the lease holder dies mid-load; its lease is never released
      await().atMost(Duration.ofSeconds(30)).until(() -> waiters.stream().allMatch(Future::isDone));
      for (Future<String> f : waiters) {
        assertThat(f.get()).isEqualTo("from-survivor");
      }
      LOG.info(
          "lease holder crash: {} waiters on {} instances -> loader ran {} time(s) after the lease expired",
          waiters.size(),
          others.size(),
          loads.get());
      assertThat(loads).hasValue(1);
    } finally {
      neverReleased.countDown();
      holderCall.cancel(true);
    }
  }

  @Test
  void withRedisUnreachableEachInstanceStillLoadsAKeyAtMostOnce() throws Exception {
    env = new RedisCaches("stampede-breaker-open");
    List<LarderCache<String>> caches = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      LarderCache<String> cache = env.track(env.instance(env.newClient()).build());
      cache
          .redisCircuitBreaker()
          .transitionToForcedOpenState(); // Redis unreachable for this instance
      caches.add(cache);
    }
    Map<String, AtomicInteger> loads = new ConcurrentHashMap<>();
    CacheLoader<String> loader =
        key -> {
          loads.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
          Thread.sleep(100);
          return Optional.of("v-" + key);
        };
    CountDownLatch go = new CountDownLatch(1);
    List<Future<String>> calls = new ArrayList<>();
    for (LarderCache<String> cache : caches) {
      for (int t = 0; t < THREADS; t++) {
        String key = "k" + (t % 8);
        calls.add(
            pool.submit(
                () -> {
                  go.await();
                  return cache.get(key, loader);
                }));
      }
    }
    go.countDown();
    for (Future<String> f : calls) {
      assertThat(f.get(60, TimeUnit.SECONDS)).startsWith("v-");
    }
    LOG.info(
        "stampede with every Redis breaker open: {} instances x {} threads over 8 keys -> loads per key {}",
        INSTANCES,
        THREADS,
        loads);
    // Without Redis there is no cross-instance lease, but one load per key per instance remains.
    assertThat(loads).hasSize(8);
    assertThat(loads.values()).allSatisfy(n -> assertThat(n.get()).isBetween(1, INSTANCES));
  }
}
