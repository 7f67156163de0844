package dev.larder.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeasurementTest {

  @Test
  void printsTheContractsJsonLine() {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("instances", 4);
    params.put("threads", 64);
    params.put("quick", true);
    Measurement m =
        new Measurement("stampede", "loader_calls", "calls", 1, 256, "naive cache-aside", params);
    assertThat(m.toJson())
        .isEqualTo(
            "{\"scenario\": \"stampede\", \"metric\": \"loader_calls\", \"unit\": \"calls\", "
                + "\"larder\": 1, \"anchor\": 256, \"anchor_name\": \"naive cache-aside\", \"ratio\": 0.00390625, "
                + "\"params\": {\"instances\": 4, \"threads\": 64, \"quick\": true}}");
  }

  @Test
  void zeroAnchorGivesNullRatioAndStringsAreEscaped() {
    Measurement m = new Measurement("s", "m\"q", "ms", 2.5, 0, "a\\b\n", Map.of());
    assertThat(m.ratio()).isNaN();
    assertThat(m.toJson())
        .contains(
            "\"metric\": \"m\\\"q\"",
            "\"larder\": 2.5",
            "\"ratio\": null",
            "\"anchor_name\": \"a\\\\b\\n\"",
            "\"params\": {}");
  }

  @Test
  void latenciesReportPercentilesInMilliseconds() {
    Latencies l = new Latencies();
    for (int i = 1; i <= 100; i++) {
      l.record(i * 1_000_000L);
    }
    assertThat(l.count()).isEqualTo(100);
    assertThat(l.percentileMillis(50)).isBetween(49.9, 50.1);
    assertThat(l.percentileMillis(99)).isBetween(98.9, 99.1);
  }
}
