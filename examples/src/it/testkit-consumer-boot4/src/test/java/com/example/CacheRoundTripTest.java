package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.larder.cache.CacheCodec;
import dev.larder.cache.LarderCache;
import dev.larder.cache.RedissonPresets;
import dev.larder.core.KeyNamespace;
import dev.larder.testkit.LarderServices;
import dev.larder.testkit.LarderTest;
import dev.larder.testkit.RedisServer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;

/** The testkit's JUnit extension hands the test its Redis, under the JUnit that Spring Boot manages. */
@LarderTest
class CacheRoundTripTest {

  @Test
  void getLoadsOnceAndInvalidateMakesTheNextGetLoadAgain(RedisServer redis) {
    // What the build resolved (verify.groovy checks that JUnit is Spring Boot's, not Larder's).
    for (Class<?> c : new Class<?>[] {Test.class, org.junit.platform.engine.TestEngine.class,
        org.slf4j.Logger.class, io.netty.channel.Channel.class, org.testcontainers.DockerClientFactory.class,
        RedissonClient.class, LarderServices.class}) {
      String jar = c.getProtectionDomain().getCodeSource().getLocation().getPath();
      System.out.println("consumer classpath: " + jar.substring(jar.lastIndexOf('/') + 1));
    }
    RedissonClient redisson = Redisson.create(RedissonPresets.singleServer(redis.uri()).build());
    AtomicInteger loads = new AtomicInteger();
    try (LarderCache<String> names = LarderCache.newBuilder(CacheCodec.utf8())
        .namespace(KeyNamespace.of("user-names", 1)).redisson(redisson)
        .ttl(Duration.ofMinutes(5)).build()) {
      assertEquals("name-1", names.get("user:42", key -> Optional.of("name-" + loads.incrementAndGet())));
      assertEquals("name-1", names.get("user:42", key -> Optional.of("name-" + loads.incrementAndGet())));
      assertEquals(1, loads.get());
      names.invalidate("user:42");
      assertEquals("name-2", names.get("user:42", key -> Optional.of("name-" + loads.incrementAndGet())));
    } finally {
      redisson.shutdown();
    }
  }
}
