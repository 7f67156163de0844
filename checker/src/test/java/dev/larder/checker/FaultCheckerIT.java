package dev.larder.checker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The checker's short profile in CI: 60 s of workload on the tier the build runs in, with a random
 * seed that is printed first (or {@code -Dlarder.checker.seed=...}). A failure prints the seed, the
 * replay command and the offending operations.
 */
class FaultCheckerIT {

  @Test
  void documentedGuaranteesHoldUnderRandomFaults() throws Exception {
    CheckerConfig config = CheckerConfig.fromSystemProperties();
    System.out.println(
        "larder fault checker: seed "
            + config.seed()
            + ", "
            + config.duration()
            + " of workload, faults "
            + Faults.ordered(config.faults())
            + " (log: checker/target/checker.log)");
    CheckerReport report = FaultChecker.run(config);
    System.out.print(report.table());
    System.out.println(report.jsonLine());
    assertThat(report.passed()).withFailMessage(report::failureText).isTrue();
  }
}
