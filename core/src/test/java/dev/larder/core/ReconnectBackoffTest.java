package dev.larder.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import java.time.Duration;
import java.util.random.RandomGenerator;
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

  private record AttemptAndDraw(int attempt, long permille) {}

  @Test
  void delayStaysInTheUpperHalfOfTheCappedExponential() {
    Property.forAll(
        "delayStaysInTheUpperHalfOfTheCappedExponential",
        1_000,
        r -> new AttemptAndDraw(Gen.intBetween(r, 1, 200), Gen.longBetween(r, 0, 1_000)),
        v -> {
          Duration d = backoff.delay(v.attempt(), fraction(v.permille()));
          long exp = Math.min(10_000, 100L << Math.min(v.attempt() - 1, 20));
          assertThat(d.toMillis()).isBetween(exp / 2, exp);
        });
  }

  @Test
  void cappedAttemptsStillSpreadOut() {
    Property.forAll(
        "cappedAttemptsStillSpreadOut",
        1_000,
        r -> Gen.intBetween(r, 10, 1_000),
        attempt -> {
          assertThat(backoff.delay(attempt, fraction(0))).isEqualTo(Duration.ofSeconds(5));
          assertThat(backoff.delay(attempt, fraction(1_000))).isEqualTo(Duration.ofSeconds(10));
        });
  }

  @Test
  void randomDelayIsNeverZeroAndNeverAboveTheCap() {
    Property.forAll(
        "randomDelayIsNeverZeroAndNeverAboveTheCap",
        1_000,
        r -> Gen.intBetween(r, -5, 100),
        attempt ->
            assertThat(backoff.delay(attempt))
                .isPositive()
                .isLessThanOrEqualTo(Duration.ofSeconds(10)));
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
