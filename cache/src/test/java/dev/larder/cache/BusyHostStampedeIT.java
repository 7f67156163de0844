package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.testkit.LarderTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * "One load per key across instances" on a busy host, with the defaults a user gets: Redisson from
 * {@link RedissonPresets#singleServer} and the cache builder's own timeouts and breakers. The host
 * is made busy on purpose: CPU-burning processes (several per core) run for the whole test, so
 * Redis, Redisson's event loops and the callers all wait for CPU, as on a loaded production host.
 */
@LarderTest
class BusyHostStampedeIT {
  private static final Logger LOG = LoggerFactory.getLogger(BusyHostStampedeIT.class);
  private static final int INSTANCES = 4;
  private static final int THREADS = 64;
  private static final int KEYS = 100;

  private final RedisCaches env = new RedisCaches("busy-stampede");
  private final List<Process> burners = new ArrayList<>();
  private final List<RedissonClient> clients = new ArrayList<>();
  private final ExecutorService pool = Executors.newFixedThreadPool(INSTANCES * THREADS);

  @AfterEach
  void tearDown() {
    burners.forEach(Process::destroyForcibly);
    pool.shutdownNow();
    env.close();
    clients.forEach(RedissonClient::shutdown);
  }

  private void burnCpu(int processes) throws Exception {
    for (int i = 0; i < processes; i++) {
      burners.add(
          new ProcessBuilder("sh", "-c", "while :; do :; done").redirectErrorStream(true).start());
    }
  }

  @Test
  void manyColdKeysAreLoadedOnceEachAcrossInstancesOnABusyHostWithTheDefaults() throws Exception {
    burnCpu(3 * Runtime.getRuntime().availableProcessors());
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    List<LarderCache<String>> caches = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      RedissonClient client =
          Redisson.create(RedissonPresets.singleServer(env.redis.uri()).build());
      clients.add(client);
      caches.add(env.track(env.instance(client).meterRegistry(meters).build()));
    }
    Map<String, AtomicInteger> loads = new ConcurrentHashMap<>();
    CacheLoader<String> loader =
        key -> {
          loads.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
          Thread.sleep(50); // the database
          return Optional.of("v-" + key);
        };
    List<String> keys = new ArrayList<>();
    for (int k = 0; k < KEYS; k++) {
      keys.add("k" + k);
    }
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Integer>> calls = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      LarderCache<String> cache = caches.get(i);
      for (int t = 0; t < THREADS; t++) {
        List<String> order = new ArrayList<>(keys);
        Collections.shuffle(order, new Random(i * 1000L + t));
        calls.add(
            pool.submit(
                () -> {
                  go.await();
                  int wrong = 0;
                  for (String key : order) {
                    if (!("v-" + key).equals(cache.get(key, loader))) {
                      wrong++;
                    }
                  }
                  return wrong;
                }));
      }
    }
    long t0 = System.nanoTime();
    go.countDown();
    int wrong = 0;
    for (Future<Integer> f : calls) {
      wrong += f.get(10, TimeUnit.MINUTES);
    }
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    int total = loads.values().stream().mapToInt(AtomicInteger::get).sum();
    double redisFailures =
        meters.find("larder.cache.redis.failures").counters().stream()
            .mapToDouble(c -> c.count())
            .sum();
    double lockTimeouts =
        meters.find("larder.cache.lock.wait.timeouts").counters().stream()
            .mapToDouble(c -> c.count())
            .sum();
    LOG.info(
        "busy-host stampede: {} instances x {} threads x {} cold keys, {} CPU burners -> {} loads (want {}), "
            + "{} wrong answers, redis failures {}, lease-wait timeouts {}, {} ms",
        INSTANCES,
        THREADS,
        KEYS,
        burners.size(),
        total,
        KEYS,
        wrong,
        redisFailures,
        lockTimeouts,
        took);
    assertThat(wrong).isZero();
    assertThat(loads).hasSize(KEYS);
    assertThat(loads.values())
        .allSatisfy(n -> assertThat(n.get()).as("loads of one key").isEqualTo(1));
  }
}
