package dev.larder.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import dev.larder.testkit.LarderServices;
import dev.larder.testkit.PostgresCluster;
import java.util.List;
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
    PrintStream tee = new PrintStream(new TeeStream(System.out, buffer), true, StandardCharsets.UTF_8);

    List<StepResult> results = Main.run(new String[0], new Console(tee), false);

    assertThat(results).extracting(StepResult::wiring).containsExactly(
        "PoolTuningWiring", "ReplicaRoutingWiring", "CacheAsideWiring", "InvalidationWiring", "OutboxInvalidationWiring",
        "ReplicaRoutingWiring", "ReplicaRoutingWiring", "RetryWiring", "KeysetPagingWiring", "MongoWiring",
        "MongoInvalidationWiring",
        "StaleFallbackWiring");
    assertThat(results).allSatisfy(r -> assertThat(r.held())
        .as("step %d (%s): %s", r.number(), r.title(), r.evidence()).isTrue());
    String printed = buffer.toString(StandardCharsets.UTF_8);
    assertThat(printed).contains("Summary").contains(results.size() + " of " + results.size() + " steps held");
    assertThat(printed).contains("loader calls: 1");
  }

  @Test
  void runsTwiceAgainstServersGivenOnTheCommandLine() {
    PostgresCluster pg = LarderServices.postgres();
    String db = pg.createDatabase("catalog_external");
    String[] args = {
        "--jdbc-primary", pg.primary().jdbcUrl(db), "--jdbc-standby", pg.standby().jdbcUrl(db),
        "--jdbc-user", pg.primary().username(), "--jdbc-password=" + pg.primary().password(),
        "--redis", LarderServices.redis().uri(), "--mongo", LarderServices.mongo().connectionString()};

    // The second run finds the schema migrated, prices changed and the outbox installed: the
    // program must work against servers that keep state between runs.
    for (int run = 1; run <= 2; run++) {
      List<StepResult> results = Main.run(args, new Console(System.out), false);
      int r = run;
      assertThat(results).hasSize(12).allSatisfy(s -> assertThat(s.held())
          .as("run %d, step %d (%s): %s", r, s.number(), s.title(), s.evidence()).isTrue());
    }
  }

  /** Writes to two streams: the console (for the build log) and a buffer (for assertions). */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public void write(byte[] bytes, int off, int len) throws java.io.IOException {
      a.write(bytes, off, len);
      b.write(bytes, off, len);
    }

    @Override
    public void flush() throws java.io.IOException {
      a.flush();
      b.flush();
    }
  }
}
