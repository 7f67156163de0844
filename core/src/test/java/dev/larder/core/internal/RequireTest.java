package dev.larder.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RequireTest {

  @Test
  void messagesNameTheFieldAndTheValue() {
    assertThatThrownBy(() -> Require.positive(0, "maxAttempts"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxAttempts must be > 0 but was 0");
    assertThatThrownBy(() -> Require.nonNegative(Duration.ofSeconds(-1), "maxStale"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxStale must be >= 0 but was PT-1S");
    assertThatThrownBy(() -> Require.positive(Duration.ZERO, "ttl"))
        .hasMessage("ttl must be > 0 but was PT0S");
    assertThatThrownBy(() -> Require.inRange(1.5, 0, 1, "fraction"))
        .hasMessage("fraction must be in [0.0, 1.0] but was 1.5");
    assertThatThrownBy(() -> Require.inRange(Double.NaN, 0, 1, "fraction"))
        .hasMessage("fraction must be in [0.0, 1.0] but was NaN");
    assertThatThrownBy(() -> Require.notNull(null, "classifier"))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("classifier must not be null");
    assertThatThrownBy(() -> Require.notYetSet(100, "maximumSize"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maximumSize was already set to 100");
    assertThatThrownBy(() -> Require.inRange(11L, 0L, 10L, "n"))
        .hasMessage("n must be in [0, 10] but was 11");
    assertThatThrownBy(() -> Require.nonNegative(-1, "n")).hasMessage("n must be >= 0 but was -1");
    assertThatThrownBy(() -> Require.positive(-1L, "n")).hasMessage("n must be > 0 but was -1");
    assertThatThrownBy(() -> Require.nonNegative(-1L, "n")).hasMessage("n must be >= 0 but was -1");
  }

  @Test
  void validValuesPassThrough() {
    assertThat(Require.positive(3, "n")).isEqualTo(3);
    assertThat(Require.nonNegative(Duration.ZERO, "d")).isEqualTo(Duration.ZERO);
    assertThat(Require.inRange(0.1, 0, 1, "f")).isEqualTo(0.1);
    Require.notYetSet(null, "x");
  }
}
