package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.cache.internal.Envelope;
import dev.larder.core.KeyNamespace;
import dev.larder.testkit.LarderTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * Bad keys and values fail early and clearly; values the cache cannot store are served but cached
 * in neither tier, and counted; a corrupt L2 entry is a counted miss that the next load overwrites.
 */
@LarderTest
class BadInputIT {
  private final RedisCaches env = new RedisCaches("bad-input");
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final AtomicInteger loads = new AtomicInteger();

  @AfterEach
  void tearDown() {
    env.close();
  }

  private double codecErrors(String kind) {
    var c = meters.find("larder.cache.codec.errors").tag("result", kind).counter();
    return c == null ? 0 : c.count();
  }

  private CacheLoader<String> counting(String value) {
    return key -> {
      loads.incrementAndGet();
      return Optional.of(value);
    };
  }

  @Test
  void nullsEmptyAndOverlongKeysFailAtTheCallNamingTheField() {
    KeyNamespace tight = KeyNamespace.of(env.namespace.name(), 1, 64);
    LarderCache<String> cache =
        env.track(
            LarderCache.newBuilder(CacheCodec.utf8())
                .namespace(tight)
                .redisson(env.newClient())
                .build());
    CacheLoader<String> loader = counting("v");

    assertThatThrownBy(() -> cache.get(null, loader))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key must not be null");
    assertThatThrownBy(() -> cache.get("k", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("loader must not be null");
    assertThatThrownBy(() -> cache.put("k", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("value must not be null");
    assertThatThrownBy(() -> cache.put(null, "v"))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key must not be null");
    assertThatThrownBy(() -> cache.getAll(Arrays.asList("a", null), keys -> Map.of()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key must not be null");
    assertThatThrownBy(() -> cache.invalidate(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> cache.get("", loader))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key must not be empty");
    assertThatThrownBy(() -> cache.get("line\nbreak", loader))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("control characters");
    String longKey = "k".repeat(100);
    assertThatThrownBy(() -> cache.get(longKey, loader))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("key must be at most")
        .hasMessageContaining("(qualified limit 64) but was 100 bytes");
    assertThatThrownBy(() -> cache.put(longKey, "v")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> cache.getAll(java.util.List.of("ok", longKey), keys -> Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(loads).as("no bad call reached the loader").hasValue(0);
    // The single-key L1 fast path checks arguments too, also for a key L1 holds.
    cache.put("held", "v");
    assertThat(cache.lookup("held", loader).source()).isEqualTo(CacheResult.Source.L1);
    assertThatThrownBy(() -> cache.get("held", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("loader must not be null");
    assertThatThrownBy(() -> cache.lookup("held", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("loader must not be null");
    assertThatThrownBy(() -> cache.lookup(null, loader))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key must not be null");
  }

  @Test
  void aValueOverMaxValueBytesIsServedButCachedInNeitherTierAndCounted() {
    RedissonClient client = env.newClient();
    LarderCache<String> cache =
        env.track(env.instance(client).maxValueBytes(16).meterRegistry(meters).build());
    String big = "x".repeat(100);

    assertThat(cache.get("big", counting(big))).isEqualTo(big);
    assertThat(env.rawGet(client, "big")).as("not in L2").isNull();
    assertThat(cache.get("big", counting(big))).isEqualTo(big);
    assertThat(loads).as("not in L1 either: loaded again").hasValue(2);
    assertThat(codecErrors("oversize")).isEqualTo(2);

    assertThatThrownBy(() -> cache.put("big", big))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("value must be at most 16 bytes encoded but was 100 bytes");
    assertThat(env.rawGet(client, "big")).isNull();
    assertThat(codecErrors("oversize")).isEqualTo(3);
  }

  @Test
  void aValueTheCodecCannotEncodeIsServedButCachedInNeitherTierAndCounted() {
    CacheCodec<String> picky =
        CacheCodec.of(
            v -> {
              if (v.startsWith("bad")) {
                throw new IllegalStateException("cannot encode " + v);
              }
              return v.getBytes(StandardCharsets.UTF_8);
            },
            b -> new String(b, StandardCharsets.UTF_8));
    RedissonClient client = env.newClient();
    LarderCache<String> cache =
        env.track(
            LarderCache.newBuilder(picky)
                .namespace(env.namespace)
                .redisson(client)
                .meterRegistry(meters)
                .build());

    assertThat(cache.get("k", counting("bad-1"))).isEqualTo("bad-1");
    assertThat(env.rawGet(client, "k")).as("not in L2").isNull();
    assertThat(cache.get("k", counting("good"))).isEqualTo("good");
    assertThat(loads).as("not in L1 either: loaded again").hasValue(2);
    assertThat(codecErrors("encode")).isEqualTo(1);
    assertThat(env.rawGet(client, "k")).as("an encodable value is stored").isNotNull();

    assertThatThrownBy(() -> cache.put("k", "bad-2"))
        .isInstanceOf(CacheCodecException.class)
        .isInstanceOf(dev.larder.core.LarderException.class)
        .hasMessageContaining("key 'k'")
        .hasRootCauseMessage("cannot encode bad-2");
    assertThat(cache.get("k", counting("unused")))
        .as("a failed put leaves the cache as it was")
        .isEqualTo("good");

    String written = cache.writeThrough("k", () -> "bad-3");
    assertThat(written).as("the write itself succeeded and is returned").isEqualTo("bad-3");
    assertThat(env.rawGet(client, "k"))
        .as("no older copy survives a write-through that cannot be cached")
        .isNull();
    assertThat(cache.get("k", counting("reloaded"))).isEqualTo("reloaded");
    assertThat(codecErrors("encode")).isEqualTo(3);
  }

  @Test
  void aCorruptL2EntryWrittenByHandIsACountedMissThatTheLoadOverwrites() {
    RedissonClient client = env.newClient();
    LarderCache<String> cache = env.track(env.instance(client).meterRegistry(meters).build());
    env.rawSet(client, "garbage", "not an envelope".getBytes(StandardCharsets.UTF_8));
    long now = System.currentTimeMillis();
    byte[] notUtf8 = {(byte) 0xC3, (byte) 0x28};
    env.rawSet(client, "bad-utf8", new Envelope(false, 0, now, now + 60_000, 1, notUtf8).encode());

    CacheResult<String> r = cache.lookup("garbage", counting("fresh"));
    assertThat(r.source()).isEqualTo(CacheResult.Source.LOADER);
    assertThat(r.valueOrNull()).isEqualTo("fresh");
    CacheResult<String> r2 = cache.lookup("bad-utf8", counting("fresh too"));
    assertThat(r2.source()).isEqualTo(CacheResult.Source.LOADER);
    assertThat(codecErrors("decode")).as("each corrupt entry counted once").isEqualTo(2);

    LarderCache<String> other = env.standard(env.newClient());
    CacheResult<String> seen =
        other.lookup(
            "garbage",
            key -> {
              throw new AssertionError("the overwritten entry must be read from L2");
            });
    assertThat(seen.source()).isEqualTo(CacheResult.Source.L2);
    assertThat(seen.valueOrNull()).isEqualTo("fresh");
    assertThat(other.get("bad-utf8", counting("unused"))).isEqualTo("fresh too");
    assertThat(loads).hasValue(2);
  }
}
