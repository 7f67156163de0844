package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.ManualTimeSource;
import dev.larder.testkit.LarderTest;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * The cache-aside paths themselves: batched reads, negative caching, write-through, warming,
 * fencing.
 */
@LarderTest
class CacheAsideIT {
  private final RedisCaches env = new RedisCaches("cache-aside");
  private final ExecutorService pool = env.threads(4);

  @AfterEach
  void tearDown() {
    env.close();
  }

  @Test
  void getAllServesEachTierAndLoadsOnlyTheMissingKeysInOneBatch() {
    RedissonClient client = env.newClient();
    LarderCache<String> writer = env.standard(env.newClient());
    LarderCache<String> cache = env.standard(client);
    for (int i = 0; i < 4; i++) {
      writer.put("l2-" + i, "v-l2-" + i); // in Redis only, as far as `cache` knows
    }
    for (int i = 0; i < 3; i++) {
      cache.put("l1-" + i, "v-l1-" + i);
    }
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      keys.add("l2-" + i);
    }
    for (int i = 0; i < 3; i++) {
      keys.add("l1-" + i);
      keys.add("miss-" + i);
    }
    keys.add("miss-0"); // a duplicate is served once
    List<Set<String>> batches = new CopyOnWriteArrayList<>();
    Map<String, CacheResult<String>> results =
        cache.lookupAll(
            keys,
            asked -> {
              batches.add(Set.copyOf(asked));
              Map<String, String> out = new HashMap<>();
              asked.stream().filter(k -> !k.equals("miss-2")).forEach(k -> out.put(k, "v-" + k));
              return out;
            });

