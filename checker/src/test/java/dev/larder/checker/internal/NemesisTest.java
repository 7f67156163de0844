package dev.larder.checker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.checker.CheckerConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NemesisTest {

  private static List<String> labels(List<Nemesis.FaultRecord> schedule) {
    return schedule.stream()
        .map(r -> r.label() + "@" + r.plannedStart + "-" + r.plannedEnd)
        .toList();
  }

  @Test
  void theScheduleIsAFunctionOfTheSeedAndTheFaultSetOnly() {
    CheckerConfig a =
        CheckerConfig.defaults(42).toBuilder()
            .faults("redis-pause", "breaker-open", "loader-hang")
            .build();
    CheckerConfig b =
        CheckerConfig.defaults(42).toBuilder()
            .faults("loader-hang", "redis-pause", "breaker-open")
            .build();
    CheckerConfig c =
        CheckerConfig.defaults(43).toBuilder()
            .faults("redis-pause", "breaker-open", "loader-hang")
            .build();
    assertThat(labels(Nemesis.plan(a)))
        .isEqualTo(labels(Nemesis.plan(b)))
        .isNotEqualTo(labels(Nemesis.plan(c)));
    assertThat(Nemesis.plan(a)).isNotEmpty();
  }

  @Test
  void withoutOverlapEachFaultEndsBeforeTheNextStartsAndAllEndBeforeTheRun() {
    CheckerConfig config =
        CheckerConfig.defaults(5).toBuilder().duration(Duration.ofMinutes(10)).build();
    List<Nemesis.FaultRecord> schedule = Nemesis.plan(config);
    for (int i = 1; i < schedule.size(); i++) {
      assertThat(schedule.get(i).plannedStart).isGreaterThan(schedule.get(i - 1).plannedEnd);
    }
    assertThat(schedule.get(schedule.size() - 1).plannedEnd)
        .isLessThan(config.duration().toNanos());
    // every fault of the set is drawn before any is drawn twice
    assertThat(schedule.subList(0, 10).stream().map(r -> r.fault.name()).distinct()).hasSize(10);
  }

  @Test
  void overlappingFaultsNeverShareAResource() {
    CheckerConfig config =
        CheckerConfig.defaults(9).toBuilder()
            .duration(Duration.ofMinutes(10))
            .overlap(true)
            .build();
    List<Nemesis.FaultRecord> schedule = Nemesis.plan(config);
    Map<String, Long> busyUntil = new HashMap<>();
    boolean overlapped = false;
    long lastEnd = -1;
    for (Nemesis.FaultRecord r : schedule) {
      String res = r.fault.resource(r.instance);
      assertThat(r.plannedStart).isGreaterThanOrEqualTo(busyUntil.getOrDefault(res, -1L));
      busyUntil.put(res, r.plannedEnd);
      overlapped |= r.plannedStart < lastEnd;
      lastEnd = Math.max(lastEnd, r.plannedEnd);
    }
    assertThat(overlapped).as("some faults overlap").isTrue();
  }
}
