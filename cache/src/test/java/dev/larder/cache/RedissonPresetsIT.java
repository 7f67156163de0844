package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.larder.testkit.LarderTest;
import dev.larder.testkit.RedisServer;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;

/** A client built from the presets works against a real Redis and carries the cache's settings. */
@LarderTest
class RedissonPresetsIT {

  @Test
  void aCacheRunsOnAClientBuiltFromThePresets(RedisServer redis) {
    RedissonClient client =
        Redisson.create(
            RedissonPresets.singleServer(redis.uri())
                .connectionPoolSize(4)
                .connectionMinimumIdleSize(1)
                .clientName("larder-presets-it")
                .maxCallDuration(LarderCacheBuilder.DEFAULT_REDIS_TIMEOUT)
                .build());
    RedisCaches env = new RedisCaches("presets");
    try {
      LarderCache<String> cache = env.track(env.instance(client).build());
      assertThat(cache.get("k", key -> Optional.of("v"))).isEqualTo("v");
      LarderCache<String> other = env.standard(env.newClient());
      CacheResult<String> r =
          other.lookup(
              "k",
              key -> {
                throw new AssertionError("the value must be in Redis");
              });
      assertThat(r.source()).isEqualTo(CacheResult.Source.L2);
    } finally {
      env.close();
      client.shutdown();
    }
  }

  /**
   * Start-up is not held to the steady-state response timeout: with Redis frozen (SIGSTOP, as a
   * busy host or a GC-paused proxy looks) a client from the presets is created at once, a cache on
   * it serves from its loader meanwhile, and it uses Redis once Redis answers again.
   */
  @Test
  void aClientFromThePresetsStartsWhileRedisIsFrozenAndTheCacheUsesRedisOnceItAnswers(
      RedisServer redis) {
    RedisCaches env = new RedisCaches("presets-frozen");
    redis.pause();
    RedissonClient client;
    try {
      client =
          Redisson.create(
              RedissonPresets.singleServer(redis.uri())
                  .clientName("larder-presets-frozen")
                  .build());
      LarderCache<String> cache =
          env.track(env.instance(client).loadTimeout(Duration.ofSeconds(6)).build());
      assertThat(cache.get("k", key -> Optional.of("from the loader")))
          .isEqualTo("from the loader");
    } finally {
      redis.resume();
    }
    try {
      LarderCache<String> cache = env.track(env.instance(client).build());
      await()
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                cache.put("k2", "v2");
                CacheResult<String> r =
                    env.standard(env.newClient())
                        .lookup(
                            "k2",
                            key -> {
                              throw new AssertionError("the value must be in Redis");
                            });
                assertThat(r.source()).isEqualTo(CacheResult.Source.L2);
              });
    } finally {
      env.close();
      client.shutdown();
    }
  }
}
