package dev.larder.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.random.RandomGenerator;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {
  private final ReconnectBackoff backoff =
      new ReconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(10));

  /** Draws {@code permille} of the way through {@code [0, bound)}. */
  private static RandomGenerator fraction(long permille) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        throw new UnsupportedOperationException("only the bounded draw is expected");
      }

      @Override
      public long nextLong(long bound) {
        return Math.min(bound - 1, bound * permille / 1_000);
      }
    };
  }

  @Property
  void delayStaysInTheUpperHalfOfTheCappedExponential(
      @ForAll @IntRange(min = 1, max = 200) int attempt,
      @ForAll @LongRange(min = 0, max = 1_000) long permille) {
    Duration d = backoff.delay(attempt, fraction(permille));
    long exp = Math.min(10_000, 100L << Math.min(attempt - 1, 20));
    assertThat(d.toMillis()).isBetween(exp / 2, exp);
  }

  @Property
  void cappedAttemptsStillSpreadOut(@ForAll @IntRange(min = 10, max = 1_000) int attempt) {
    assertThat(backoff.delay(attempt, fraction(0))).isEqualTo(Duration.ofSeconds(5));
    assertThat(backoff.delay(attempt, fraction(1_000))).isEqualTo(Duration.ofSeconds(10));
  }

  @Property
  void randomDelayIsNeverZeroAndNeverAboveTheCap(@ForAll @IntRange(min = -5, max = 100) int attempt) {
    Duration d = backoff.delay(attempt);
    assertThat(d).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void attemptsBelowOneCountAsTheFirst() {
    assertThat(backoff.delay(0, fraction(1_000))).isEqualTo(Duration.ofMillis(100));
    assertThat(backoff.delay(-3, fraction(0))).isEqualTo(Duration.ofMillis(50));
  }

  @Test
  void equalBoundsGiveTheSameCeilingEveryTime() {
    ReconnectBackoff flat = new ReconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1));
    assertThat(flat.delay(1, fraction(1_000))).isEqualTo(Duration.ofSeconds(1));
    assertThat(flat.delay(30, fraction(0))).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void defaultsAreTheDocumentedConstants() {
    assertThat(ReconnectBackoff.defaults().initial()).isEqualTo(ReconnectBackoff.DEFAULT_INITIAL);
    assertThat(ReconnectBackoff.defaults().max()).isEqualTo(ReconnectBackoff.DEFAULT_MAX);
    assertThat(ReconnectBackoff.defaults())
        .isEqualTo(new ReconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(10)));
  }

  @Test
  void invalidBoundsAreRejectedNamingTheSettingAndValue() {
    assertThatThrownBy(() -> new ReconnectBackoff(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("reconnectBackoff.initial must be > 0 but was PT0S");
    assertThatThrownBy(() -> new ReconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("reconnectBackoff.max must be > 0 but was PT-1S");
    assertThatThrownBy(() -> new ReconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("reconnectBackoff.max must be >= initial PT2S but was PT1S");
    assertThatThrownBy(() -> new ReconnectBackoff(null, Duration.ofSeconds(1)))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("reconnectBackoff.initial must not be null");
  }
}
