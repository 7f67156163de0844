package dev.larder.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.ManualTimeSource;
import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

  private record Load(int calls, double ratio, int minPerSecond, int asksPerCall) {}

  @Test
  void retriesNeverExceedRatioTimesCallsPlusTheFloor() {
    Property.forAll(
        "retriesNeverExceedRatioTimesCallsPlusTheFloor",
        200,
        r ->
            new Load(
                Gen.intBetween(r, 0, 2_000),
                Gen.doubleBetween(r, 0.0, 1.0),
                Gen.intBetween(r, 0, 20),
                Gen.intBetween(r, 1, 5)),
        load -> {
          ManualTimeSource time = ManualTimeSource.startingAt(Instant.EPOCH);
          RetryBudget budget =
              RetryBudget.builder("p")
                  .retryRatio(load.ratio())
                  .minRetriesPerSecond(load.minPerSecond())
                  .window(Duration.ofSeconds(10))
                  .timeSource(time)
                  .build();
          long granted = 0;
          for (int i = 0; i < load.calls(); i++) {
            budget.recordCall();
            for (int a = 0; a < load.asksPerCall(); a++) {
              granted += budget.tryAcquireRetry() ? 1 : 0;
            }
          }
          double bound =
              Math.round(load.ratio() * 1000) / 1000.0 * load.calls() + load.minPerSecond() * 10;
          assertThat((double) granted).isLessThanOrEqualTo(bound + 1e-9);
          assertThat(budget.grantedCount() + budget.exhaustedCount())
              .isEqualTo((long) load.calls() * load.asksPerCall());
        });
  }

  @Test
  void theFloorRefillsAsTheWindowSlides() {
    ManualTimeSource time = ManualTimeSource.startingAt(Instant.EPOCH);
    RetryBudget budget =
        RetryBudget.builder("floor")
            .retryRatio(0)
            .minRetriesPerSecond(2)
            .window(Duration.ofSeconds(5))
            .timeSource(time)
            .build();
    int first = 0;
    while (budget.tryAcquireRetry()) {
      first++;
    }
    assertThat(first).isEqualTo(10);
    time.advance(Duration.ofSeconds(5));
    int second = 0;
    while (budget.tryAcquireRetry()) {
      second++;
    }
    assertThat(second).isEqualTo(10);
    assertThat(budget.exhaustedCount()).isEqualTo(2);
  }

  @Test
  void invalidSettingsFailInBuildNamingFieldAndValue() {
    assertThatThrownBy(() -> RetryBudget.builder("x").retryRatio(1.5).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retryRatio must be in [0.0, 1.0] but was 1.5");
    assertThatThrownBy(() -> RetryBudget.builder("x").retryRatio(Double.NaN).build())
        .hasMessage("retryRatio must be in [0.0, 1.0] but was NaN");
    assertThatThrownBy(() -> RetryBudget.builder("x").minRetriesPerSecond(-1).build())
        .hasMessage("minRetriesPerSecond must be >= 0 but was -1");
    assertThatThrownBy(() -> RetryBudget.builder("x").window(Duration.ofSeconds(-1)).build())
        .hasMessage("window must be > 0 but was PT-1S");
    assertThatThrownBy(() -> RetryBudget.builder("x").window(null).build())
        .isInstanceOf(NullPointerException.class)
        .hasMessage("window must not be null");
    assertThatThrownBy(() -> RetryBudget.builder("x").retryRatio(0.1).retryRatio(0.2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("retryRatio was already set to 0.1");
  }
}
