package dev.larder.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimeSourceTest {
  private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

  @Test
  void manualSourceMovesOnlyWhenAdvanced() {
    ManualTimeSource t = ManualTimeSource.startingAt(T0);
    assertThat(t.now()).isEqualTo(T0);
    assertThat(t.nanoTime()).isZero();
    t.advance(Duration.ofMillis(1500));
    assertThat(t.now()).isEqualTo(T0.plusMillis(1500));
    assertThat(t.nanoTime()).isEqualTo(1_500_000_000L);
    assertThat(t.asClock().instant()).isEqualTo(T0.plusMillis(1500));
  }

  @Test
  void steppingWallTimeBackDoesNotMoveTheMonotonicCounter() {
    ManualTimeSource t = ManualTimeSource.startingAt(T0).advance(Duration.ofSeconds(5));
    t.setNow(T0.minusSeconds(60));
    assertThat(t.now()).isEqualTo(T0.minusSeconds(60));
    assertThat(t.nanoTime()).isEqualTo(5_000_000_000L);
  }

  @Test
  void rejectsNegativeAdvance() {
    assertThatThrownBy(() -> ManualTimeSource.startingAt(T0).advance(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("amount must be >= 0 but was PT-1S");
  }

  @Test
  void systemSourceIsMonotonicAndNearTheSystemClock() {
    TimeSource s = TimeSource.system();
    long a = s.nanoTime();
    long b = s.nanoTime();
    assertThat(b).isGreaterThanOrEqualTo(a);
    assertThat(Duration.between(s.now(), Instant.now()).abs()).isLessThan(Duration.ofMinutes(1));
  }
}
