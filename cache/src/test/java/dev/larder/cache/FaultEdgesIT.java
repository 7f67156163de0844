package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.larder.cache.CacheResult.Source;
import dev.larder.cache.internal.DefaultLarderCache;
import dev.larder.cache.internal.InvalidationMessage;
import dev.larder.testkit.LarderTest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * The smaller edges of the fault review: version keys that must outlive their values, an L1 bound
 * in bytes, a JVM cloned with the bus's id.
 */
@LarderTest
class FaultEdgesIT {
  private final RedisCaches env = new RedisCaches("fault-edges");

  @AfterEach
  void tearDown() {
    env.close();
  }

  private long pttl(RedissonClient c, String name) {
    return c.getBucket(name, ByteArrayCodec.INSTANCE).remainTimeToLive();
  }

  @Test
  void versionKeysOutliveTheValuesWrittenUnderThemSoVersionsNeverRestartBelowAStoredValue() {
    RedissonClient client = env.newClient();
    LarderCache<String> cache =
        env.track(
            env.instance(client).ttl(Duration.ofDays(3)).maxStale(Duration.ofDays(1)).build());
    String data = env.dataKey("k");
    String version = data.substring(0, data.length() - 2) + ":v";
    cache.put("k", "v1");
    assertThat(pttl(client, version)).as("after a put").isGreaterThanOrEqualTo(pttl(client, data));
    cache.invalidate("k");
    assertThat(cache.get("k", key -> Optional.of("v2"))).isEqualTo("v2"); // a load under version 2
    assertThat(pttl(client, data)).isGreaterThan(Duration.ofDays(3).toMillis());
    assertThat(pttl(client, version)).as("after a load").isGreaterThanOrEqualTo(pttl(client, data));
  }

  @Test
  void anL1BoundInBytesKeepsOnlyWhatFits() {
    LarderCache<String> cache =
        env.track(env.instance(env.newClient()).l1MaximumWeight(8 * 1024).build());
    String kib = "x".repeat(1024);
    for (int i = 0; i < 100; i++) {
      cache.get("k" + i, key -> Optional.of(kib));
    }
    // 8 KiB holds about six of these entries (value + key + 64 bytes each); an entry bound holds
    // all 100. Caffeine evicts in its maintenance, which runs on another thread and may lag on a
    // busy host (a CI run saw 60 in L1 right after the loads): the bound must hold once it has run.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              int fromL1 = 0;
              for (int i = 0; i < 100; i++) {
                if (cache.lookup("k" + i, key -> Optional.of(kib)).source() == Source.L1) {
                  fromL1++;
                }
              }
              assertThat(fromL1).isLessThanOrEqualTo(10);
            });
  }

  @Test
  void anInstanceThatHearsItsOwnIdOnAMessageItDidNotSendTakesANewIdAndClearsL1() {
    Instances in = new Instances(env, 1, b -> b);
    DefaultLarderCache<String> cache = (DefaultLarderCache<String>) in.get(0);
    await().atMost(Duration.ofSeconds(10)).until(() -> in.busHealthy(0));
    in.db.put("k", "v1");
    in.read(0, "k");
    assertThat(in.source(0, "k")).isEqualTo(Source.L1);
    UUID id = cache.busInstanceId();
    // A clone (same id, restored from one snapshot) publishes a heartbeat of its own.
    env.newClient()
        .getTopic(in.channel(), ByteArrayCodec.INSTANCE)
        .publish(
            new InvalidationMessage(
                    InvalidationMessage.Type.HEARTBEAT, id, 0, 42, List.of(), new long[0])
                .encode());
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> in.count(0, "larder.cache.l1.clears", "result", "cloned") == 1);
    assertThat(cache.busInstanceId()).isNotEqualTo(id);
    assertThat(in.source(0, "k")).isNotEqualTo(Source.L1);
  }
}