    assertThat(batches)
        .as("one batched load, of exactly the keys cached nowhere")
        .containsExactly(Set.of("miss-0", "miss-1", "miss-2"));
    assertThat(results).hasSize(10);
    assertThat(results.get("l2-3").source()).isEqualTo(CacheResult.Source.L2);
    assertThat(results.get("l2-3").valueOrNull()).isEqualTo("v-l2-3");
    assertThat(results.get("l1-2").source()).isEqualTo(CacheResult.Source.L1);
    assertThat(results.get("miss-1").source()).isEqualTo(CacheResult.Source.LOADER);
    assertThat(results.get("miss-1").valueOrNull()).isEqualTo("v-miss-1");
    assertThat(results.get("miss-2").isPresent()).as("left out by the loader: absent").isFalse();
    assertThat(
            cache.getAll(
                keys,
                asked -> {
                  throw new AssertionError("everything is cached now, including the absence");
                }))
        .hasSize(9)
        .doesNotContainKey("miss-2");
  }

  @Test
  void anAbsentKeyIsRememberedForTheNegativeTtlAcrossInstances() {
    ManualTimeSource clock = ManualTimeSource.startingAt(Instant.now());
    List<LarderCache<String>> instances = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      instances.add(
          env.track(
              env.instance(env.newClient())
                  .timeSource(clock)
                  .negativeTtl(Duration.ofSeconds(5))
                  .ttl(Duration.ofMinutes(1))
                  .earlyRefreshBeta(0)
                  .build()));
    }
    AtomicInteger loads = new AtomicInteger();
    CacheLoader<String> missing =
        key -> {
          loads.incrementAndGet();
          return Optional.empty();
        };
    for (int round = 0; round < 20; round++) {
      for (LarderCache<String> c : instances) {
        assertThat(c.get("ghost", missing)).isNull();
      }
    }
    assertThat(loads).as("60 lookups of a missing key, 3 instances: one database call").hasValue(1);
    CacheResult<String> r = instances.get(2).lookup("ghost", missing);
    assertThat(r.isPresent()).isFalse();
    assertThat(r.source()).isEqualTo(CacheResult.Source.L1);

    clock.advance(Duration.ofSeconds(6));
    assertThat(instances.get(0).get("ghost", missing)).isNull();
    assertThat(loads).as("asked again once the negative TTL passed").hasValue(2);
  }

  /** A data access method in the plain form: the value, or null when there is no such row. */
  private static final class NullableDao {
    final Map<String, String> rows = new HashMap<>();
    final AtomicInteger calls = new AtomicInteger();

    @org.jspecify.annotations.Nullable
    String findOrNull(String key) {
      calls.incrementAndGet();
      return rows.get(key);
    }
  }

  @Test
  void aLoaderInThePlainFormCachesItsNullAsAnAbsenceAndItsValueAsTheValue() {
    LarderCache<String> writer = env.standard(env.newClient());
    LarderCache<String> other = env.standard(env.newClient());
    NullableDao dao = new NullableDao();
    dao.rows.put("user:1", "Ada");
    CacheLoader<String> plain = CacheLoader.ofNullable(dao::findOrNull);

    assertThat(writer.get("user:1", plain)).isEqualTo("Ada");
    assertThat(writer.get("user:2", plain)).as("null from the loader: get answers null").isNull();
    assertThat(dao.calls).hasValue(2);

    // Both answers were cached, the absence too (negative TTL), in both tiers: nobody asks the dao
    // again.
    assertThat(writer.get("user:2", plain)).isNull();
    CacheResult<String> absent = other.lookup("user:2", plain);
    assertThat(absent.isPresent()).isFalse();
    assertThat(absent.source()).isEqualTo(CacheResult.Source.L2);
    assertThat(other.get("user:1", plain)).isEqualTo("Ada");
    assertThat(dao.calls).as("every later read served from a tier").hasValue(2);
    assertThatThrownBy(() -> CacheLoader.ofNullable(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("loader must not be null");
  }

  @Test
  void writeThroughCachesTheWrittenValueForEveryInstanceAndCachesNothingWhenTheWriteFails() {
    LarderCache<String> a = env.standard(env.newClient());
    LarderCache<String> b = env.standard(env.newClient());
    Map<String, String> database = new HashMap<>();
    database.put("user:1", "Ada");
    assertThat(a.get("user:1", k -> Optional.ofNullable(database.get(k)))).isEqualTo("Ada");

    String written =
        a.writeThrough(
            "user:1",
            () -> {
              database.put("user:1", "Grace");
              return "Grace";
            });
    assertThat(written).isEqualTo("Grace");
    CacheResult<String> seen =
        b.lookup(
            "user:1",
            k -> {
              throw new AssertionError("the written value must be in L2");
            });
    assertThat(seen.source()).isEqualTo(CacheResult.Source.L2);
    assertThat(seen.valueOrNull()).isEqualTo("Grace");

    IOException failure = new IOException("constraint violated");
    assertThatThrownBy(
            () ->
                a.writeThrough(
                    "user:1",
                    () -> {
                      throw failure;
                    }))
        .isSameAs(failure);
    assertThat(a.get("user:1", k -> Optional.of("reloaded"))).isEqualTo("Grace");
  }

  @Test
  void warmingLoadsInBoundedParallelBatchesAndReportsProgress() throws Exception {
    LarderCache<String> cache = env.standard(env.newClient());
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      keys.add("w" + i);
    }
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    CyclicBarrier pairs = new CyclicBarrier(2); // passes only if two batches really run at once
    BatchLoader<String> loader =
        asked -> {
          maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
          try {
            batchSizes.add(asked.size());
            pairs.await(10, TimeUnit.SECONDS);
            Map<String, String> out = new HashMap<>();
            asked.stream().filter(k -> !k.endsWith("0")).forEach(k -> out.put(k, "v-" + k));
            return out;
          } finally {
            running.decrementAndGet();
          }
        };
    List<WarmupProgress> reports = new CopyOnWriteArrayList<>();
    WarmupProgress result = cache.warm(keys, loader, 5, 2, reports::add);

    assertThat(maxRunning).as("at most `parallelism` batches at once").hasValue(2);
    assertThat(batchSizes).hasSize(8).allSatisfy(n -> assertThat(n).isEqualTo(5));
    assertThat(result).isEqualTo(new WarmupProgress(40, 40, 36, 4, 0));
    assertThat(result.isComplete()).isTrue();
    assertThat(reports).hasSize(8);
    assertThat(reports)
        .extracting(WarmupProgress::done)
        .isSorted()
        .containsExactly(5, 10, 15, 20, 25, 30, 35, 40);
    LarderCache<String> other = env.standard(env.newClient());
    assertThat(
            other.getAll(
                keys,
                asked -> {
                  throw new AssertionError("warmed keys are in L2");
                }))
        .hasSize(36)
        .containsEntry("w7", "v-w7");
  }

  @Test
  void warmingCountsTheKeysOfAFailedBatchAndGoesOn() {
    LarderCache<String> cache = env.standard(env.newClient());
    List<String> keys = List.of("a1", "a2", "b1", "b2", "c1", "c2");
    WarmupProgress result =
        cache.warm(
            keys,
            asked -> {
              if (asked.contains("b1")) {
                throw new IllegalStateException("database hiccup");
              }
              Map<String, String> out = new HashMap<>();
              asked.forEach(k -> out.put(k, "v-" + k));
              return out;
            },
            2,
            1,
            p -> {});
    assertThat(result).isEqualTo(new WarmupProgress(6, 6, 4, 0, 2));
    assertThatThrownBy(
            () ->
                cache.get(
                    "b1",
                    k -> {
                      throw new IllegalStateException("still down");
                    }))
        .as("nothing was cached for the failed batch")
        .isInstanceOf(StaleValueUnavailableException.class);
  }

  @Test
  void invalidateAllEmptiesThisNamespaceInRedisAndThisJvmsL1Only() {
    RedissonClient client = env.newClient();
    LarderCache<String> cache = env.standard(client);
    RedisCaches neighbour = new RedisCaches("cache-aside-neighbour");
    try {
      LarderCache<String> other = neighbour.standard(neighbour.newClient());
      for (int i = 0; i < 5; i++) {
        cache.put("k" + i, "v" + i);
      }
      other.put("k0", "neighbour");
      cache.invalidateAll();
      assertThat(cache.get("k1", k -> Optional.of("reloaded"))).isEqualTo("reloaded");
      // The cleared generation's keys are unreachable at once and deleted in the background.
      for (int i = 0; i < 5; i++) {
        String key = "k" + i;
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(10))
            .alias(key + " deleted from Redis")
            .until(() -> env.rawGet(client, key) == null);
      }
      assertThat(other.get("k0", k -> Optional.of("must not reload")))
          .as("another namespace is untouched")
          .isEqualTo("neighbour");
      assertThat(neighbour.rawGet(client, "k0")).isNotNull();
    } finally {
      neighbour.close();
    }
  }

  @Test
  void anInvalidationDuringASlowLoadWinsOverTheLoadsOlderValue() throws Exception {
    RedissonClient client = env.newClient();
    LarderCache<String> slow = env.standard(client);
    LarderCache<String> writer = env.standard(env.newClient());
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<String> load =
        pool.submit(
            () ->
                slow.get(
                    "price",
                    k -> {
                      loading.countDown();
                      release.await(10, TimeUnit.SECONDS);
                      return Optional.of("old");
                    }));
    assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
    writer.put(
        "price", "new"); // written to the database and the cache while the old read was in flight
    release.countDown();
    assertThat(load.get(10, TimeUnit.SECONDS))
        .as("the slow caller still gets what it read")
        .isEqualTo("old");

    LarderCache<String> reader = env.standard(env.newClient());
    assertThat(reader.get("price", k -> Optional.of("reloaded")))
        .as("L2 keeps the newer value")
        .isEqualTo("new");
    assertThat(slow.get("price", k -> Optional.of("reloaded")))
        .as("the fenced-off load did not fill L1 either")
        .isEqualTo("new");
  }
}
