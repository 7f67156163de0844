package dev.larder.checker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeakProbeTest {

  @Test
  void reportsEveryKindOfLeftoverAndNothingWhenAllIsBack() {
    LeakProbe.Snapshot before =
        new LeakProbe.Snapshot(Map.of(1L, "larder-old"), 0, List.of(), 0, 0);
    LeakProbe.Snapshot clean = new LeakProbe.Snapshot(Map.of(1L, "larder-old"), 0, List.of(), 0, 0);
    LeakProbe.Snapshot leaky =
        new LeakProbe.Snapshot(
            Map.of(1L, "larder-old", 7L, "redisson-netty-2-1"),
            3,
            List.of("larder:inval:checker:v1:"),
            1,
            2);
    assertThat(clean.leaksSince(before)).isEmpty();
    assertThat(leaky.leaksSince(before))
        .hasSize(5)
        .anySatisfy(l -> assertThat(l).contains("redisson-netty-2-1"))
        .anySatisfy(l -> assertThat(l).contains("Redis client connections 0 before, 3 after"))
        .anySatisfy(l -> assertThat(l).contains("larder:inval:checker:v1:"))
        .anySatisfy(l -> assertThat(l).contains("(primary) 0 before, 1 after"))
        .anySatisfy(l -> assertThat(l).contains("(standby) 0 before, 2 after"));
  }
}
