package dev.larder.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.io.output.TeeOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Runs every scenario with {@code --quick} against the testkit's servers and checks the output
 * contract: the run succeeds, it ends with one JSON line per metric with the contract's fields and
 * types, every scenario reports, and each ratio is larder/anchor. Speed is not checked.
 */
class ScenariosSmokeIT {

  @Test
  void everyQuickScenarioEndsWithContractJsonLines() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream both =
        new PrintStream(new TeeOutputStream(captured, System.out), true, StandardCharsets.UTF_8);
    Path plots = Path.of("target", "smoke-plots");

    int exit = Scenarios.run(true, List.of(), new Report(both), new Plots(plots));

    assertThat(exit).as("runner exit code").isZero();
    List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
    List<String> tail = new ArrayList<>();
    for (int i = lines.size() - 1; i >= 0 && lines.get(i).startsWith("{"); i--) {
      tail.add(0, lines.get(i));
    }
    assertThat(tail).as("JSON lines at the end").isNotEmpty();
    Set<String> scenarios = new LinkedHashSet<>();
    for (String line : tail) {
      Map<String, Object> m = ContractJson.parseObject(line);
      assertThat(m)
          .as(line)
          .containsOnlyKeys(
              "scenario", "metric", "unit", "larder", "anchor", "anchor_name", "ratio", "params");
      assertThat(m.get("scenario")).as(line).isInstanceOf(String.class);
      assertThat(m.get("metric")).as(line).isInstanceOf(String.class);
      assertThat(m.get("unit")).as(line).isInstanceOf(String.class);
      assertThat(m.get("anchor_name")).as(line).isInstanceOf(String.class);
      assertThat(m.get("params")).as(line).isInstanceOf(Map.class);
      assertThat(((Map<?, ?>) m.get("params")).get("quick")).as(line).isEqualTo(Boolean.TRUE);
      assertThat(m.get("larder")).as(line).isInstanceOf(Double.class);
      assertThat(m.get("anchor")).as(line).isInstanceOf(Double.class);
      double larder = (Double) m.get("larder");
      double anchor = (Double) m.get("anchor");
      if (anchor == 0) {
        assertThat(m.get("ratio")).as(line).isSameAs(ContractJson.NULL);
      } else {
        assertThat(m.get("ratio")).as(line).isInstanceOf(Double.class);
        assertThat((Double) m.get("ratio"))
            .as(line)
            .isCloseTo(larder / anchor, org.assertj.core.data.Percentage.withPercentage(1e-6));
      }
      scenarios.add((String) m.get("scenario"));
    }
    assertThat(scenarios)
        .as("scenarios reporting")
        .containsExactlyInAnyOrderElementsOf(Scenarios.registry().keySet());
    assertThat(plots.resolve("stampede-loads.png")).isNotEmptyFile();
    assertThat(plots.resolve("keyset-vs-offset.png")).isNotEmptyFile();
    assertThat(plots.resolve("invalidation-latency.png")).isNotEmptyFile();
    assertThat(Files.readAllBytes(plots.resolve("keyset-vs-offset.png")))
        .startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
  }
}
