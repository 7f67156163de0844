package dev.larder.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class L1FenceTest {

  @Property
  void admitsExactlyTheVersionsNotBelowTheHighestInvalidation(
      @ForAll @Size(min = 1, max = 10) List<@LongRange(min = 0, max = 50) Long> invalidations,
      @ForAll @LongRange(min = -1, max = 60) long version) {
    L1Fence fence = new L1Fence(100, Duration.ofMinutes(1));
    // Messages may arrive out of order: the highest version wins.
    invalidations.forEach(v -> fence.record("k", v));
    long highest = invalidations.stream().mapToLong(Long::longValue).max().orElseThrow();
    assertThat(fence.admits("k", version)).isEqualTo(version >= highest);
    assertThat(fence.admits("other", version)).as("other keys are not fenced").isTrue();
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
