package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.testkit.LarderTest;
import dev.larder.testkit.RedisServer;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;

/** A client built from the presets works against a real Redis and carries the cache's settings. */
@LarderTest
class RedissonPresetsIT {

  @Test
  void aCacheRunsOnAClientBuiltFromThePresets(RedisServer redis) {
    RedissonClient client = Redisson.create(RedissonPresets.singleServer(redis.uri())
        .connectionPoolSize(4).connectionMinimumIdleSize(1).clientName("larder-presets-it")
        .maxCallDuration(LarderCacheBuilder.DEFAULT_REDIS_TIMEOUT).build());
    RedisCaches env = new RedisCaches("presets");
    try {
      LarderCache<String> cache = env.track(env.instance(client).build());
      assertThat(cache.get("k", key -> Optional.of("v"))).isEqualTo("v");
      LarderCache<String> other = env.standard(env.newClient());
      CacheResult<String> r = other.lookup("k", key -> {
        throw new AssertionError("the value must be in Redis");
      });
      assertThat(r.source()).isEqualTo(CacheResult.Source.L2);
    } finally {
      env.close();
      client.shutdown();
    }
  }
}
