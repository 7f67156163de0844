package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class InvalidationBusSettingsTest {

  @Test
  void badBusSettingsFailNamingTheSettingAndValue() {
    assertThatThrownBy(
            () -> LarderCache.newBuilder(CacheCodec.utf8()).busHeartbeat(Duration.ofMillis(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("busHeartbeat must be >= PT0.01S but was PT0.005S");
    assertThatThrownBy(() -> LarderCache.newBuilder(CacheCodec.utf8()).busHeartbeat(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("busHeartbeat must not be null");
    assertThatThrownBy(
            () ->
                LarderCache.newBuilder(CacheCodec.utf8())
                    .busHeartbeat(Duration.ofSeconds(1))
                    .busHeartbeat(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("busHeartbeat was already set to PT1S");
    assertThatThrownBy(
            () ->
                LarderCache.newBuilder(CacheCodec.utf8())
                    .invalidationBus(true)
                    .invalidationBus(false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("invalidationBus was already set to true");
  }

  @Test
  void aHeartbeatWithoutABusIsAConflict() {
    assertThatThrownBy(
            () ->
                LarderCache.newBuilder(CacheCodec.utf8())
                    .invalidationBus(false)
                    .busHeartbeat(Duration.ofSeconds(2))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("busHeartbeat was set to PT2S but invalidationBus is false");
  }
}
