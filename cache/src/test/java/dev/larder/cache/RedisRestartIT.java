package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.larder.testkit.LarderTest;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * Redis restarted from a snapshot: everything acknowledged after the snapshot (version bumps,
 * deletes, a clear's new generation) is gone and the values before it are back. No instance, old or
 * new, may serve a value invalidated before the restart. Real Redis, killed and restarted from its
 * RDB file by the testkit.
 */
@LarderTest
class RedisRestartIT {
  /** One tick (busHeartbeat, 200 ms here) plus room for the reconnect on a busy machine. */
  private static final Duration BOUND = Duration.ofSeconds(5);

  private final RedisCaches env = new RedisCaches("restart");

  @AfterEach
  void tearDown() {
    env.close();
  }

  private Instances instances(int n) {
    return new Instances(
        env,
        n,
        b ->
            b.busHeartbeat(Duration.ofMillis(200))
                .ttl(Duration.ofMinutes(10))
                .l1Ttl(Duration.ofMinutes(10)));
  }

  @Test
  void aValueInvalidatedAfterTheSnapshotIsNotServedAgainAfterARestartFromIt() {
    Instances in = instances(2);
    in.db.put("k", "v1");
    assertThat(in.read(0, "k")).isEqualTo("v1");
    assertThat(in.read(1, "k")).isEqualTo("v1");
    env.redis.snapshot(); // Redis saves v1 under version 0
    in.db.put("k", "v2");
    in.get(0).invalidate("k"); // acknowledged: version 1, value deleted, every L1 drops it
    await().atMost(BOUND).untilAsserted(() -> assertThat(in.read(1, "k")).isEqualTo("v2"));
    env.redis.restartFromSnapshot(); // ... and Redis forgets it: v1 is back
    // A brand-new instance never saw the old server: it must still not read v1.
    Instances fresh = instances(1);
    fresh.db.putAll(in.db);
    assertThat(fresh.read(0, "k")).as("a new instance after the restart").isEqualTo("v2");
    // The instances that were running notice at their first failed call, or at their next tick.
    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> {
              assertThat(in.read(0, "k")).isEqualTo("v2");
              assertThat(in.read(1, "k")).isEqualTo("v2");
            });
  }

  @Test
  void aClearAllAfterTheSnapshotIsNotUndoneByARestartFromIt() {
    Instances in = instances(1);
    in.db.put("a", "a1");
    in.db.put("b", "b1");
    assertThat(in.read(0, "a")).isEqualTo("a1");
    assertThat(in.read(0, "b")).isEqualTo("b1");
    env.redis.snapshot();
    in.db.put("a", "a2");
    in.db.put("b", "b2");
    in.get(0).invalidateAll(); // a new generation: the old keys unreachable
    env.redis.restartFromSnapshot(); // the old generation number and its keys are back
    Instances fresh = instances(1);
    fresh.db.putAll(in.db);
    assertThat(fresh.read(0, "a")).isEqualTo("a2");
    assertThat(fresh.read(0, "b")).isEqualTo("b2");
  }

  /**
   * A clear-all as a namespace's very first Redis call (a sourced gap at a consumer's first start
   * does that) is not a restart: a later instance must not see the server as new, move the
   * generation again and warn about a restart that did not happen.
   */
  @Test
  void aClearAllBeforeAnyReadIsNotTakenForARestartByTheNextInstance() {
    Instances first = instances(1);
    first.get(0).invalidateAll();
    RedissonClient raw = env.newClient();
    String generationKey = "larder:gen:" + env.namespace.prefix();
    String afterClear = raw.<String>getBucket(generationKey, StringCodec.INSTANCE).get();
    assertThat(afterClear).as("the clear-all's generation").isNotNull();

    Instances next = instances(1);
    next.db.put("k", "v1");
    assertThat(next.read(0, "k")).isEqualTo("v1");

    assertThat(raw.<String>getBucket(generationKey, StringCodec.INSTANCE).get())
        .as("the generation after the next instance's first read")
        .isEqualTo(afterClear);
  }

  /**
   * Redisson sends scripts by hash (EVALSHA) by default, and a restarted Redis (or SCRIPT FLUSH)
   * has none cached: a pipelined batch then fails with NOSCRIPT, which Redisson does not recover
   * from by itself in a batch. The cache must load its scripts again rather than fail every call
   * until some other path happens to send the script text.
   */
  @Test
  void writesAndReadsWorkAfterRedisLostItsScriptCache() {
    Instances in = instances(2);
    in.db.put("k", "v1");
    assertThat(in.read(0, "k")).isEqualTo("v1");
    assertThat(in.read(1, "k")).isEqualTo("v1");
    RedissonClient raw = env.newClient();
    raw.getScript().scriptFlush();
    in.db.put("k", "v2");
    in.get(0).put("k", "v2"); // throws InvalidationPendingException if the script cannot run
    in.db.put("k2", "w1");
    await().atMost(BOUND).untilAsserted(() -> assertThat(in.read(1, "k")).isEqualTo("v2"));
    raw.getScript().scriptFlush();
    in.get(1).invalidate("k2"); // throws InvalidationPendingException if the script cannot run
    await().atMost(BOUND).untilAsserted(() -> assertThat(in.read(0, "k2")).isEqualTo("w1"));
    // a fresh instance reads k from Redis, through the scripts
    Instances fresh = instances(1);
    fresh.db.putAll(in.db);
    assertThat(
            fresh
                .get(0)
                .lookup(
                    "k",
                    key -> {
                      throw new AssertionError("k must be in Redis");
                    })
                .value())
        .contains("v2");
  }
}
