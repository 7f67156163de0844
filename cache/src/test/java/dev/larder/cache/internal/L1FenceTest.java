package dev.larder.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class L1FenceTest {

  private record Arrival(List<Long> invalidations, long version) {}

  @Test
  void admitsExactlyTheVersionsNotBelowTheHighestInvalidation() {
    Property.forAll(
        "admitsExactlyTheVersionsNotBelowTheHighestInvalidation",
        1_000,
        r ->
            new Arrival(
                Gen.listOf(r, 1, 10, e -> Gen.longBetween(e, 0, 50)), Gen.longBetween(r, -1, 60)),
        a -> {
          L1Fence fence = new L1Fence(100, Duration.ofMinutes(1));
          // Messages may arrive out of order: the highest version wins.
          a.invalidations().forEach(v -> fence.record("k", v));
          long highest = a.invalidations().stream().mapToLong(Long::longValue).max().orElseThrow();
          assertThat(fence.admits("k", a.version())).isEqualTo(a.version() >= highest);
          assertThat(fence.admits("other", a.version())).as("other keys are not fenced").isTrue();
        });
  }

  @Test
  void clearForgetsTombstones() {
    L1Fence fence = new L1Fence(100, Duration.ofMinutes(1));
    fence.record("k", 5);
    assertThat(fence.admits("k", 4)).isFalse();
    fence.clear();
    assertThat(fence.admits("k", 4)).isTrue();
  }
}
