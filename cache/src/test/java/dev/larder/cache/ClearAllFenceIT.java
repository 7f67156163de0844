package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.larder.cache.CacheResult.Source;
import dev.larder.testkit.LarderTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code invalidateAll()} is fenced like a per-key invalidation: a load that began before the
 * clear, on any instance, never stores its value in Redis or in any L1 afterwards, and no instance
 * reads a pre-clear value from Redis once the clear has returned. Latches in the loader fix the
 * interleaving.
 */
@LarderTest
class ClearAllFenceIT {
  private RedisCaches env;

  @AfterEach
  void tearDown() {
    if (env != null) {
      env.close();
    }
  }

  @ParameterizedTest(name = "invalidation bus on: {0}")
  @ValueSource(booleans = {true, false})
  void loaderThatReadBeforeAClearAllIsRejectedFromBothTiers(boolean bus) throws Exception {
    env = new RedisCaches("clear-all-race-" + bus);
    Instances in = new Instances(env, 2, b -> b.invalidationBus(bus));
    in.db.put("k", "v1");
    HeldLoad loading = new HeldLoad(in, 1, "k");
    // Instance 0 clears the whole cache while instance 1's loader holds v1; then the database moves
    // on.
    in.get(0).invalidateAll();
    in.db.put("k", "v2");
    if (bus) {
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> in.count(1, "larder.cache.invalidations.received", "result", "all") == 1);
    }
    // Without the bus, nothing told instance 1: only Redis can refuse its write.
    assertThat(loading.finish()).as("the caller whose read began first may see v1").isEqualTo("v1");

    assertThat(in.count(1, "larder.cache.stale.sets.rejected", "tier", "l2"))
        .as("refused in Redis")
        .isEqualTo(1);
    CacheResult<String> next = in.get(1).lookup("k", in.loader);
    assertThat(next.valueOrNull()).isEqualTo("v2");
    assertThat(next.source()).as("v1 was written to neither tier").isEqualTo(Source.LOADER);
    assertThat(in.read(0, "k")).isEqualTo("v2");
    assertThat(in.get(1).lookup("k", in.loader).source()).isEqualTo(Source.L1);
  }

  @Test
  void noInstanceReadsAPreClearValueFromRedisOnceTheClearReturned() {
    env = new RedisCaches("clear-all-readers");
    // Instance 1 has no bus and an L1 TTL of 1 ns: each of its reads asks Redis, and only Redis can
    // tell it about the clear.
    Instances in =
        new Instances(
            env, 2, b -> b.invalidationBus(false).l1Ttl(Duration.ofNanos(1)).earlyRefreshBeta(0));
    int n = 20;
    for (int i = 0; i < n; i++) {
      in.db.put("k" + i, "old");
      assertThat(in.read(0, "k" + i)).isEqualTo("old");
    }
    assertThat(in.source(1, "k7")).isEqualTo(Source.L2);
    in.get(0).invalidateAll();
    for (int i = 0; i < n; i++) {
      in.db.put("k" + i, "new");
    }
    for (int i = 0; i < n; i++) {
      CacheResult<String> r = in.get(1).lookup("k" + i, in.loader);
      assertThat(r.valueOrNull()).as("k%d", i).isEqualTo("new");
      assertThat(r.source())
          .as("k%d came from the loader, not a pre-clear L2 entry", i)
          .isEqualTo(Source.LOADER);
    }
    assertThat(in.count(1, "larder.cache.l1.clears", "result", "generation")).isEqualTo(1);
    // An instance started after the clear just learns the generation: nothing to clear, nothing
    // logged.
    SimpleMeterRegistry lateMeters = new SimpleMeterRegistry();
    LarderCache<String> late =
        env.track(env.instance(env.newClient()).meterRegistry(lateMeters).build());
    assertThat(late.get("k5", in.loader)).isEqualTo("new");
    assertThat(late.lookup("k5", in.loader).source()).isEqualTo(Source.L1);
    assertThat(
            lateMeters.find("larder.cache.l1.clears").counters().stream()
                .mapToDouble(c -> c.count())
                .sum())
        .isZero();
    // The old generation's keys are tidied away in the background.
    await().atMost(Duration.ofSeconds(10)).until(() -> env.rawGet(env.newClient(), "k3") == null);
  }

  @Test
  void clearAllWhileRedisIsUnreachableThrowsPendingAndTheClearLandsOnceRedisAnswers() {
    env = new RedisCaches("clear-all-outage");
    Instances in = new Instances(env, 2, b -> b);
    in.db.put("k", "v1");
    assertThat(in.read(0, "k")).isEqualTo("v1");
    assertThat(in.read(1, "k")).isEqualTo("v1");
    in.db.put("k", "v2");
    in.get(0).redisCircuitBreaker().transitionToForcedOpenState();
    try {
      assertThatThrownBy(() -> in.get(0).invalidateAll())
          .isInstanceOf(InvalidationPendingException.class)
          .hasMessageContaining("clear the namespace");
      assertThat(in.count(0, "larder.cache.invalidations.sent", "result", "failed"))
          .isGreaterThanOrEqualTo(1);
      assertThat(in.count(0, "larder.cache.fences", "result", "owed")).isEqualTo(1);
      assertThat(in.read(0, "k")).as("this L1 was cleared").isEqualTo("v2");
      // Meanwhile another instance heard nothing: its L1 (and Redis) still hold v1.
      assertThat(in.read(1, "k")).isEqualTo("v1");
    } finally {
      in.get(0).redisCircuitBreaker().transitionToClosedState();
    }
    // The owed clear is paid on instance 0's next tick: a new generation, published to the others.
    await().atMost(Duration.ofSeconds(5)).until(() -> "v2".equals(in.read(1, "k")));
    assertThat(in.count(0, "larder.cache.fences", "result", "settled")).isEqualTo(1);
  }
}
