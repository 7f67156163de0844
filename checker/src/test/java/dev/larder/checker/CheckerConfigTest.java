package dev.larder.checker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CheckerConfigTest {

  @AfterEach
  void clear() {
    for (String p : new String[] {"seed", "duration", "faults", "exclude", "overlap", "slack"}) {
      System.clearProperty(CheckerConfig.PREFIX + p);
    }
  }

  @Test
  void systemPropertiesChooseSeedDurationAndFaults() {
    System.setProperty(CheckerConfig.PREFIX + "seed", "123");
    System.setProperty(CheckerConfig.PREFIX + "duration", "PT10M");
    System.setProperty(CheckerConfig.PREFIX + "faults", "loader-hang, redis-pause");
    CheckerConfig c = CheckerConfig.fromSystemProperties();
    assertThat(c.seed()).isEqualTo(123);
    assertThat(c.duration()).isEqualTo(Duration.ofMinutes(10));
    assertThat(Faults.ordered(c.faults())).containsExactly("redis-pause", "loader-hang");
    assertThat(c.replayCommand("embedded"))
        .contains(
            "-Dlarder.checker.seed=123",
            "-Dlarder.checker.duration=PT10M",
            "-Dlarder.checker.faults=redis-pause,loader-hang",
            "-Dlarder.test.services=embedded");
  }

  @Test
  void excludeDropsFaultsFromTheSet() {
    System.setProperty(CheckerConfig.PREFIX + "exclude", "pg-primary-stop");
    assertThat(CheckerConfig.fromSystemProperties().faults())
        .doesNotContain("pg-primary-stop")
        .hasSize(9);
  }

  @Test
  void badValuesNameThePropertyAndTheValue() {
    System.setProperty(CheckerConfig.PREFIX + "faults", "redis-pause,redis-explode");
    assertThatThrownBy(CheckerConfig::fromSystemProperties)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("larder.checker.faults")
        .hasMessageContaining("redis-explode");
    System.clearProperty(CheckerConfig.PREFIX + "faults");
    System.setProperty(CheckerConfig.PREFIX + "duration", "ten minutes");
    assertThatThrownBy(CheckerConfig::fromSystemProperties)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("larder.checker.duration")
        .hasMessageContaining("ten minutes");
  }
}
