package dev.larder.jdbc.invalidation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class BackoffTest {
  private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10));

  @Property
  void delayStaysInTheUpperHalfOfTheCappedExponential(
      @ForAll @IntRange(min = 1, max = 200) int attempt, @ForAll @LongRange(min = 0, max = 1_000) long permille) {
    Duration d = backoff.delay(attempt, bound -> Math.min(bound - 1, bound * permille / 1_000));
    long exp = Math.min(10_000, 100L << Math.min(attempt - 1, 20));
    assertThat(d.toMillis()).isBetween(exp / 2, exp);
  }

  @Property
  void cappedAttemptsStillSpreadOut(@ForAll @IntRange(min = 10, max = 1_000) int attempt) {
    Duration low = backoff.delay(attempt, bound -> 0);
    Duration high = backoff.delay(attempt, bound -> bound - 1);
    assertThat(low).isEqualTo(Duration.ofSeconds(5));
    assertThat(high).isEqualTo(Duration.ofSeconds(10));
  }
}
