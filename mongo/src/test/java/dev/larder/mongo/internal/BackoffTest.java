package dev.larder.mongo.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Property
  void delayIsUniformBelowTheCappedCeiling(
      @ForAll @LongRange(min = 1, max = 10_000) long baseMs,
      @ForAll @LongRange(min = 0, max = 100_000) long extraMs,
      @ForAll @IntRange(min = 1, max = 200) int attempt,
      @ForAll @DoubleRange(min = 0.0, max = 1.0, maxIncluded = false) double r) {
    Duration base = Duration.ofMillis(baseMs);
    Duration cap = Duration.ofMillis(baseMs + extraMs);
    Backoff b = new Backoff(base, cap, () -> r);
    Duration ceiling = b.ceiling(attempt);
    assertThat(ceiling).isLessThanOrEqualTo(cap).isGreaterThanOrEqualTo(base);
    if (attempt > 1) {
      assertThat(ceiling).isGreaterThanOrEqualTo(b.ceiling(attempt - 1));
    }
    Duration d = b.delay(attempt);
    assertThat(d).isGreaterThanOrEqualTo(Duration.ZERO).isLessThanOrEqualTo(ceiling);
  }

  @Test
  void capIsAppliedBeforeJitterSoCappedDelaysKeepTheirSpread() {
    Backoff low = new Backoff(Duration.ofMillis(100), Duration.ofMillis(800), () -> 0.25);
    Backoff high = new Backoff(Duration.ofMillis(100), Duration.ofMillis(800), () -> 0.75);
    assertThat(low.delay(30)).isEqualTo(Duration.ofMillis(200));
    assertThat(high.delay(30)).isEqualTo(Duration.ofMillis(600));
  }

  @Test
  void capBelowBaseIsRefused() {
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), () -> 0))
        .hasMessage("maxBackoff must be >= initialBackoff (PT2S) but was PT1S");
  }
}
