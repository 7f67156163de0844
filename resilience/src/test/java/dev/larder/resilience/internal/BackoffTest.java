package dev.larder.resilience.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.resilience.Jitter;
import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {

  /** A backoff's base and cap ({@code base + extra}), a retry number and a seed for its jitter. */
  private record Case(long base, long extra, int retry, long seed) {
    static Case draw(
        Random r, long minBase, long maxBase, long maxExtra, int minRetry, int maxRetry) {
      return new Case(
          Gen.longBetween(r, minBase, maxBase),
          Gen.longBetween(r, 0, maxExtra),
          Gen.intBetween(r, minRetry, maxRetry),
          Gen.anyLong(r));
    }
  }

  @Test
  void fullJitterStaysWithinZeroAndTheCappedExponential() {
    Property.forAll(
        "fullJitterStaysWithinZeroAndTheCappedExponential",
        1_000,
        r -> Case.draw(r, 0, 10_000, 120_000, 1, 100),
        c -> {
          long base = c.base();
          long extra = c.extra();
          Backoff b = new Backoff(Jitter.FULL, base, base + extra);
          long ceiling = b.ceilingMillis(c.retry());
          assertThat(ceiling).isBetween(0L, base + extra);
          double exact = base * Math.pow(2, c.retry() - 1);
          assertThat((double) ceiling).isEqualTo(Math.min(base + extra, exact));
          long wait = b.nextMillis(c.retry(), 0, new SplittableRandom(c.seed()));
          assertThat(wait).isBetween(0L, ceiling);
        });
  }

  @Test
  void decorrelatedJitterStaysWithinBaseAndCapAndTriplesAtMost() {
    Property.forAll(
        "decorrelatedJitterStaysWithinBaseAndCapAndTriplesAtMost",
        1_000,
        r -> Case.draw(r, 0, 10_000, 120_000, 1, 40),
        c -> {
          long base = c.base();
          long cap = base + c.extra();
          Backoff b = new Backoff(Jitter.DECORRELATED, base, cap);
          SplittableRandom random = new SplittableRandom(c.seed());
          long previous = base;
          for (int n = 1; n <= c.retry(); n++) {
            long wait = b.nextMillis(n, previous, random);
            assertThat(wait).isBetween(base, cap);
            assertThat(wait).isLessThanOrEqualTo(Math.max(base, previous * 3));
            previous = wait;
          }
        });
  }

  @Test
  void fullJitterAveragesHalfTheCappedExponential() {
    Property.forAll(
        "fullJitterAveragesHalfTheCappedExponential",
        40,
        r -> Case.draw(r, 100, 5_000, 60_000, 1, 12),
        c -> {
          Backoff b = new Backoff(Jitter.FULL, c.base(), c.base() + c.extra());
          long ceiling = b.ceilingMillis(c.retry());
          SplittableRandom random = new SplittableRandom(c.seed());
          int samples = 20_000;
          double sum = 0;
          for (int i = 0; i < samples; i++) {
            sum += b.nextMillis(c.retry(), 0, random);
          }
          // Uniform on [0, c]: sd of the mean is c / sqrt(12 * 20000) ~ 0.002 c; 0.02 c is ten sd
          // away.
          assertThat(sum / samples)
              .isCloseTo(ceiling / 2.0, org.assertj.core.data.Offset.offset(0.02 * ceiling + 1));
        });
  }

  @Test
  void clientsPastTheCapStillSpreadTheirWaits() {
    Property.forAll(
        "clientsPastTheCapStillSpreadTheirWaits",
        40,
        r -> Case.draw(r, 1, 1_000, 0, 20, 60),
        c -> {
          long base = c.base();
          long cap = base * 30;
          SplittableRandom random = new SplittableRandom(c.seed());
          for (Jitter jitter : Jitter.values()) {
            Backoff b = new Backoff(jitter, base, cap);
            int atCap = 0;
            int belowHalf = 0;
            for (int i = 0; i < 2_000; i++) {
              long wait = b.nextMillis(c.retry(), cap, random);
              atCap += wait == cap ? 1 : 0;
              belowHalf += wait < cap / 2 ? 1 : 0;
            }
            // Uniform over about cap values: P(wait == cap) ~ 1/cap, so 10 % is far out of reach...
            assertThat(atCap).as(jitter + " waits equal to the cap").isLessThan(200);
            // ...and about half of the waits fall below half the cap (at least 30 % here).
            assertThat(belowHalf).as(jitter + " waits below half the cap").isGreaterThan(600);
          }
        });
  }

  @Test
  void resilience4jsOwnRandomizedBackoffCollapsesOntoTheCap() {
    // The lesson this module is built on: resilience4j caps after randomizing, so once the
    // exponential passes the cap every client waits exactly the cap.
    IntervalFunction theirs =
        IntervalFunction.ofExponentialRandomBackoff(
            Duration.ofMillis(100), 2.0, 0.5, Duration.ofMillis(3_000));
    long atCap = 0;
    for (int i = 0; i < 1_000; i++) {
      atCap += theirs.apply(12) == 3_000 ? 1 : 0;
    }
    assertThat(atCap).isEqualTo(1_000);

    Backoff ours = new Backoff(Jitter.FULL, 100, 3_000);
    SplittableRandom random = new SplittableRandom(7);
    long oursAtCap = 0;
    for (int i = 0; i < 1_000; i++) {
      oursAtCap += ours.nextMillis(12, 0, random) == 3_000 ? 1 : 0;
    }
    assertThat(oursAtCap).isLessThan(50);
  }

  @Test
  void ceilingDoesNotOverflowForLargeRetryNumbers() {
    Backoff b = new Backoff(Jitter.FULL, 1_000, 30_000);
    assertThat(b.ceilingMillis(1)).isEqualTo(1_000);
    assertThat(b.ceilingMillis(2)).isEqualTo(2_000);
    assertThat(b.ceilingMillis(5)).isEqualTo(16_000);
    assertThat(b.ceilingMillis(6)).isEqualTo(30_000);
    assertThat(b.ceilingMillis(Integer.MAX_VALUE)).isEqualTo(30_000);
    Backoff huge = new Backoff(Jitter.DECORRELATED, Long.MAX_VALUE / 4, Long.MAX_VALUE / 2);
    assertThat(huge.nextMillis(3, Long.MAX_VALUE / 3, new SplittableRandom(1)))
        .isBetween(Long.MAX_VALUE / 4, Long.MAX_VALUE / 2);
  }
}
