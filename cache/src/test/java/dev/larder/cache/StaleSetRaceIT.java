package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.larder.cache.CacheResult.Source;
import dev.larder.testkit.LarderTest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A load that read the database before a write must not store its older value after the write's
 * invalidation, in Redis or in any instance's L1. Latches in the loader fix the interleaving.
 */
@LarderTest
class StaleSetRaceIT {
  private RedisCaches env;

  @AfterEach
  void tearDown() {
    if (env != null) {
      env.close();
    }
  }

  @ParameterizedTest(name = "overtaken by {0}")
  @ValueSource(strings = {"invalidate", "put"})
  void loaderThatReadBeforeAnInvalidationIsRejectedFromBothTiers(String write) throws Exception {
    env = new RedisCaches("stale-set-" + write);
    Instances in = new Instances(env, 2, b -> b);
    in.db.put("k", "v1");
    HeldLoad loading = new HeldLoad(in, 1, "k");
    // The write happens while instance 1's loader holds v1.
    in.db.put("k", "v2");
    if (write.equals("invalidate")) {
      in.get(0).invalidate("k");
    } else {
      in.get(0).put("k", "v2");
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> in.count(1, "larder.cache.invalidations.received", "result", "keys") == 1);
    assertThat(loading.finish()).as("the caller whose read began first may see v1").isEqualTo("v1");

    assertThat(in.count(1, "larder.cache.stale.sets.rejected", "tier", "l2")).isEqualTo(1);
    byte[] l2 = env.rawGet(env.newClient(), "k");
    if (write.equals("invalidate")) {
      assertThat(l2).as("v1 was not written to L2").isNull();
    } else {
      assertThat(new String(l2, java.nio.charset.StandardCharsets.UTF_8)).endsWith("v2");
    }
    CacheResult<String> next = in.get(1).lookup("k", in.loader);
    assertThat(next.valueOrNull()).isEqualTo("v2");
    assertThat(next.source()).as("v1 was not written to L1").isNotEqualTo(Source.L1);
    assertThat(in.read(0, "k")).isEqualTo("v2");
  }

  @Test
  void loadFinishingInTheBackgroundAfterARemoteInvalidationDoesNotFillL1() throws Exception {
    env = new RedisCaches("stale-set-l1");
    // A short load timeout: the caller gives up, the load goes on in the background (no flight left
    // to mark), so only the L1 fence can stop its late value.
    Instances in = new Instances(env, 1, x -> x);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    LarderCache<String> b =
        env.track(
            env.instance(env.newClient())
                .redisTimeout(Duration.ofMillis(500))
                .loadTimeout(Duration.ofSeconds(1))
                .meterRegistry(meters)
                .build());
    in.db.put("k", "v1");
    CountDownLatch readV1 = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(1);
    CacheLoader<String> slow =
        key -> {
          try {
            String seen = in.db.get(key);
            readV1.countDown();
            release.await();
            return Optional.of(seen);
          } finally {
            finished.countDown();
          }
        };
    assertThatThrownBy(() -> b.get("k", slow)).isInstanceOf(StaleValueUnavailableException.class);
    assertThat(readV1.await(10, TimeUnit.SECONDS)).isTrue();
    in.db.put("k", "v2");
    in.get(0).invalidate("k");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> count(meters, "larder.cache.invalidations.received", "result", "keys") == 1);
    // Redis becomes unreachable for instance b before its load ends: the cache then writes L1 only,
    // where the version fence is all that stands between v1 and the next reader.
    b.redisCircuitBreaker().transitionToForcedOpenState();
    try {
      release.countDown();
      assertThat(finished.await(10, TimeUnit.SECONDS)).isTrue();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> count(meters, "larder.cache.stale.sets.rejected", "tier", "l1") == 1);
    } finally {
      b.redisCircuitBreaker().transitionToClosedState();
    }
    CacheResult<String> next = b.lookup("k", in.loader);
    assertThat(next.valueOrNull()).isEqualTo("v2");
    assertThat(next.source()).isNotEqualTo(Source.L1);
  }

  private static double count(SimpleMeterRegistry meters, String name, String tag, String value) {
    Counter c = meters.find(name).tag(tag, value).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aReadOfTheOldValueRacingAPutOnTheSameInstanceDoesNotOverwriteItInL1() throws Exception {
    env = new RedisCaches("stale-set-own-put");
    // Hold the put after it dropped the key from L1 but before its Redis script (its TTL jitter
    // draw),
    CountDownLatch putDropped = new CountDownLatch(1);
    CountDownLatch letPutGo = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean holdPut =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.function.DoubleSupplier random =
        () -> {
          if (holdPut.compareAndSet(true, false)) {
            putDropped.countDown();
            hold(letPutGo);
          }
          return 1.0;
        };
    // ... and a read, started after the drop, between its Redis read of "v10" and its L1 store.
    CountDownLatch readHasV10 = new CountDownLatch(1);
    CountDownLatch letReadGo = new CountDownLatch(1);
    CacheCodec<String> holding =
        CacheCodec.of(
            v -> v.getBytes(java.nio.charset.StandardCharsets.UTF_8),
            b -> {
              String v = new String(b, java.nio.charset.StandardCharsets.UTF_8);
              if (v.equals("v10") && readHasV10.getCount() > 0) {
                readHasV10.countDown();
                hold(letReadGo);
              }
              return v;
            });
    LarderCache<String> writer =
        env.track(
            LarderCache.newBuilder(holding)
                .namespace(env.namespace)
                .redisson(env.newClient())
                .earlyRefreshBeta(0)
                .random(random)
                .build());
    LarderCache<String> other = env.track(env.instance(env.newClient()).build());
    other.put("k", "v10"); // Redis holds v10; the writer's L1 holds nothing
    holdPut.set(true);
    var put = java.util.concurrent.CompletableFuture.runAsync(() -> writer.put("k", "v11"));
    assertThat(putDropped.await(10, TimeUnit.SECONDS)).isTrue();
    var read =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> writer.get("k", key -> Optional.of("loaded")));
    assertThat(readHasV10.await(10, TimeUnit.SECONDS)).as("the read took v10 from Redis").isTrue();
    letPutGo.countDown();
    put.get(10, TimeUnit.SECONDS); // v11 is in Redis and in the writer's L1
    letReadGo.countDown();
    assertThat(read.get(10, TimeUnit.SECONDS))
        .isEqualTo("v10"); // it read before the put's script: allowed
    assertThat(writer.lookup("k", key -> Optional.of("loaded")).valueOrNull())
        .as("the older value did not replace the put's in this instance's L1")
        .isEqualTo("v11");
  }

  private static void hold(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
