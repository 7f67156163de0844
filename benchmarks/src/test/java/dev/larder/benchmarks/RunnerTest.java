package dev.larder.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunnerTest {

  @Test
  void registryHoldsEveryScenarioOfTheIssueInRunOrder() {
    assertThat(Scenarios.registry().keySet())
        .containsExactly("stampede", "invalidation", "keyset", "outage", "routing", "hotpaths");
  }

  @Test
  void unknownScenarioIsRefusedNamingItAndTheKnownOnes() {
    Report report =
        new Report(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertThatThrownBy(
            () -> Scenarios.run(true, List.of("stampeed"), report, new Plots(Path.of("target"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown scenario 'stampeed'")
        .hasMessageContaining("stampede");
  }

  @Test
  void unknownArgumentIsRefusedNamingIt() {
    assertThatThrownBy(() -> Scenarios.main(new String[] {"--fast"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'--fast'");
  }

  @Test
  void plotsWriteAPngAndSkipEmptySeries(@TempDir Path dir) throws Exception {
    Path png =
        new Plots(dir)
            .lines(
                "t.png",
                "title",
                "x",
                "y",
                true,
                false,
                List.of(
                    new Plots.Series("a", List.of(1, 10, 100), List.of(1.0, 2.0, 3.0)),
                    new Plots.Series("empty", List.of(), List.of())));
    assertThat(png).isEqualTo(dir.resolve("t.png"));
    assertThat(Files.readAllBytes(png)).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
  }
}
