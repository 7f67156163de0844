package dev.larder.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.testkit.LarderServices;
import dev.larder.testkit.PostgresCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.commons.io.output.TeeOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Runs the examples' scenario in-process on the testkit's servers (embedded, or containers in the
 * docker tier) and fails if any step's evidence does not hold: the README's program is tested the
 * way users run it.
 */
class ScenarioIT {

  @Test
  void everyStepsEvidenceHoldsOnTheTestkitsServers() {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream tee =
        new PrintStream(new TeeOutputStream(System.out, buffer), true, StandardCharsets.UTF_8);

    List<StepResult> results = Main.run(new String[0], new Console(tee), false);

    assertThat(results)
        .extracting(StepResult::wiring)
        .containsExactly(
            "PoolTuningWiring",
            "ReplicaRoutingWiring",
            "CacheAsideWiring",
            "InvalidationWiring",
            "OutboxInvalidationWiring",
            "ReplicaRoutingWiring",
            "ReplicaRoutingWiring",
            "RetryWiring",
            "KeysetPagingWiring",
            "MongoWiring",
            "MongoInvalidationWiring",
            "StaleFallbackWiring");
    assertThat(results)
        .allSatisfy(
            r ->
                assertThat(r.held())
                    .as("step %d (%s): %s", r.number(), r.title(), r.evidence())
                    .isTrue());
    String printed = buffer.toString(StandardCharsets.UTF_8);
    assertThat(printed)
        .contains("Summary")
        .contains(results.size() + " of " + results.size() + " steps held");
    assertThat(printed).contains("loader calls: 1");
  }

  @Test
  void runsTwiceAgainstServersGivenOnTheCommandLine() {
    PostgresCluster pg = LarderServices.postgres();
    String db = pg.createDatabase("catalog_external");
    String[] args = {
      "--jdbc-primary",
      pg.primary().jdbcUrl(db),
      "--jdbc-standby",
      pg.standby().jdbcUrl(db),
      "--jdbc-user",
      pg.primary().username(),
      "--jdbc-password=" + pg.primary().password(),
      "--redis",
      LarderServices.redis().uri(),
      "--mongo",
      LarderServices.mongo().connectionString()
    };

    // The second run finds the schema migrated, prices changed and the outbox installed: the
    // program must work against servers that keep state between runs.
    for (int run = 1; run <= 2; run++) {
      List<StepResult> results = Main.run(args, new Console(System.out), false);
      int r = run;
      assertThat(results)
          .hasSize(12)
          .allSatisfy(
              s ->
                  assertThat(s.held())
                      .as("run %d, step %d (%s): %s", r, s.number(), s.title(), s.evidence())
                      .isTrue());
    }
  }
}
