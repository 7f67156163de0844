package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.KeyNamespace;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LarderCacheBuilderTest {

  private final LarderCacheBuilder<String> builder = LarderCache.newBuilder(CacheCodec.utf8());

  @Test
  void badValuesFailAtOnceNamingTheSettingAndValue() {
    assertThatThrownBy(() -> builder.ttl(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ttl must be > 0 but was PT-1S");
    assertThatThrownBy(() -> builder.maxStale(Duration.ofMillis(-5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxStale must be >= 0 but was PT-0.005S");
    assertThatThrownBy(() -> builder.l1MaximumSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("l1MaximumSize must be > 0 but was 0");
    assertThatThrownBy(() -> builder.ttlJitter(0.95))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ttlJitter must be in [0.0, 0.9] but was 0.95");
    assertThatThrownBy(() -> builder.earlyRefreshBeta(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("earlyRefreshBeta must be in");
    assertThatThrownBy(() -> builder.maxValueBytes(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxValueBytes must be > 0 but was -1");
    assertThatThrownBy(() -> builder.namespace(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("namespace must not be null");
    assertThatThrownBy(() -> LarderCache.newBuilder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("codec must not be null");
  }

  @Test
  void aRepeatedSettingFailsNamingTheEarlierValue() {
    builder.ttl(Duration.ofSeconds(5));
    assertThatThrownBy(() -> builder.ttl(Duration.ofSeconds(6)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("ttl was already set to PT5S");
    builder.namespace(KeyNamespace.of("a", 1));
    assertThatThrownBy(() -> builder.namespace(KeyNamespace.of("b", 1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("namespace was already set to");
  }

  @Test
  void conflictingSettingsFailInBuild() {
    assertThatThrownBy(
            () -> LarderCache.newBuilder(CacheCodec.utf8()).lockLease(Duration.ofMillis(50)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("lockLease must be >= PT0.1S but was PT0.05S");
    assertThatThrownBy(
            () ->
                LarderCache.newBuilder(CacheCodec.utf8())
                    .lockWait(Duration.ofMillis(10))
                    .lockPollInterval(Duration.ofMillis(50))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("lockPollInterval must be <= lockWait (PT0.01S) but was PT0.05S");
    assertThatThrownBy(
            () ->
                LarderCache.newBuilder(CacheCodec.utf8())
                    .ttl(Duration.ofSeconds(10))
                    .refreshAhead(Duration.ofSeconds(10))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("refreshAhead must be < ttl (PT10S) but was PT10S");
    assertThatThrownBy(
            () ->
                LarderCache.newBuilder(CacheCodec.utf8())
                    .loadTimeout(Duration.ofSeconds(1))
                    .redisTimeout(Duration.ofSeconds(1))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("redisTimeout must be < loadTimeout (PT1S)");
    assertThatThrownBy(
            () ->
                LarderCache.newBuilder(CacheCodec.utf8())
                    .loadTimeout(Duration.ofSeconds(5))
                    .lockWait(Duration.ofSeconds(6))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("lockWait must be <= loadTimeout (PT5S) but was PT6S");
    assertThatThrownBy(
            () ->
                LarderCache.newBuilder(CacheCodec.utf8())
                    .l1MaximumSize(100)
                    .l1MaximumWeight(1 << 20)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(
            "l1MaximumWeight was set to 1048576 but l1MaximumSize was already set to 100");
    assertThatThrownBy(() -> builder.l1MaximumWeight(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("l1MaximumWeight must be > 0 but was 0");
  }

  @Test
  void requiredSettingsAreNamed() {
    assertThatThrownBy(() -> LarderCache.newBuilder(CacheCodec.utf8()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("namespace must be set");
    assertThatThrownBy(
            () ->
                LarderCache.newBuilder(CacheCodec.utf8())
                    .namespace(KeyNamespace.of("a", 1))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("redisson must be set");
  }

  @Test
  void anUnsetRedisTimeoutFollowsAShortLoadTimeoutSoNoSettingConflicts() {
    // redisTimeout's default (2 s) would conflict with a 1 s loadTimeout: unset, it is half of it.
    // RedissonPresets connects lazily: nothing is dialled here.
    org.redisson.api.RedissonClient redisson =
        org.redisson.Redisson.create(RedissonPresets.singleServer("redis://127.0.0.1:1").build());
    try {
      LarderCache.newBuilder(CacheCodec.utf8())
          .namespace(KeyNamespace.of("t", 1))
          .redisson(redisson)
          .loadTimeout(Duration.ofSeconds(1))
          .invalidationBus(false)
          .build()
          .close();
    } finally {
      redisson.shutdown();
    }
  }
}
